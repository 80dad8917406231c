-- The worker's customer policy asks, per customer row, "is any job of this
-- customer assigned to me?". Led by the policy columns, this answers it with
-- one index probe however many jobs the customer has.
create index jobs_company_customer_worker_idx on app.jobs (company_id, customer_id, assigned_worker_id);
