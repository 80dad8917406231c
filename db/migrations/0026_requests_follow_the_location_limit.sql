-- A customer login limited to some locations (migration 0025) sees the job
-- requests at those locations only, and their history (issue #16's portal
-- scope meets issue #17's requests, built side by side in 0022 and 0025).
--
-- The requests' policies compare the request's location with the verified
-- context's list, as jobs' do (db/policies/job_requests.sql). The history
-- rows carry no location: their customer policy asks whether the caller sees
-- the request, per row, under job_requests' own policy (an `exists` probe,
-- db/policies/job_request_changes.sql). On Citus that probe is this function
-- (src/db/citus.rs, PROBES): invoker's rights, so the caller's policies on
-- app.job_requests still decide.
create function app.job_request_is_visible(p_company_id uuid, p_request_id uuid) returns boolean
language plpgsql stable parallel restricted
set search_path = pg_catalog, pg_temp
as $$
begin
  return exists (select 1 from app.job_requests r where r.company_id = p_company_id and r.id = p_request_id);
end
$$;
