-- Query-level probes of the Citus port (scripts/test/citus.sh probe): each of
-- the patterns FieldOps uses, on two scratch tables distributed by company_id
-- in a schema of their own (`citus_probe`), so that they run whatever state the
-- real schema's distribution is in. Run by psql as the superuser on the
-- coordinator, ON_ERROR_STOP off: every error is printed as PostgreSQL/Citus
-- words it. `\;` joins statements into one protocol message, as sqlx's
-- `raw_sql`/`begin_with` send them. Nothing here is part of FieldOps' schema.
\set VERBOSITY default
\set ECHO queries

drop schema if exists citus_probe cascade;
create schema citus_probe;
grant usage on schema citus_probe to fieldops_admin;
create table citus_probe.jobs (company_id uuid not null, id uuid not null, title text, primary key (company_id, id));
create table citus_probe.tasks (company_id uuid not null, id uuid not null, job_id uuid not null, done boolean not null default false,
  primary key (company_id, id));
select create_distributed_table('citus_probe.jobs', 'company_id');
select create_distributed_table('citus_probe.tasks', 'company_id', colocate_with => 'citus_probe.jobs');
grant select, insert, update, delete on citus_probe.jobs, citus_probe.tasks to fieldops_admin;
insert into citus_probe.jobs
select ('00000000-0000-0000-0000-00000000000' || c)::uuid, gen_random_uuid(), 'job ' || c from generate_series(1, 4) c;
insert into citus_probe.tasks select company_id, gen_random_uuid(), id from citus_probe.jobs;
alter table citus_probe.jobs enable row level security;
alter table citus_probe.jobs force row level security;
alter table citus_probe.tasks enable row level security;
alter table citus_probe.tasks force row level security;

\echo '--- P1: a policy comparing with a (select f()) wrapper, as FieldOps policies do'
create policy by_company on citus_probe.jobs to fieldops_admin
  using (company_id = (select nullif(current_setting('app.company', true), '')::uuid));
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select count(*) as p1_rows from citus_probe.jobs;
rollback;

\echo '--- P1b: the same policy on a table that is distributed after it'
create table citus_probe.later (company_id uuid not null, id uuid not null, primary key (company_id, id));
alter table citus_probe.later enable row level security;
create policy by_company on citus_probe.later to fieldops_admin
  using (company_id = (select nullif(current_setting('app.company', true), '')::uuid));
select create_distributed_table('citus_probe.later', 'company_id', colocate_with => 'citus_probe.jobs');

\echo '--- P2: the same policy without the subquery wrapper (citus.propagate_set_commands at its default)'
show citus.propagate_set_commands;
create policy by_company on citus_probe.jobs to fieldops_admin
  using (company_id = nullif(current_setting('app.company', true), '')::uuid);
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select count(*) as p2_rows from citus_probe.jobs;
rollback;

\echo '--- P3: a policy with an exists (select ... from another distributed table) probe'
create policy by_job on citus_probe.tasks to fieldops_admin
  using (company_id = nullif(current_setting('app.company', true), '')::uuid
         and exists (select 1 from citus_probe.jobs j where j.company_id = tasks.company_id and j.id = tasks.job_id));
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select count(*) as p3_rows from citus_probe.tasks;
rollback;
drop policy by_job on citus_probe.tasks;
create policy by_company on citus_probe.tasks to fieldops_admin
  using (company_id = nullif(current_setting('app.company', true), '')::uuid);

\echo '--- P2b: the same with citus.propagate_set_commands = local (set for the database)'
alter database fieldops set citus.propagate_set_commands = 'local';
\c
show citus.propagate_set_commands;
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select count(*) as p2b_rows from citus_probe.jobs;
rollback;

\echo '--- P4: the context batch in one message (reset; SET LOCALs; begin last), then a query'
reset role \; reset all \; set local role fieldops_admin \; set local app.company = '00000000-0000-0000-0000-000000000001' \; set local plan_cache_mode = force_custom_plan \; begin;
select count(*) as p4_rows, current_user from citus_probe.jobs;
commit;

\echo '--- P5: the same with begin first (SET LOCALs inside an explicit transaction block), one message'
begin \; set local role fieldops_admin \; set local app.company = '00000000-0000-0000-0000-000000000001' \; set local plan_cache_mode = force_custom_plan \; select count(*) as p5_rows from citus_probe.jobs \; commit;
rollback; -- if the message failed part way, its transaction block is left aborted

\echo '--- P6: LEFT JOIN with a pseudoconstant qual (an optional filter that is a parameter)'
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select count(*) as p6_rows from citus_probe.jobs j
  left join citus_probe.tasks t on t.company_id = j.company_id and t.job_id = j.id and (select false);
prepare p6(boolean) as select count(*) from citus_probe.jobs j
  left join citus_probe.tasks t on t.company_id = j.company_id and t.job_id = j.id and $1;
execute p6(false);
rollback;

\echo '--- P7: INSERT ... SELECT from unnest under row-level security (as jobs.rs/tasks.rs do)'
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
insert into citus_probe.tasks (company_id, id, job_id)
select '00000000-0000-0000-0000-000000000001', gen_random_uuid(), x
  from unnest(array[gen_random_uuid(), gen_random_uuid()]) with ordinality as u(x, n);
rollback;

\echo '--- P8: SELECT ... FOR UPDATE by id alone (the policy adds the company filter)'
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select id from citus_probe.jobs where id = (select id from citus_probe.jobs limit 1) for update;
rollback;
\echo '--- P8b: the same with the company filter written out'
begin;
set local role fieldops_admin;
set local app.company = '00000000-0000-0000-0000-000000000001';
select id from citus_probe.jobs where company_id = '00000000-0000-0000-0000-000000000001' for update;
rollback;

\echo '--- P9: several statements with CREATE INDEX in one message (as a sqlx migration sends a file)'
create index jobs_title on citus_probe.jobs (company_id, title) \; create index tasks_job on citus_probe.tasks (company_id, job_id);
\echo '--- P9b: the same inside a transaction block (sqlx runs a migration in one)'
begin;
create index jobs_title2 on citus_probe.jobs (company_id, title) \; create index tasks_job2 on citus_probe.tasks (company_id, job_id);
rollback;

\echo '--- P10: a trigger on a distributed table'
create function citus_probe.touch() returns trigger language plpgsql as $$ begin new.title := new.title; return new; end $$;
set citus.enable_unsafe_triggers = off;
create trigger touch before update on citus_probe.jobs for each row execute function citus_probe.touch();
set citus.enable_unsafe_triggers = on;
create trigger touch before update on citus_probe.jobs for each row execute function citus_probe.touch();
reset citus.enable_unsafe_triggers;

\echo '--- P11: a LANGUAGE sql function that reads a distributed table, called in a query'
create function citus_probe.job_count(p_company uuid) returns bigint language sql stable
  as $$ select count(*) from citus_probe.jobs where company_id = p_company $$;
select citus_probe.job_count('00000000-0000-0000-0000-000000000001') as p11_direct;
select company_id, citus_probe.job_count(company_id) as p11_per_row from citus_probe.jobs limit 1;
create function citus_probe.job_count_plpgsql(p_company uuid) returns bigint language plpgsql stable
  as $$ begin return (select count(*) from citus_probe.jobs where company_id = p_company); end $$;
select citus_probe.job_count_plpgsql('00000000-0000-0000-0000-000000000001') as p11_plpgsql;

\echo '--- P12: a request role that may not log in on the workers'
\c fieldops postgres 127.0.0.1 :w1
alter role fieldops_worker nologin;
\c fieldops postgres 127.0.0.1 :w2
alter role fieldops_worker nologin;
\c fieldops postgres 127.0.0.1 :coordinator
grant usage on schema citus_probe to fieldops_worker;
grant select on citus_probe.jobs to fieldops_worker;
create policy worker_all on citus_probe.jobs to fieldops_worker using (true);
begin;
set local role fieldops_worker;
select count(*) as p12_rows from citus_probe.jobs;
rollback;
\c fieldops postgres 127.0.0.1 :w1
alter role fieldops_worker login;
\c fieldops postgres 127.0.0.1 :w2
alter role fieldops_worker login;
\c fieldops postgres 127.0.0.1 :coordinator

\echo '--- P13: how often a one-message batch of SET LOCALs reaches a worker (log_statement = all there)'
select run_command_on_workers('alter system set log_statement = ''all''');
select run_command_on_workers('select pg_reload_conf()');
select pg_sleep(0.5);
begin \; set local app.company = '00000000-0000-0000-0000-000000000002' \; set local app.marker_a = 'p13' \; set local app.marker_b = 'p13' \; select count(*) as p13_rows from citus_probe.jobs where company_id = '00000000-0000-0000-0000-000000000002' \; commit;
rollback; -- if the message failed part way, its transaction block is left aborted
select run_command_on_workers('alter system reset log_statement');
select run_command_on_workers('select pg_reload_conf()');

\echo '--- P14: a policy that derives the company from a distributed sessions table (as 0013 does), per shard'
create table citus_probe.sessions (company_id uuid not null, id uuid not null, primary key (company_id, id));
select create_distributed_table('citus_probe.sessions', 'company_id', colocate_with => 'citus_probe.jobs');
insert into citus_probe.sessions values ('00000000-0000-0000-0000-000000000001', '11111111-1111-1111-1111-111111111111');
create function citus_probe.session_company() returns uuid language plpgsql stable security definer
  set search_path = pg_catalog, pg_temp as $$
declare v uuid;
begin
  select s.company_id into v from citus_probe.sessions s
   where s.id = nullif(current_setting('app.session_id', true), '')::uuid;
  return v;
end $$;
grant execute on function citus_probe.session_company() to fieldops_admin;
drop policy by_company on citus_probe.tasks;
create policy by_session on citus_probe.tasks to fieldops_admin using (company_id = citus_probe.session_company());
begin;
set local role fieldops_admin;
set local app.session_id = '11111111-1111-1111-1111-111111111111';
select count(*) as p14_rows from citus_probe.tasks;
rollback;

alter database fieldops reset citus.propagate_set_commands;
drop schema citus_probe cascade;
