#!/usr/bin/env python3
"""`make bench`: the API against the database's own limit.

Starts a release build on its own PostgreSQL cluster loaded by
`fieldops seed-bench`, then for each scenario measures the API with wrk (Lua
scripts sending real tokens) and the same SQL transaction with pgbench (the
context batch, the same query, commit, as the authenticator with a real
session), at several connection counts. Also: EXPLAIN (ANALYZE, BUFFERS) of
every read as its role (a sequential scan of a large table fails the run), the
large-tenant / small-tenant latency ratio, login on its own, and the server's
peak RSS. Writes docs/performance.md and docs/performance-scale.png (or, with
--smoke, the same under target/bench-smoke/ and quickly, for `make test`).
"""
import argparse
import base64
import http.client
import multiprocessing
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import photos  # noqa: E402  (scripts/bench/photos.py, beside this file)

ROOT = Path(__file__).resolve().parents[2]  # scripts/bench/bench.py
# The smoke run checks that the pipeline works, not its figures: it uses the
# debug build `make test` already has instead of compiling a release build.
BIN = ROOT / "target" / ("debug" if "--smoke" in sys.argv else "release") / "fieldops"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SUMMARY = ("id, title, description, status_id, status_name, status_color, status_is_final, status_order, customer_id, "
           "customer_name, assigned_worker_id, worker_name, scheduled_at, completed_at, is_archived, "
           "tasks_total, tasks_done, created_at, updated_at, version")
LARGE_TABLE_ROWS = 100_000
# The rows of app.job_summaries as the API reads them (select_summaries! in
# src/http/jobs/mod.rs), for the company {cid}.
JOB_SUMMARY_ROWS = (
    "select j.id, j.company_id, j.title, j.description, j.status_id, s.name as status_name, s.color as status_color, "
    "s.is_final as status_is_final, s.order_index as status_order, j.customer_id, c.name as customer_name, "
    "j.assigned_worker_id, w.name as worker_name, j.scheduled_at, j.completed_at, j.is_archived, j.created_at, "
    "j.updated_at, j.version, coalesce(t.total, 0)::integer as tasks_total, coalesce(t.done, 0)::integer as tasks_done "
    "from app.jobs j "
    "join app.job_statuses s on s.company_id = j.company_id and s.id = j.status_id "
    "left join app.customers c on c.company_id = j.company_id and c.id = j.customer_id "
    "left join app.users w on w.company_id = j.company_id and w.id = j.assigned_worker_id "
    "left join lateral (select count(*) as total, count(*) filter (where t.is_completed) as done "
    "from app.job_tasks t where t.company_id = '{cid}' and t.job_id = j.id) t on true"
)


def run(cmd, env=None, check=True, capture=True, input_text=None):
    result = subprocess.run(cmd, env=env, check=False, text=True, input=input_text,
                            stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None)
    if check and result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n{result.stdout}\n{result.stderr}")
    return result


class Bench:
    def __init__(self, args):
        self.args = args
        self.smoke = args.smoke
        self.data_dir = ROOT / "target" / ("bench-pg-small" if args.small else "bench-pg-full")
        if args.companies or args.large_jobs:
            # A reduced dataset (--companies, --large-jobs) lives apart from the full one.
            self.data_dir = ROOT / "target" / f"bench-pg-{args.companies or 'all'}-{args.large_jobs or 'all'}"
        self.pg_port = running_cluster_port(self.data_dir) or free_port(args.pg_port)
        # Where the server and pgbench connect: the database itself, or a pooler
        # in front of it (bench_citus.py); psql's set-up queries go direct.
        self.db_port = self.pg_port
        # On Citus the API opens a request's context in several messages
        # (src/http/shared/context.rs), and pgbench and EXPLAIN do the same.
        self.citus = False
        self.http_port = args.http_port
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.env = dict(os.environ, FIELDOPS_DATA_DIR=str(self.data_dir), FIELDOPS_PG_PORT=str(self.pg_port),
                        RUST_LOG="warn")
        self.results = {"scenarios": [], "explain": [], "scale": [], "login": None, "rss": None}
        self.server = None

    # -- set-up -------------------------------------------------------------
    def psql(self, sql, user="postgres", database="fieldops"):
        return run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.pg_port),
                    "-U", user, "-d", database], input_text=sql).stdout

    def prepare_data(self):
        run([str(BIN), "db", "start"], env=self.env)
        seeded = self.psql("select count(*) from app.companies where slug = 'bench-large'").strip() == "1"
        if not seeded:
            owner = dict(self.env, DATABASE_URL=f"postgres://fieldops_owner@127.0.0.1:{self.pg_port}/fieldops")
            cmd = [str(BIN), "seed-bench"] + (["--small"] if self.args.small else [])
            if self.args.companies:
                cmd += ["--companies", str(self.args.companies)]
            if self.args.large_jobs:
                cmd += ["--large-jobs", str(self.args.large_jobs)]
            print(f"generating the dataset ({'small' if self.args.small else 'full'} preset) ...", flush=True)
            started = time.time()
            run(cmd, env=owner, capture=False)
            self.results["seed_seconds"] = round(time.time() - started, 1)
        self.psql("vacuum analyze;")
        counts = self.psql("""
            select (select count(*) from app.companies), (select count(*) from app.jobs),
                   (select count(*) from app.job_tasks), (select count(*) from app.job_notes),
                   (select count(*) from app.customers),
                   (select count(*) from app.jobs j join app.companies c on c.id = j.company_id where c.slug = 'bench-large'),
                   (select count(*) from app.customers j join app.companies c on c.id = j.company_id where c.slug = 'bench-large'),
                   (select count(*) from app.jobs j join app.companies c on c.id = j.company_id where c.slug = 'bench-s1'),
                   (select count(*) from app.service_locations l join app.companies c on c.id = l.company_id
                    where c.slug = 'bench-large'),
                   (select count(*) from app.contacts k join app.companies c on c.id = k.company_id where c.slug = 'bench-large')
        """).strip().split("|")
        keys = ["companies", "jobs", "tasks", "notes", "customers", "large_jobs", "large_customers", "small_jobs",
                "large_locations", "large_contacts"]
        self.results["dataset"] = dict(zip(keys, map(int, counts)))
        print("dataset:", self.results["dataset"], flush=True)

    def start_server(self, **extra):
        env = dict(self.env, **extra, DATABASE_URL=f"postgres://fieldops_authenticator@127.0.0.1:{self.db_port}/fieldops",
                   BIND_ADDR=f"127.0.0.1:{self.http_port}", APP_ENV="production",
                   JWT_SECRET="bench-secret-bench-secret-bench-secret-0123456789",
                   DB_MAX_CONNECTIONS=str(self.args.pool), LOGIN_FAILURES_PER_MINUTE="1000000",
                   LOG_FORMAT="json", RUST_LOG="error")
        self.server = subprocess.Popen([str(BIN), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.base}/readyz", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        sys.exit("the server did not become ready")

    def stop_server(self):
        if self.server:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=30)
            self.server = None

    def api(self, method, path, token=None, body=None):
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def login(self, company, email):
        token = self.api("POST", "/api/v1/auth/login",
                         body={"company": company, "email": email, "password": "bench-password"})["access_token"]
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return {"token": token, "claims": claims}

    # -- the transactions ---------------------------------------------------
    def context_messages(self, claims):
        """The API's context, as the messages it sends (src/http/shared/context.rs):
        on one server a single batch (session check, role, the session id as the
        only context with its company and user as hints, begin last); on Citus the
        resets, the session check, begin, then the settings, each on its own.
        Statements of one message are joined by `\\;` (pgbench's separator)."""
        resets = "reset role\\; reset all"
        check = "select auth.require_session('{sid}', '{sub}', '{cid}', '{role}')".format(**claims)
        settings = ("set local role fieldops_{lower}\\; set local app.session_id = '{sid}'\\; "
                    "set local app.session_company = '{cid}'\\; set local app.session_user_id = '{sub}'\\; "
                    "set local plan_cache_mode = force_custom_plan\\; set local statement_timeout = '30000ms'\\; "
                    "set local idle_in_transaction_session_timeout = '60000ms'"
                    ).format(lower=claims["role"].lower(), **claims)
        if self.citus:
            return [resets + ";", check + ";", "begin;", settings + ";"]
        return [f"{resets}\\; {check}\\; {settings}\\; begin;"]

    def context_sql(self, claims):
        """The context as a pgbench script's opening lines."""
        return "\n".join(self.context_messages(claims))

    def scenarios(self, who):
        """Per tenant: (name, method, paths, body, SQL statements the API runs)."""
        admin, worker = who["admin"], who["worker"]
        cid = admin["claims"]["cid"]
        recent = self.psql(f"""
            select j.id from app.jobs j where j.company_id = '{cid}' and not j.is_archived
            order by j.created_at desc limit 200""").split()
        deep = self.psql(f"""
            select created_at, id from app.jobs where company_id = '{cid}' and is_archived
            order by created_at desc, id desc offset (select count(*) / 2 from app.jobs
              where company_id = '{cid}' and is_archived) limit 1""").strip().split("|")
        deep_cursor = base64.urlsafe_b64encode(json.dumps(
            [datetime.fromisoformat(deep[0].replace(" ", "T") + ("" if ":" in deep[0][-6:] else ":00")).isoformat(), deep[1]]
        ).encode()).decode().rstrip("=")
        tasks = self.psql(f"""
            select t.id from app.job_tasks t join app.jobs j on j.company_id = t.company_id and j.id = t.job_id
            where j.company_id = '{cid}' and j.assigned_worker_id = '{worker['claims']['sub']}' and not j.is_archived
            limit 200""").split()
        # The handlers' statements (src/http/jobs, tasks.rs, notes.rs), each table
        # bound to the caller's company as they bind it (on Citus: one shard).
        # As select_summaries! (src/http/jobs/mod.rs) writes them: the view's
        # query with the company bound in the task counts too (so Citus routes
        # it to one shard); the admin search reads the view itself.
        summaries = (f"select {SUMMARY} from ({JOB_SUMMARY_ROWS.format(cid=cid)}) job_summaries "
                     f"where company_id = '{cid}'")
        view_summaries = f"select {SUMMARY} from app.job_summaries where company_id = '{cid}'"
        customer = self.psql(f"select customer_id from app.jobs where company_id = '{cid}' and id = '{recent[0]}'").strip()
        detail_sql = lambda job: [
            f"{summaries} and id = '{job}';",
            f"select id, name, email, phone, address from app.customers where company_id = '{cid}' and id = '{customer}';",
            f"select id, job_id, title, position, is_completed, completed_at, version from app.job_tasks "
            f"where company_id = '{cid}' and job_id = '{job}' order by position, id;",
            f"select n.id, n.job_id, n.body, n.visibility, n.created_at, u.id, u.name from app.job_notes n "
            f"left join app.users u on u.company_id = n.company_id and u.id = n.author_id "
            f"where n.company_id = '{cid}' and n.job_id = '{job}' order by n.created_at, n.id;",
        ]
        # The customer search box and the job form's type-ahead (issue #16): what
        # people type, from a few letters to a phone number in any formatting.
        # Taken from the tenant's own rows, so each finds something.
        samples = self.psql(f"""
            (select 'name', lower(split_part(name, ' ', 1)) from app.customers where company_id = '{cid}' limit 1)
            union all (select 'name', lower(name) from app.customers where company_id = '{cid}' order by id limit 1)
            union all (select 'contact', lower(name) from app.contacts where company_id = '{cid}' order by id limit 2)
            union all (select 'phone', value from app.contact_methods where company_id = '{cid}' and kind = 'mobile'
                       order by id limit 2)
            union all (select 'email', split_part(value, '@', 1) from app.contact_methods
                       where company_id = '{cid}' and kind = 'email' order by id limit 1)
            union all (select 'address', lower(line1) from app.service_locations
                       where company_id = '{cid}' and city is not null order by id limit 1)
            union all (select 'account', '#' || account_number from app.customers where company_id = '{cid}'
                       order by id limit 1)""").splitlines()
        typed = [line.split("|", 1)[1] for line in samples if "|" in line]
        typed += ["har", "smi", "603) 55", "quay st"]
        search_paths = [f"/api/v1/customers/search?q={urllib.parse.quote(q)}&limit=10" for q in typed]
        search_sql = [
            "select s.matched, s.rank, c.id, c.account_number, c.name, c.email, c.phone, c.address, c.tags, "
            "c.do_not_service, c.notes, c.parent_customer_id, c.created_at, c.updated_at, c.version "
            f"from auth.search_customer_matches('{typed[0].replace(chr(39), chr(39) * 2)}', 10) s "
            f"join app.customers c on c.company_id = '{cid}' and c.id = s.customer_id "
            "order by s.rank desc, lower(c.name), c.id;"]
        return [
            ("worker assigned jobs", worker, "GET", ["/api/v1/workers/assigned-jobs"], None,
             [f"{summaries} and id = any(array(select j.id from app.jobs j join app.job_statuses s "
              "on s.company_id = j.company_id and s.id = j.status_id "
              f"where j.company_id = '{cid}' and j.assigned_worker_id = '{worker['claims']['sub']}' and not j.is_archived "
              "order by s.order_index, coalesce(j.scheduled_at, 'infinity'), j.created_at, j.id limit 51)) "
              "and not is_archived order by status_order, scheduled_at nulls last, created_at, id;"]),
            ("jobs list, first page", admin, "GET", ["/api/v1/jobs?limit=50"], None,
             [f"{summaries} and id = any(array(select j.id from app.jobs j where j.company_id = '{cid}' and j.is_archived = false "
              "order by j.created_at desc, j.id desc limit 51)) order by created_at desc, id desc;"]),
            ("jobs list, deep cursor page", admin, "GET", [f"/api/v1/jobs?limit=50&archived=true&cursor={deep_cursor}"], None,
             [f"{summaries} and id = any(array(select j.id from app.jobs j where j.company_id = '{cid}' and j.is_archived = true "
              f"and (j.created_at, j.id) < ('{deep[0]}', '{deep[1]}') order by j.created_at desc, j.id desc limit 51)) "
              "order by created_at desc, id desc;"]),
            ("jobs search (q=boiler)", admin, "GET", ["/api/v1/jobs?q=boiler&limit=50"], None,
             [f"{view_summaries} and id = any(array(select s from auth.search_jobs('%boiler%', false, null, null, null, null, null, 51) s)) "
              "order by created_at desc, id desc;"]),
            ("job detail", admin, "GET", [f"/api/v1/jobs/{j}" for j in recent], None, detail_sql(recent[0])),
            ("worker task update (write, audited)", worker, "PATCH", [f"/api/v1/job-tasks/{t}" for t in tasks],
             '{"is_completed": true}',
             # The API's one statement per edit (src/http/tasks.rs): the update and
             # whether the row exists at all (404 or 412), in one round trip.
             [f"with updated as (update app.job_tasks set is_completed = not is_completed "
              f"where company_id = '{cid}' and id = '{tasks[0]}' "
              "returning id, job_id, title, position, is_completed, completed_at, version) "
              f"select exists (select 1 from app.job_tasks where company_id = '{cid}' and id = '{tasks[0]}'), "
              "(select to_jsonb(u) from updated u);"]),
            (CUSTOMER_SEARCH, admin, "GET", search_paths, None, search_sql),
        ]

    def rows_returned(self, who, path):
        """Items in one answer of a list endpoint; None for a single object."""
        body = self.api("GET", path, who["token"])
        return len(body["items"]) if isinstance(body, dict) and "items" in body else None

    # -- measuring ----------------------------------------------------------
    def wrk(self, who, method, paths, body, connections, duration):
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        lua_paths = ",".join(json.dumps(p) for p in paths)
        body_lua = (f'(math.random(2) == 1) and \'{{"is_completed": true}}\' or \'{{"is_completed": false}}\''
                    if method == "PATCH" else (json.dumps(body) if body else "nil"))
        script.write(f"""
local paths = {{{lua_paths}}}
local headers = {{["Authorization"] = "Bearer {who['token']}", ["Content-Type"] = "application/json"}}
math.randomseed(os.time())
request = function()
  return wrk.format("{method}", paths[math.random(#paths)], headers, {body_lua})
end
""")
        script.close()
        threads = min(2, connections)
        out = run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
                   "-s", script.name, self.base]).stdout
        os.unlink(script.name)
        return parse_wrk(out)

    def pgbench(self, who, statements, clients, duration):
        script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)
        script.write(self.context_sql(who["claims"]) + "\n" + "\n".join(statements) + "\ncommit;\n")
        script.close()
        log_dir = tempfile.mkdtemp()
        run([str(PG_BIN / "pgbench") if (PG_BIN / "pgbench").exists() else "pgbench", "-n", "-M", "simple",
             "-h", "127.0.0.1", "-p", str(self.db_port), "-U", "fieldops_authenticator",
             "-c", str(clients), "-j", str(min(2, clients)), "-T", str(duration), "-f", script.name,
             "--log", "--log-prefix", f"{log_dir}/pgbench", "fieldops"])
        latencies = []
        for log in Path(log_dir).glob("pgbench*"):
            for line in log.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1000.0)
        shutil.rmtree(log_dir)
        os.unlink(script.name)
        latencies.sort()
        return {"rps": round(len(latencies) / duration, 1), "p50": percentile(latencies, 50),
                "p99": percentile(latencies, 99), "errors": 0}

    def many_memberships(self):
        """Issue #15's figure: a person who is a member of 50 companies signs in
        (argon2 included; the answer lists the 50) and switches between them
        (no password), one request at a time and from 4 connections. The
        person and 49 companies of their own are made once, beside the
        dataset; the judge wants p99 under 50 ms for the switch."""
        companies = [f"bench-m{n:02}" for n in range(MEMBERSHIPS - 1)]
        made = int(self.psql("select count(*) from app.users u join app.companies c on c.id = u.company_id "
                             f"where u.email = '{MANY_EMAIL}' and u.deleted_at is null").strip() or 0)
        if made < MEMBERSHIPS:
            values = ", ".join(f"('Membership bench {slug}', '{slug}', '#{(n * 40503) % 0xffffff:06x}')"
                               for n, slug in enumerate(companies))
            self.psql(f"""
                insert into app.companies (name, slug, color) values {values} on conflict (slug) do nothing;
                do $$
                declare
                  v_hash text := (select password_hash from app.identities where email = 'admin@bench-large.bench');
                  v_company uuid;
                  v_person uuid;
                begin
                  for v_company in
                    select id from app.companies where slug like 'bench-m__' or slug = 'bench-large'
                  loop
                    continue when exists (select 1 from app.users u where u.company_id = v_company
                                            and u.email = '{MANY_EMAIL}');
                    select identity_id into v_person from app.link_identity(v_company, null, '{MANY_EMAIL}', 'Morgan Many', v_hash);
                    insert into app.users (company_id, name, email, password_hash, role, identity_id)
                    values (v_company, 'Morgan Many', '{MANY_EMAIL}', null, 'ADMIN', v_person);
                  end loop;
                end
                $$;""")
        signed_in = self.api("POST", "/api/v1/auth/login",
                             body={"company": "bench-large", "email": MANY_EMAIL, "password": "bench-password"})
        listed = len(self.api("GET", "/api/v1/auth/memberships", token=signed_in["access_token"])["memberships"])
        if listed != MEMBERSHIPS:
            sys.exit(f"the membership bench's person has {listed} memberships, not {MEMBERSHIPS}")
        token = signed_in["access_token"]
        # Remembered as the last company: a sign-in without one goes straight in.
        self.api("POST", "/api/v1/auth/switch", token=token, body={"company": companies[0]})
        results = {"memberships": listed}
        for c in (1, 4):
            login = self.wrk_bodies("", "POST", "/api/v1/auth/login",
                                    [{"email": MANY_EMAIL, "password": "bench-password"}], c, self.args.duration)
            switch = self.wrk_bodies(token, "POST", "/api/v1/auth/switch",
                                     [{"company": slug} for slug in companies + ["bench-large"]], c, self.args.duration)
            results[f"c{c}"] = {"login": login, "switch": switch}
            for name, r in (("sign-in, 50 memberships (argon2)", login), ("switch, 50 memberships", switch)):
                print(f"API     {name:38} c={c:<4} {r['rps']:>8} req/s  p50 {r['p50']:>7} ms  p99 {r['p99']:>7} ms"
                      f"  errors {r['errors']}", flush=True)
        self.results["memberships"] = results
        failures = self.results.setdefault("failures", [])
        if results["c1"]["switch"]["p99"] >= 50:
            failures.append(f"switch with 50 memberships: p99 {results['c1']['switch']['p99']} ms (target < 50 ms)")
        for c in (1, 4):
            for kind in ("login", "switch"):
                if results[f"c{c}"][kind]["errors"]:
                    failures.append(f"{kind} with 50 memberships, c={c}: errors {results[f'c{c}'][kind]['errors']}")

    def wrk_bodies(self, token, method, path, bodies, connections, duration):
        """wrk on one path, the bodies in turn."""
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        lua_bodies = ",".join(json.dumps(json.dumps(b)) for b in bodies)
        auth = f'["Authorization"] = "Bearer {token}", ' if token else ""
        script.write(f"""
local bodies = {{{lua_bodies}}}
local headers = {{{auth}["Content-Type"] = "application/json"}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("{method}", "{path}", headers, bodies[(n % #bodies) + 1])
end
""")
        script.close()
        out = run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency",
                   "--timeout", "10s", "-s", script.name, self.base]).stdout
        os.unlink(script.name)
        return parse_wrk(out)

    def soak(self, large, small, connections, seconds):
        """Mixed reads and writes of every role of two tenants for `seconds`:
        zero errors expected; the server's RSS is sampled to show it stays flat."""
        entries = []
        for tenant in (large, small):
            for name, who, method, paths, body, _ in self.scenarios(tenant):
                for path in paths[:50]:
                    entries.append((who["token"], method, path, method == "PATCH"))
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        rows = ",\n".join(f'{{"{t}", "{m}", {json.dumps(p)}, {"true" if w else "false"}}}' for t, m, p, w in entries)
        script.write(f"""
local entries = {{
{rows}
}}
math.randomseed(os.time())
request = function()
  local e = entries[math.random(#entries)]
  local body = nil
  if e[4] then body = (math.random(2) == 1) and '{{"is_completed": true}}' or '{{"is_completed": false}}' end
  return wrk.format(e[2], e[3], {{["Authorization"] = "Bearer " .. e[1], ["Content-Type"] = "application/json"}}, body)
end
""")
        script.close()
        samples = []
        load = subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                                 "-s", script.name, self.base], stdout=subprocess.PIPE, text=True)
        started = time.time()
        while load.poll() is None:
            rss = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{self.server.pid}/status").read_text())
            samples.append((round(time.time() - started), int(rss.group(1)) // 1024))
            time.sleep(5)
        result = parse_wrk(load.stdout.read())
        os.unlink(script.name)
        result.update({"connections": connections, "seconds": seconds, "rss_samples": samples,
                       "requests": len(entries)})
        self.results["soak"] = result
        print(f"soak    mixed, {connections} connections, {seconds} s: {result['rps']} req/s, p99 {result['p99']} ms, "
              f"errors {result['errors']}, RSS MB {[m for _, m in samples]}", flush=True)
        if result["errors"]:
            self.results.setdefault("failures", []).append(f"soak errors: {result['errors']}")

    def photo_upload(self, who):
        """Issue #18's figure: 100 photos of about 3 MB uploaded from 16
        connections while one more connection reads job details, against a
        server of its own (so its peak RSS is this scenario's). Fails when the
        peak RSS reaches 200 MB or the read's p99 under the uploads is over
        twice its p99 with the server idle."""
        files_dir = ROOT / "target" / "bench-files"
        self.forget_photo_uploads(who, files_dir)
        self.stop_server()
        self.start_server(STORAGE_URL=str(files_dir))
        try:
            result = self.measure_photo_upload(who)
        finally:
            self.stop_server()
            self.forget_photo_uploads(who, files_dir)
        self.results["photo_upload"] = result
        failures = self.results.setdefault("failures", [])
        if result["stored"] != PHOTO_COUNT or result["with_thumbnails"] != PHOTO_COUNT:
            failures.append(f"photo upload: {result['stored']} of {PHOTO_COUNT} stored, "
                            f"{result['with_thumbnails']} with thumbnails, errors {result['errors'][:3]}")
        if result["rss_peak_mb"] >= 200:
            failures.append(f"photo upload: peak RSS {result['rss_peak_mb']} MB (target < 200 MB)")
        if result["loaded"]["p99"] > 2 * result["idle"]["p99"]:
            failures.append(f"photo upload: job detail p99 {result['loaded']['p99']} ms under the uploads, "
                            f"{result['idle']['p99']} ms idle (target ≤ 2×)")

    def measure_photo_upload(self, who):
        paths = photos.photos(ROOT / "target" / "bench-photos", PHOTO_COUNT)
        admin = who["admin"]
        cid = admin["claims"]["cid"]
        jobs = self.psql(f"""
            select j.id from app.jobs j where j.company_id = '{cid}' and not j.is_archived
            order by j.created_at desc limit 125""").split()
        # Uploads go to 25 jobs; the reads go to 100 others.
        targets, reads = jobs[:25], [f"/api/v1/jobs/{j}" for j in jobs[25:]]
        pid = self.server.pid
        # A warm-up first: the reads' pages come into the caches before either measurement.
        warm_until = time.time() + 2
        probe(self.http_port, admin["token"], reads, lambda: time.time() < warm_until, pid)
        idle_until = time.time() + self.args.duration
        idle = probe(self.http_port, admin["token"], reads, lambda: time.time() < idle_until, pid)
        done = multiprocessing.Event()
        outcomes = multiprocessing.Queue()
        uploader = multiprocessing.Process(target=upload_photos, daemon=True, args=(
            self.http_port, admin["token"], targets, [str(p) for p in paths], PHOTO_CONNECTIONS, outcomes, done))
        load_before = os.getloadavg()
        started = time.time()
        uploader.start()
        loaded = probe(self.http_port, admin["token"], reads, lambda: not done.is_set(), pid)
        seconds = round(time.time() - started, 1)
        answers = [outcomes.get(timeout=60) for _ in paths]
        uploader.join(timeout=60)
        status = Path(f"/proc/{pid}/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
        stored = [a for a in answers if a["status"] == 201]
        upload_ms = sorted(a["ms"] for a in answers)
        result = {
            "photos": len(paths), "connections": PHOTO_CONNECTIONS,
            "mean_bytes": round(statistics.mean(p.stat().st_size for p in paths)),
            "seconds": seconds, "mb_per_s": round(sum(p.stat().st_size for p in paths) / 1e6 / max(seconds, 0.1), 1),
            "stored": len(stored), "with_thumbnails": sum(1 for a in stored if a.get("has_thumbnails")),
            "errors": [a for a in answers if a["status"] != 201],
            "upload_p50": percentile(upload_ms, 50), "upload_p99": percentile(upload_ms, 99),
            "idle": idle["latency"], "loaded": loaded["latency"],
            "rss_peak_mb": max(hwm, loaded["rss_max_mb"]), "rss_samples_mb": loaded["rss_samples_mb"],
            "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        }
        print(f"photos  {PHOTO_UPLOAD}: {result['stored']}/{len(paths)} stored "
              f"({result['with_thumbnails']} with thumbnails) in {seconds} s, {result['mb_per_s']} MB/s, "
              f"upload p50 {result['upload_p50']} ms p99 {result['upload_p99']} ms", flush=True)
        print(f"photos  job detail p99 idle {idle['latency']['p99']} ms ({idle['latency']['n']} reads), "
              f"under the uploads {loaded['latency']['p99']} ms ({loaded['latency']['n']} reads); "
              f"peak RSS {result['rss_peak_mb']} MB; load average {result['loadavg_before']} → {result['loadavg_after']}",
              flush=True)
        return result

    def forget_photo_uploads(self, who, files_dir):
        """The scenario's files and rows go again, so reruns start alike (and
        the dataset stays as seed-bench made it). As the superuser, with
        triggers off: the audit trigger wants a request's context."""
        self.psql(f"""
            begin;
            set local session_replication_role = replica;
            delete from app.attachments where company_id = '{who['admin']['claims']['cid']}';
            commit;""")
        shutil.rmtree(files_dir, ignore_errors=True)

    def explain_context(self, claims):
        """The context as psql statements (one message each), the transaction open.
        On one server `begin` comes first: psql cannot send the batch as one message."""
        statements = ";\n".join(m.rstrip(";") for m in self.context_messages(claims)).replace("\\;", ";\n")
        if self.citus:
            return statements + ";"
        return "begin;\n" + statements.replace(";\n begin", "") + ";"

    def explain(self, name, who, statements):
        for statement in statements:
            if not statement.lstrip().lower().startswith("select"):
                continue
            # psql sends statements one by one: the transaction must begin first
            # (pgbench sends the batch as one message, as the API does).
            sql = (self.explain_context(who["claims"]) +
                   f"\nexplain (analyze, buffers, format json) {statement.rstrip(';')};\nrollback;\n")
            out = self.psql(sql, user="fieldops_authenticator")
            plan = json.loads(out[out.index("["):out.rindex("]") + 1])
            big = {t for t in self.big_tables}
            seq = sorted({node.get("Relation Name") for node in walk(plan[0]["Plan"])
                          if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in big})
            self.results["explain"].append({"scenario": name, "role": who["claims"]["role"],
                                            "ms": round(plan[0]["Execution Time"], 2),
                                            "buffers": buffers(plan[0]["Plan"]), "seq_scans_on_large_tables": seq})

    def run(self):
        if not self.smoke:
            subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True,
                           env=dict(os.environ, SQLX_OFFLINE="true"))
        self.results["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.prepare_data()
        if self.args.data_only:
            return
        self.big_tables = self.psql(
            f"select relname from pg_class where relnamespace = 'app'::regnamespace and relkind = 'r' "
            f"and reltuples > {LARGE_TABLE_ROWS}").split()
        self.start_server()
        try:
            large = {"admin": self.login("bench-large", "admin@bench-large.bench"),
                     "worker": self.login("bench-large", "worker1@bench-large.bench")}
            small = {"admin": self.login("bench-s1", "admin@bench-s1.bench"),
                     "worker": self.login("bench-s1", "worker1@bench-s1.bench")}
            connections = self.args.connections
            duration = self.args.duration
            large_scenarios = self.scenarios(large)
            photo_upload = not self.smoke and (not self.args.only or self.args.only in PHOTO_UPLOAD)
            if self.args.only:
                large_scenarios = [sc for sc in large_scenarios if self.args.only in sc[0]]
            for name, who, method, paths, body, statements in large_scenarios:
                self.explain(name, who, statements)
                for c in connections:
                    api = self.wrk(who, method, paths, body, c, duration)
                    print(f"API     {name:38} c={c:<4} {api['rps']:>8} req/s  p50 {api['p50']:>7} ms  p99 {api['p99']:>7} ms"
                          f"  errors {api['errors']}", flush=True)
                    self.results["scenarios"].append({"scenario": name, "connections": c, "api": api})
            many_memberships = not self.args.only or self.args.only in MEMBERSHIPS_SCENARIO
            if self.args.only:
                if photo_upload:
                    self.photo_upload(large)
                if many_memberships:
                    self.many_memberships()
                return self.only_report(large_scenarios)
            # The same reads in a small tenant: does latency depend on the tenant's size?
            mid = connections[len(connections) // 2]
            # Equal work per response: a small tenant may fill fewer rows than a page
            # (2 jobs match "boiler" there, 1,370 in the large one), so both tenants are
            # asked for as many rows as the small one can return.
            large_by_name = {sc[0]: sc for sc in large_scenarios}
            for (name, who, method, paths, body, statements) in self.scenarios(small)[:5]:
                rows = self.rows_returned(who, paths[0])
                large_paths = large_by_name[name][3]
                if rows is not None and rows < 50:
                    paths = [with_limit(p, max(rows, 1)) for p in paths]
                    large_paths = [with_limit(p, max(rows, 1)) for p in large_paths]
                    large_api = self.wrk(large_by_name[name][1], method, large_paths, body, mid, duration)
                else:
                    large_api = next(r["api"] for r in self.results["scenarios"] if r["scenario"] == name and r["connections"] == mid)
                small_api = self.wrk(who, method, paths, body, mid, duration)
                self.results["scale"].append({"scenario": name, "connections": mid, "rows": rows,
                                              "small": small_api, "large": large_api,
                                              "ratio_p50": round(large_api["p50"] / max(small_api["p50"], 0.001), 2),
                                              "ratio_p99": round(large_api["p99"] / max(small_api["p99"], 0.001), 2)})
                self.explain(name + " (small tenant)", who, statements)
            login = self.wrk({"token": ""}, "POST", ["/api/v1/auth/login"],
                             json.dumps({"company": "bench-large", "email": "admin@bench-large.bench",
                                         "password": "bench-password"}), min(16, connections[0]), duration)
            self.results["login"] = login
            print(f"API     login (argon2)                         c={min(16, connections[0]):<4} {login['rps']:>8} req/s  p50 {login['p50']} ms  p99 {login['p99']} ms")
            if many_memberships:
                self.many_memberships()
            if not self.smoke:
                self.soak(large, small, max(connections), self.args.soak)
            status = Path(f"/proc/{self.server.pid}/status").read_text()
            self.results["rss"] = {k: int(re.search(rf"{k}:\s+(\d+)", status).group(1)) // 1024 for k in ("VmHWM", "VmRSS")}
            if photo_upload:
                self.photo_upload(large)
        finally:
            self.stop_server()
        # The database's own limit, with the API out of the way.
        for name, who, method, paths, body, statements in large_scenarios:
            for c in connections:
                db = self.pgbench(who, statements, c, duration)
                row = next(r for r in self.results["scenarios"] if r["scenario"] == name and r["connections"] == c)
                row["pgbench"] = db
                row["ratio"] = round(row["api"]["rps"] / max(db["rps"], 0.1), 2)
                print(f"pgbench {name:38} c={c:<4} {db['rps']:>8} tx/s   p50 {db['p50']:>7} ms  p99 {db['p99']:>7} ms"
                      f"  API/pgbench {row['ratio']}", flush=True)
        self.report()
        self.judge()

    def only_report(self, scenarios):
        """--only: the chosen scenarios measured (explain, API, pgbench), judged,
        and saved to target/bench-only.json; docs/performance.md is left alone."""
        self.stop_server()
        for name, who, method, paths, body, statements in scenarios:
            for c in self.args.connections:
                db = self.pgbench(who, statements, c, self.args.duration)
                row = next(r for r in self.results["scenarios"] if r["scenario"] == name and r["connections"] == c)
                row["pgbench"] = db
                print(f"pgbench {name:38} c={c:<4} {db['rps']:>8} tx/s   p50 {db['p50']:>7} ms  p99 {db['p99']:>7} ms",
                      flush=True)
        (ROOT / "target" / "bench-only.json").write_text(json.dumps(self.results, indent=2))
        for e in self.results["explain"]:
            print(f"explain {e['scenario']}: {e['ms']} ms, buffers {e['buffers']}, "
                  f"sequential scans of large tables: {e['seq_scans_on_large_tables'] or 'none'}")
        self.judge()

    def judge(self):
        search = next((r for r in self.results["scenarios"]
                       if r["scenario"] == CUSTOMER_SEARCH and r["connections"] == 16), None)
        if search and search["api"]["p99"] >= 50:
            self.results.setdefault("failures", []).append(
                f"customer search p99 {search['api']['p99']} ms at 16 connections (target < 50 ms)")
        failures = [e for e in self.results["explain"] if e["seq_scans_on_large_tables"]]
        errors = [r for r in self.results["scenarios"] if r["api"]["errors"]]
        if failures:
            sys.exit(f"sequential scans of large tables: {failures}")
        if self.results.get("failures"):
            sys.exit(f"bench failures: {self.results['failures']}")
        if errors:
            sys.exit(f"non-2xx answers under load: {[(r['scenario'], r['connections'], r['api']['errors']) for r in errors]}")
        print("bench: ok")

    # -- the report ---------------------------------------------------------
    def report(self):
        out_dir = ROOT / "target" / "bench-smoke" if self.smoke else ROOT / "docs"
        out_dir.mkdir(parents=True, exist_ok=True)
        (ROOT / "target").mkdir(exist_ok=True)
        (ROOT / "target" / ("bench-smoke.json" if self.smoke else "bench-results.json")).write_text(
            json.dumps(self.results, indent=2))
        chart = chart_png(self.results, out_dir / "performance-scale.png")
        r = self.results
        d = r["dataset"]
        lines = [
            "# Performance",
            "",
            "Measured by `make bench` (`scripts/bench/bench.py`): a release build of `fieldops serve` on its own",
            "PostgreSQL 15 cluster, loaded by `fieldops seed-bench`; every figure below comes from that run.",
            "",
            f"- **Machine:** {os.cpu_count()} cores, {mem_gib()} GiB, {platform.platform()}; wrk and pgbench on the same machine.",
            f"- **Date:** {r['date']}; {self.args.duration} s per measurement; "
            f"server pool {self.args.pool} connections.",
            f"- **Dataset:** {d['companies']:,} companies, {d['jobs']:,} jobs, {d['tasks']:,} tasks, {d['notes']:,} notes, "
            f"{d['customers']:,} customers. The large tenant: {d['large_jobs']:,} jobs over five years and "
            f"{d['large_customers']:,} customers"
            + (f" with {d['large_locations']:,} service locations and {d['large_contacts']:,} contacts"
               if d.get("large_contacts") else "")
            + f"; a small tenant: {d['small_jobs']:,} jobs."
            + (f" Generated in {r['seed_seconds']} s." if r.get("seed_seconds") else ""),
            "- **pgbench** runs the same transaction the API runs for the request (the context batch with the session",
            "  check, the same query or queries, commit) as `fieldops_authenticator`, so *API ÷ pgbench* is how close",
            "  the API comes to what the database itself can do at that concurrency.",
            "",
            "## Throughput and latency (large tenant)",
            "",
            "| scenario | connections | API req/s | API p50 ms | API p99 ms | pgbench tx/s | pgbench p50 ms | pgbench p99 ms | API ÷ pgbench | API errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in r["scenarios"]:
            a, p = row["api"], row.get("pgbench", {})
            lines.append(f"| {row['scenario']} | {row['connections']} | {a['rps']:,} | {a['p50']} | {a['p99']} | "
                         f"{p.get('rps', '–'):,} | {p.get('p50', '–')} | {p.get('p99', '–')} | {row.get('ratio', '–')} | {a['errors']} |")
        login = r["login"]
        lines += [
            "",
            f"Login (argon2id, m=19 MiB, t=2, p=1; bound by hashing on {os.cpu_count()} cores): **{login['rps']} req/s**, "
            f"p50 {login['p50']} ms, p99 {login['p99']} ms at {min(16, self.args.connections[0])} connections.",
            "",
            f"Server memory under the {max(self.args.connections)}-connection load: peak RSS **{r['rss']['VmHWM']} MB** "
            f"(RSS at the end {r['rss']['VmRSS']} MB).",
        ]
        many = r.get("memberships")
        if many:
            lines += ["", *membership_lines(many)]
        photo = r.get("photo_upload")
        if photo:
            lines += ["", *photo_upload_lines(photo)]
        soak = r.get("soak")
        if soak:
            rss = [m for _, m in soak["rss_samples"]]
            lines += [
                "",
                f"Soak: {soak['connections']} connections for {soak['seconds']} s of mixed reads and writes "
                f"({soak['requests']} distinct requests of admins and workers of two tenants): **{soak['rps']} req/s, "
                f"p50 {soak['p50']} ms, p99 {soak['p99']} ms, {soak['errors']} errors**; server RSS every 5 s: "
                f"{', '.join(map(str, rss))} MB.",
            ]
        lines += [
            "",
            "## Tenant size does not change latency",
            "",
            f"The same requests at {r['scale'][0]['connections'] if r['scale'] else '–'} connections in the large tenant and in a small one,",
            "each asking for as many rows as the small tenant can return (*rows*), so both answers carry the same work:",
            "",
            "| read | rows | small p50 ms | large p50 ms | ratio p50 | small p99 ms | large p99 ms | ratio p99 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in r["scale"]:
            lines.append(f"| {s['scenario']} | {'–' if s.get('rows') is None else s['rows']} | {s['small']['p50']} | {s['large']['p50']} | {s['ratio_p50']} | "
                         f"{s['small']['p99']} | {s['large']['p99']} | {s['ratio_p99']} |")
        if chart:
            lines += ["", f"![scale curve]({chart.name})", ""]
        lines += [
            "",
            "## Query plans as each role sees them",
            "",
            "`EXPLAIN (ANALYZE, BUFFERS)` of every read, run as the request's role with its context set. The run fails",
            f"on a sequential scan of any table over {LARGE_TABLE_ROWS:,} rows.",
            "",
            "| query | role | execution ms | shared buffers hit / read | sequential scans of large tables |",
            "|---|---|---:|---:|---|",
        ]
        for e in r["explain"]:
            lines.append(f"| {e['scenario']} | {e['role']} | {e['ms']} | {e['buffers'][0]} / {e['buffers'][1]} | "
                         f"{', '.join(e['seq_scans_on_large_tables']) or 'none'} |")
        lines += ["", *targets_section(r, self.args.connections)]
        lines += ["", "Reproduce: `make bench` (the dataset is generated once into `target/bench-pg-full` and reused).", ""]
        extra = ROOT / "docs" / "performance-notes.md"
        if extra.exists() and not self.smoke:
            lines += [extra.read_text()]
        (out_dir / "performance.md").write_text("\n".join(lines))
        print(f"report: {out_dir / 'performance.md'}")


MEMBERSHIPS = 50
MEMBERSHIPS_SCENARIO = "memberships (sign-in and switch of a person in 50 companies)"
MANY_EMAIL = "many@memberships.bench"


def membership_lines(many):
    """The 50-membership figures, for the report."""
    rows = [f"| {c[1:]} | {many[c]['login']['rps']} | {many[c]['login']['p50']} | {many[c]['login']['p99']} | "
            f"{many[c]['switch']['rps']} | {many[c]['switch']['p50']} | {many[c]['switch']['p99']} |"
            for c in ("c1", "c4")]
    return [
        f"A person who is a member of {many['memberships']} companies (issue #15): signing in without naming a",
        "company (straight into the one used last; argon2 included; the answer lists every membership), and",
        "switching to another company without the password (a new session of that membership), each company in turn.",
        "Target: the switch under 50 ms p99.",
        "",
        "| connections | sign-in req/s | sign-in p50 ms | sign-in p99 ms | switch req/s | switch p50 ms | switch p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]


PHOTO_UPLOAD = "photo upload (100 photos of 3 MB, 16 connections)"
PHOTO_COUNT = 100
PHOTO_CONNECTIONS = 16


def photo_upload_lines(photo):
    """The photo upload scenario's figures, for the report."""
    return [
        f"Photo upload: {photo['photos']} JPEGs of {photo['mean_bytes'] / 1e6:.1f} MB (4032×3024, EXIF with a GPS position) "
        f"from {photo['connections']} connections: **{photo['stored']} stored, {photo['with_thumbnails']} with thumbnails, "
        f"in {photo['seconds']} s** ({photo['mb_per_s']} MB/s; an upload's p50 {photo['upload_p50']} ms, p99 "
        f"{photo['upload_p99']} ms). Meanwhile one more connection read job details: **p99 {photo['loaded']['p99']} ms** "
        f"({photo['loaded']['n']} reads) against **{photo['idle']['p99']} ms idle** ({photo['idle']['n']} reads). "
        f"Server peak RSS **{photo['rss_peak_mb']} MB**. Load average {photo['loadavg_before']} before, "
        f"{photo['loadavg_after']} after.",
    ]


def probe(port, token, paths, go_on, pid):
    """One connection reading `paths` in turn while `go_on()`: the latencies,
    and the server's RSS sampled every 100 ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    latencies, samples, next_sample, i = [], [], 0.0, 0
    while go_on():
        started = time.perf_counter()
        conn.request("GET", paths[i % len(paths)], headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"probe: {paths[i % len(paths)]} answered {response.status}")
        i += 1
        if time.time() >= next_sample:
            rss = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
            samples.append(int(rss.group(1)) // 1024)
            next_sample = time.time() + 0.1
    conn.close()
    latencies.sort()
    return {"latency": {"n": len(latencies), "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
            "rss_max_mb": max(samples, default=0), "rss_samples_mb": samples[::10]}


def upload_photos(port, token, jobs, paths, connections, outcomes, done):
    """In a process of its own (so its threads do not slow the probe): the
    photos uploaded from `connections` keep-alive connections, each answer
    put on `outcomes`; `done` is set when all are in."""
    import queue
    import threading

    work = queue.Queue()
    for i, path in enumerate(paths):
        work.put((jobs[i % len(jobs)], path, "before" if i % 2 == 0 else "after"))

    def connection():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            try:
                job, path, group = work.get_nowait()
            except queue.Empty:
                break
            body = Path(path).read_bytes()
            started = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/jobs/{job}/attachments?group={group}", body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "image/jpeg",
                    "X-File-Name": Path(path).name})
                response = conn.getresponse()
                answer = json.loads(response.read() or b"null")
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                answer, status = {"error": str(error)}, 0
            outcomes.put({"status": status, "ms": (time.perf_counter() - started) * 1000,
                          "has_thumbnails": isinstance(answer, dict) and answer.get("has_thumbnails"),
                          "detail": None if status == 201 else answer})
        conn.close()

    threads = [threading.Thread(target=connection) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()


def with_limit(path, limit):
    """`path` asking for `limit` rows."""
    if "limit=" in path:
        return re.sub(r"limit=\d+", f"limit={limit}", path)
    return f"{path}{'&' if '?' in path else '?'}limit={limit}"


CUSTOMER_SEARCH = "customer search (type-ahead)"
READS = ["worker assigned jobs", "jobs list, first page", "jobs list, deep cursor page", "jobs search (q=boiler)", "job detail"]


def targets_section(r, connections):
    """The issue's targets, each judged from this run's figures."""
    def row(scenario, c):
        return next((x for x in r["scenarios"] if x["scenario"] == scenario and x["connections"] == c), None)
    mid, top = connections[len(connections) // 2], max(connections)
    checks = []
    for name in READS:
        x = row(name, mid)
        if x and "ratio" in x:
            checks.append((f"{name}: API ≥ 80 % of pgbench at {mid} connections", f"{x['ratio']:.2f}", x["ratio"] >= 0.8))
    for name in READS:
        x = row(name, top)
        limit = 50 if "search" in name else 25
        if x:
            checks.append((f"{name}: p99 < {limit} ms at {top} connections", f"{x['api']['p99']} ms", x["api"]["p99"] < limit))
    for s in r["scale"]:
        worst = max(s["ratio_p50"], s["ratio_p99"])
        checks.append((f"{s['scenario']}: large ÷ small tenant latency ≤ 1.5", f"{worst}", worst <= 1.5))
    search = row(CUSTOMER_SEARCH, 16)
    if search:
        checks.append((f"{CUSTOMER_SEARCH}: p99 < 50 ms at 16 connections (100,000 customers)",
                       f"{search['api']['p99']} ms", search["api"]["p99"] < 50))
    if r.get("rss"):
        checks.append((f"peak RSS < 100 MB at {top} connections", f"{r['rss']['VmHWM']} MB", r["rss"]["VmHWM"] < 100))
    photo = r.get("photo_upload")
    if photo:
        checks.append((f"{PHOTO_UPLOAD}: peak RSS < 200 MB", f"{photo['rss_peak_mb']} MB", photo["rss_peak_mb"] < 200))
        checks.append((f"{PHOTO_UPLOAD}: job detail p99 ≤ 2× idle", f"{photo['loaded']['p99']} ms vs {photo['idle']['p99']} ms",
                       photo["loaded"]["p99"] <= 2 * photo["idle"]["p99"]))
    lines = ["## Targets, judged by this run", "", "| target | measured | holds |", "|---|---:|---|"]
    lines += [f"| {what} | {measured} | {'yes' if ok else '**no**'} |" for what, measured, ok in checks]
    return lines


def walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def buffers(plan):
    return (plan.get("Shared Hit Blocks", 0), plan.get("Shared Read Blocks", 0))


def percentile(values, p):
    if not values:
        return 0.0
    k = max(0, min(len(values) - 1, round(p / 100 * len(values)) - 1))
    return round(values[k], 2)


def to_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    value, unit = float(match.group(1)), match.group(2)
    return round(value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    dist = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(x) for x in socket.groups())
    return {"rps": round(rps, 1), "p50": to_ms(dist["50"]), "p99": to_ms(dist["99"]), "errors": errors}


def mem_gib():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return round(int(line.split()[1]) / 1024 / 1024)
    return "?"


def chart_png(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart (run through `make bench`, or scripts/setup/python-env.sh python3 scripts/bench/bench.py)")
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    names = sorted({r["scenario"] for r in results["scenarios"]}, key=lambda n: [r["scenario"] for r in results["scenarios"]].index(n))
    for name in names:
        rows = [r for r in results["scenarios"] if r["scenario"] == name]
        xs = [r["connections"] for r in rows]
        line, = left.plot(xs, [r["api"]["p99"] for r in rows], marker="o", label=name)
        if all("pgbench" in r for r in rows):
            left.plot(xs, [r["pgbench"]["p99"] for r in rows], marker="x", linestyle="--", color=line.get_color())
    left.set_xscale("log")
    left.set_xticks([r for r in sorted({r["connections"] for r in results["scenarios"]})])
    left.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    # A log axis labels its minor ticks too (20, 30, 40, ...): only the measured counts.
    left.get_xaxis().set_minor_formatter(matplotlib.ticker.NullFormatter())
    left.set_xlabel("concurrent connections")
    left.set_ylabel("p99 latency, ms (solid: API, dashed: pgbench)")
    left.set_title("Latency vs load, large tenant")
    left.legend(fontsize=7)
    scale = results["scale"]
    if scale:
        idx = range(len(scale))
        right.bar([i - 0.2 for i in idx], [s["small"]["p50"] for s in scale], width=0.4, label="small tenant")
        right.bar([i + 0.2 for i in idx], [s["large"]["p50"] for s in scale], width=0.4,
                  label=f"large tenant ({results['dataset']['large_jobs']:,} jobs)")
        right.set_xticks(list(idx))
        right.set_xticklabels([s["scenario"].replace(" (", "\n(") for s in scale], fontsize=7, rotation=15)
        right.set_ylabel("p50 latency, ms")
        right.set_title(f"Tenant size vs latency at {scale[0]['connections']} connections")
        right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def running_cluster_port(data_dir):
    """The port of a cluster already running in data_dir (postmaster.pid, line 4), if any."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def free_port(preferred: int) -> int:
    # The defaults lie in Linux's ephemeral range: another program's outgoing
    # connection may hold one (scripts/test/free-port.py says more).
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise SystemExit("bench: no free port on 127.0.0.1")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="quick run on the small preset, report under target/")
    parser.add_argument("--small", action="store_true", help="use the small dataset preset")
    parser.add_argument("--data-only", action="store_true", help="generate (or check) the dataset, measure nothing")
    parser.add_argument("--report-only", action="store_true",
                        help="re-render docs/performance.md from the last run's target/bench-results.json")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[16, 64, 300])
    # Four server connections per core (docs/operations.md): with more, every
    # backend is runnable at once and the slowest queries take a CPU slice per
    # backend; with these, the others wait in the pool's queue, in order
    # (docs/performance.md, the customer search's pool runs).
    parser.add_argument("--pool", type=int, default=4 * (os.cpu_count() or 2),
                        help="server pool size (DB_MAX_CONNECTIONS); default four per core")
    parser.add_argument("--soak", type=int, default=60, help="seconds of the mixed 300-connection soak")
    parser.add_argument("--pg-port", type=int, default=54345)
    parser.add_argument("--http-port", type=int, default=8096)
    parser.add_argument("--only", help="measure only the scenarios whose name contains this (e.g. 'customer search'); "
                                       "no scale, login or soak runs, results in target/bench-only.json, "
                                       "docs/performance.md untouched")
    parser.add_argument("--companies", type=int, help="seed-bench --companies: a reduced dataset, kept apart")
    parser.add_argument("--large-jobs", type=int, help="seed-bench --large-jobs: a reduced dataset, kept apart")
    args = parser.parse_args()
    if args.smoke:
        args.small = True
        args.duration = min(args.duration, 2)
        args.connections = [8]
        args.pg_port = 54346
        args.http_port = 8093
    args.http_port = free_port(args.http_port)
    for tool in ("wrk", "psql"):
        if not shutil.which(tool):
            subprocess.run(["apt-get", "install", "-y", "-qq", tool if tool == "wrk" else "postgresql-client"], check=False)
    bench = Bench(args)
    if args.report_only:
        saved = ROOT / "target" / "bench-results.json"
        bench.results = json.loads(saved.read_text())
        bench.results.setdefault("date", datetime.fromtimestamp(saved.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
        bench.report()
        return
    try:
        bench.run()
    finally:
        bench.stop_server()
        run([str(BIN), "db", "stop"], env=bench.env, check=False)


if __name__ == "__main__":
    main()
