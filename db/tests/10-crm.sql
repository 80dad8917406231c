-- Customers, service locations, gate codes and contacts (migration 0020), per
-- role and tenant: what each role of A sees, that gate codes and access notes
-- reach admins and the worker of an open job there and nobody else, that B
-- never reads A's, and the rules the database keeps whoever writes: a customer
-- keeps a location, a job of a customer with several names one, account
-- numbers count up per company. One transaction per acting user
-- (fixtures/tenants.sql says why); the admin's writes are rolled back.
set search_path = tap, public;
grant usage on schema tap to fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select plan(58);
\ir fixtures/tenants.sql

-- The one definer function of migration 0020: a new customer's first
-- location, made as the owner (an admin may not name a company_id).
select is_definer('app', 'create_first_location', '{}'::name[],
  'a new customer''s first location is made by a SECURITY DEFINER trigger function');
select is_empty($$
  select object, grantee from app.grant_report where object = 'app.create_first_location()'
$$, 'nobody has EXECUTE on it: only its trigger calls it');
select is_definer('app', 'create_first_locations', '{}'::name[],
  'on one server, a statement''s new customers get their first locations from a SECURITY DEFINER statement trigger (db/migrations/0042)');
select is_empty($$
  select object, grantee from app.grant_report where object = 'app.create_first_locations()'
$$, 'nobody has EXECUTE on it either');
-- The account number reads every customer of the company, whatever the
-- caller may read (db/migrations/0044; 14-branches.sql has the case).
select is_definer('app', 'assign_account_number', '{}'::name[],
  'a new customer''s account number is read by a SECURITY DEFINER trigger function');
select is_empty($$
  select object, grantee from app.grant_report where object = 'app.assign_account_number()'
$$, 'nobody has EXECUTE on it');

-- The author an insert may name (db/migrations/0045). Where a table's stamp
-- trigger keeps a named author, every role that may name one must meet, in
-- every insert policy that applies to it (permissive policies are OR-ed),
-- the check that it is the verified user.
select isnt_empty($$
  select 1 from pg_trigger t
  where t.tgfoid = 'app.stamp_row()'::regprocedure and pg_catalog.encode(t.tgargs, 'escape') like 'author checked by policy%'
$$, 'the tables an import writes keep the author an insert names');
select is_empty($$
  select t.tgrelid::regclass, r.role
  from pg_trigger t
  cross join unnest(array['fieldops_admin', 'fieldops_worker', 'fieldops_customer', 'fieldops_authenticator']) as r (role)
  where t.tgfoid = 'app.stamp_row()'::regprocedure
    and pg_catalog.encode(t.tgargs, 'escape') like 'author checked by policy%'
    and has_column_privilege(r.role, t.tgrelid, 'created_by', 'INSERT')
    and (not exists (select 1 from pg_policies p
                     where p.schemaname = 'app' and p.tablename = (select c.relname from pg_class c where c.oid = t.tgrelid)
                       and p.cmd in ('INSERT', 'ALL') and p.permissive = 'PERMISSIVE'
                       and (r.role = any (p.roles) or 'public' = any (p.roles)))
         or exists (select 1 from pg_policies p
                    where p.schemaname = 'app' and p.tablename = (select c.relname from pg_class c where c.oid = t.tgrelid)
                      and p.cmd in ('INSERT', 'ALL') and p.permissive = 'PERMISSIVE'
                      and (r.role = any (p.roles) or 'public' = any (p.roles))
                      and coalesce(p.with_check, p.qual) !~ 'created_by = (\( SELECT )?app\.user_id\(\)'))
$$, 'a role may name a new row''s author only where each of its insert policies checks it is the verified user');

-- The address key (db/migrations/0045): the loop gives the key the query of
-- 0032 gave, for every address, or the index's keys would change meaning.
select is_empty($$
  with address (line1, line2, city, region, postal_code) as (values
    (null, null, null, null, null), ('', '', '', '', ''), ('  --Saint  Louis-- ', null, 'ÉCOLE Straße', 'north-east', '1 2'),
    ('Mount  Pleasant Rd.', 'Suite #4B', 'São Paulo', 'SP', '01310-100'), ('東京都 1-2', null, null, null, null),
    ('--', '..', null, ' ', 'X'), ('AVENUE avenue Av AV.', 'Floor/Room', 'Northeast', 'SOUTHWEST', 'route66'),
    ('streets street street-street', null, 'st.', null, null), ('12 North Bench Street', 'Apt 5', 'Springfield', 'IL', '60001'),
    ('1 Highway Circle Trail', 'Building 3, Floor 2', 'Mountain Heights Junction', 'West', 'Centre'))
  select a.* from address a
  where app.address_key(a.line1, a.line2, a.city, a.region, a.postal_code) is distinct from (
    select coalesce(string_agg(coalesce(ab.short, w.word), '' order by w.n), '')
      from regexp_split_to_table(lower(concat_ws(' ', a.line1, a.line2, a.city, a.region, a.postal_code)), '[^[:alnum:]]+')
           with ordinality as w (word, n)
      left join (values
          ('street', 'st'), ('saint', 'st'), ('avenue', 'ave'), ('av', 'ave'), ('road', 'rd'),
          ('drive', 'dr'), ('boulevard', 'blvd'), ('lane', 'ln'), ('court', 'ct'), ('place', 'pl'),
          ('square', 'sq'), ('terrace', 'ter'), ('parkway', 'pkwy'), ('highway', 'hwy'), ('circle', 'cir'),
          ('trail', 'trl'), ('alley', 'aly'), ('crescent', 'cres'), ('expressway', 'expy'), ('freeway', 'fwy'),
          ('heights', 'hts'), ('junction', 'jct'), ('mount', 'mt'), ('mountain', 'mtn'), ('point', 'pt'),
          ('route', 'rte'), ('turnpike', 'tpke'), ('center', 'ctr'), ('centre', 'ctr'), ('suite', 'ste'),
          ('apartment', 'apt'), ('building', 'bldg'), ('floor', 'fl'), ('room', 'rm'), ('north', 'n'),
          ('south', 's'), ('east', 'e'), ('west', 'w'), ('northeast', 'ne'), ('northwest', 'nw'),
          ('southeast', 'se'), ('southwest', 'sw')
        ) as ab (long, short) on ab.long = w.word)
$$, 'the address key is the one migration 0032 defined, on tricky addresses');

-- ---------------------------------------------------------------- admin of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('A.admin');

select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'admin A: no row of another company in any table it can read');
select set_eq($$ select id from app.service_locations $$,
  array[pg_temp.id('A.cust1.loc1'), pg_temp.id('A.cust1.loc2'), pg_temp.id('A.cust2.loc1')],
  'admin A sees every location of A');
select set_eq($$ select gate_code from app.service_location_access $$,
  array['A gate cust1.loc1', 'A gate cust1.loc2', 'A gate cust2.loc1'],
  'admin A reads every gate code of A, and none of B');
select set_eq($$ select id from app.contacts $$, array[pg_temp.id('A.cust1.contact'), pg_temp.id('A.cust2.contact')],
  'admin A sees A''s contacts');
select is((select service_location_id from app.jobs where id = pg_temp.id('A.job2')), pg_temp.id('A.cust2.loc1'),
  'a job that names no location gets its customer''s only one');

-- The rules.
select throws_ok(format($$ delete from app.service_locations where id = %L $$, pg_temp.id('A.cust2.loc1')),
  'FO409', 'a customer keeps at least one service location',
  'the last location of a customer cannot be deleted');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title) values (%L, %L, 'x') $$,
    pg_temp.id('A.cust1'), (select id from app.job_statuses where name = 'New')),
  'FO422', 'the customer has several service locations: the job must name one',
  'a job of a customer with several locations must name one (a direct insert too)');
select throws_ok(format($$ update app.jobs set service_location_id = null where id = %L $$, pg_temp.id('A.job1')),
  'FO422', 'the customer has several service locations: the job must name one',
  '... and cannot drop it later');
select is((pg_temp.inserted(format($$ update app.jobs set customer_id = %L where id = %L returning service_location_id $$,
             pg_temp.id('A.cust2'), pg_temp.id('A.job3'))) ->> 'service_location_id')::uuid,
  pg_temp.id('A.cust2.loc1'), 'a job moved to another customer leaves the old location behind and takes the new one''s only one');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title, service_location_id) values (%L, %L, 'x', %L) $$,
    pg_temp.id('A.cust1'), (select id from app.job_statuses where name = 'New'), pg_temp.id('A.cust2.loc1')),
  '23503', null, 'a job cannot happen at another customer''s location');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title, service_location_id) values (%L, %L, 'x', %L) $$,
    pg_temp.id('A.cust1'), (select id from app.job_statuses where name = 'New'), pg_temp.id('B.cust1.loc1')),
  '23503', null, 'a job cannot happen at another company''s location');
select throws_ok(format($$ insert into app.jobs (customer_id, status_id, title, service_location_id, site_contact_id)
                           values (%L, %L, 'x', %L, %L) $$,
    pg_temp.id('A.cust1'), (select id from app.job_statuses where name = 'New'), pg_temp.id('A.cust1.loc1'),
    pg_temp.id('A.cust2.contact')),
  '23503', null, 'a job''s site contact is one of its customer''s contacts');
select throws_ok(format($$ insert into app.service_locations (customer_id, name) values (%L, 'x') $$, pg_temp.id('B.cust1')),
  '23503', null, 'admin A cannot add a location to B''s customer (composite foreign key)');
select throws_ok(format($$ insert into app.contacts (customer_id, name) values (%L, 'x') $$, pg_temp.id('B.cust1')),
  '23503', null, 'admin A cannot add a contact to B''s customer');
select throws_ok(format($$ insert into app.service_location_access (location_id, gate_code) values (%L, 'x') $$,
    pg_temp.id('B.cust2.loc1')),
  '23503', null, 'admin A cannot write a gate code for B''s location');
select is(pg_temp.affected(format($$ update app.service_location_access set gate_code = 'stolen' where location_id = %L $$,
    pg_temp.id('B.cust1.loc1'))), 0::bigint, 'admin A cannot change B''s gate code');
select is(pg_temp.affected(format($$ delete from app.service_locations where id = %L $$, pg_temp.id('B.cust1.loc2'))),
  0::bigint, 'admin A cannot delete B''s location');
select throws_ok(format($$ insert into app.contacts (customer_id, name, is_primary) values (%L, 'Second', true) $$,
    pg_temp.id('A.cust1')),
  '23505', null, 'a customer has one primary contact');
select throws_ok(format($$ insert into app.contact_methods (customer_id, contact_id, kind, value, is_primary)
                           values (%L, %L, 'mobile', '+1 555 0101', true) $$,
    pg_temp.id('A.cust1'), pg_temp.id('A.cust1.contact')),
  '23505', null, 'a contact has one primary method of each kind');
select throws_ok(format($$ insert into app.contact_methods (customer_id, contact_id, kind, value)
                           values (%L, %L, 'mobile', '+1 555 0101') $$,
    pg_temp.id('A.cust2'), pg_temp.id('A.cust1.contact')),
  '23503', null, 'a method belongs to a contact of the customer it names');
select is((pg_temp.inserted($$ insert into app.customers (name) values ('Third') returning account_number $$)
           ->> 'account_number')::int, 3,
  'a new customer gets the next account number of its company');
select is(pg_temp.count_of(format($$ select from app.service_locations l join app.customers c
                                     on c.company_id = l.company_id and c.id = l.customer_id
                                     where l.company_id = %L and c.name = 'Third' $$, pg_temp.id('A'))),
  1::bigint, '... and its first location');
select lives_ok(format($$ update app.customers set parent_customer_id = %L where id = %L $$,
    pg_temp.id('A.cust1'), pg_temp.id('A.cust2')), 'a customer may have a parent');
select throws_ok(format($$ update app.customers set parent_customer_id = %L where id = %L $$,
    pg_temp.id('A.cust2'), pg_temp.id('A.cust1')),
  'FO422', 'a customer cannot be its own ancestor', 'customers form no loop');
select throws_ok(format($$ update app.customers set parent_customer_id = %L where id = %L $$,
    pg_temp.id('B.cust1'), pg_temp.id('A.cust1')),
  '23503', null, 'a parent is a customer of the same company');
-- The author a new row names (db/migrations/0045): the verified user's own,
-- or the insert is refused.
select throws_ok(format($$ insert into app.customers (name, created_by) values ('Forged', %L) $$, pg_temp.id('A.worker')),
  '42501', null, 'admin A cannot name another user of A as a new customer''s author');
select throws_ok(format($$ insert into app.contacts (customer_id, name, created_by) values (%L, 'Forged', %L) $$,
    pg_temp.id('A.cust2'), pg_temp.id('B.admin')),
  '42501', null, 'admin A cannot name a user of B as a new contact''s author');
select is(pg_temp.inserted(format($$ insert into app.customers (name, created_by) values ('Named', %L)
                                     returning created_by, updated_by $$, pg_temp.id('A.admin'))),
  jsonb_build_object('created_by', pg_temp.id('A.admin'), 'updated_by', pg_temp.id('A.admin')),
  'admin A may name itself, and is then the new customer''s author and last editor');
reset role;
select pg_temp.lend_temp(false);
rollback;

-- ---------------------------------------------------------------- worker of A
begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker');

select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'worker A: no row of another company in any table it can read');
select set_eq($$ select id from app.service_locations $$,
  array[pg_temp.id('A.cust1.loc1'), pg_temp.id('A.cust1.loc2')],
  'worker A sees the locations of the customer of its jobs only');
select set_eq($$ select location_id from app.service_location_access $$, array[pg_temp.id('A.cust1.loc1')],
  'worker A reads the gate code of the location of its open job only (not where its job is archived, not other workers'')');
select set_eq($$ select id from app.contacts $$, array[pg_temp.id('A.cust1.contact')],
  'worker A sees the contacts of the customer of its jobs only');
select is((select count(*) from app.contact_methods), 2::bigint, '... and their methods');
select throws_ok(format($$ update app.service_location_access set gate_code = 'x' where location_id = %L $$,
    pg_temp.id('A.cust1.loc1')),
  '42501', 'permission denied for table service_location_access', 'worker A cannot change a gate code');
select throws_ok(format($$ insert into app.service_locations (customer_id, name) values (%L, 'x') $$, pg_temp.id('A.cust1')),
  '42501', 'permission denied for table service_locations', 'worker A cannot add locations');
reset role;
select pg_temp.lend_temp(false);
commit;

begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('A.worker2');
select set_eq($$ select gate_code from app.service_location_access $$, array['A gate cust2.loc1'],
  'worker2 A reads the gate code of its own open job''s location only');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- customer of A (cust1)
begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('A.customer');

select is(pg_temp.rows_outside(pg_temp.id('A')), 0::bigint,
  'customer A: no row of another company in any table it can read');
select set_eq($$ select id from app.service_locations $$,
  array[pg_temp.id('A.cust1.loc1'), pg_temp.id('A.cust1.loc2')],
  'customer A sees its own customer''s locations');
select throws_ok($$ select gate_code from app.service_location_access $$, '42501',
  'permission denied for table service_location_access', 'customer A can never read a gate code');
select throws_ok($$ select count(*) from app.service_location_access $$, '42501',
  'permission denied for table service_location_access', '... nor count the rows');
select set_eq($$ select name from app.contacts $$, array['A manager'], 'customer A sees its own customer''s contacts');
select throws_ok($$ select notes from app.contacts $$, '42501', 'permission denied for table contacts',
  'customer A cannot read the staff notes on contacts');
select is((select count(*) from app.contact_methods), 2::bigint, 'customer A reads its contacts'' methods');
reset role;
select pg_temp.lend_temp(false);
commit;

-- ---------------------------------------------------------------- company B
begin;
select pg_temp.lend_temp(true);
set local role fieldops_admin;
select pg_temp.ctx('B.admin');
select set_eq($$ select gate_code from app.service_location_access $$,
  array['B gate cust1.loc1', 'B gate cust1.loc2', 'B gate cust2.loc1'], 'admin B reads B''s gate codes only');
select is((select count(*) from app.service_locations where id = pg_temp.id('A.cust1.loc1')), 0::bigint,
  'admin B cannot find A''s location by id');
reset role;
select pg_temp.lend_temp(false);
commit;

begin;
select pg_temp.lend_temp(true);
set local role fieldops_worker;
select pg_temp.ctx('B.worker');
select set_eq($$ select gate_code from app.service_location_access $$, array['B gate cust1.loc1'],
  'worker B reads the gate code of its own open job''s location, nothing of A');
reset role;
select pg_temp.lend_temp(false);
commit;

begin;
select pg_temp.lend_temp(true);
set local role fieldops_customer;
select pg_temp.ctx('B.customer');
select throws_ok($$ select gate_code from app.service_location_access $$, '42501',
  'permission denied for table service_location_access', 'customer B can never read a gate code either');
reset role;
select pg_temp.lend_temp(false);
commit;

-- What A's admin tried was rolled back; the rules held as the owner sees it.
begin;
set local role fieldops_owner;
select is(pg_temp.count_of(format($$ select from app.service_locations where company_id = %L $$, pg_temp.id('A'))),
  3::bigint, 'A''s locations are as they were');
select is((select gate_code from app.service_location_access where location_id = pg_temp.id('B.cust1.loc1')),
  'B gate cust1.loc1', 'B''s gate code kept its value through A''s attempts');
reset role;
commit;

begin;
select pg_temp.drop_fixture();
commit;
revoke usage on schema tap from fieldops_owner, fieldops_authenticator, fieldops_admin, fieldops_worker, fieldops_customer;
select * from finish();
