#!/usr/bin/env python3
"""The customer search's rotation, one query at a time (issue #16).

In a saturated closed loop (wrk at 16 connections on two cores) the p99 of
`GET /customers/search` follows the slowest queries of the rotation, so this
measures each query alone: PostgreSQL backend CPU per call (from the
backend's /proc/<pid>/schedstat, nanoseconds), as the large tenant's admin in
the API's request transaction (the context batch, the statement, commit).

    python3 scripts/bench/customer_search_queries.py --pg-port 54530 cost [--calls 100] [--rounds 3]
        [--swap before.sql --swap after.sql]
    python3 scripts/bench/customer_search_queries.py --pg-port 54530 dump target/search-before.json
    python3 scripts/bench/customer_search_queries.py --pg-port 54530 check target/search-before.json

`--swap` files each replace auth.search_customer_matches (as the owner)
before their turn; rounds alternate between them, so both share whatever
else the machine is doing. `dump` writes what each query finds (ids,
`matched`, rank, in order, at limits 10 and 20); `check` compares the
function as it is now with such a file and fails on any difference: a change
made for speed must find the same rows in the same order.

The queries are bench.py's rotation (taken from the tenant's own rows, then
what people type first) and a few more.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

EXTRA = ["harbor", "smith", "robinson", "street", "555", "(603) 282", "1042", "%", "o'brien", "a_b"]


def psql(port, sql, user="postgres"):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port),
                          "-U", user, "-d", "fieldops"], input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    return out.stdout


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def setup(port):
    cid = psql(port, "select id from app.companies where slug = 'bench-large'").strip()
    uid = psql(port, f"select id from app.users where company_id = '{cid}' and email = 'admin@bench-large.bench'").strip()
    sid = psql(port, f"""
        insert into app.sessions (company_id, user_id, role, expires_at)
        values ('{cid}', '{uid}', 'ADMIN', now() + interval '2 hours') returning id""").splitlines()[0].strip()
    rows = psql(port, f"""
        (select lower(split_part(name, ' ', 1)) from app.customers where company_id = '{cid}' limit 1)
        union all (select lower(name) from app.customers where company_id = '{cid}' order by id limit 1)
        union all (select lower(name) from app.contacts where company_id = '{cid}' order by id limit 2)
        union all (select value from app.contact_methods where company_id = '{cid}' and kind = 'mobile' order by id limit 2)
        union all (select split_part(value, '@', 1) from app.contact_methods
                   where company_id = '{cid}' and kind = 'email' order by id limit 1)
        union all (select lower(line1) from app.service_locations
                   where company_id = '{cid}' and city is not null order by id limit 1)
        union all (select '#' || account_number from app.customers where company_id = '{cid}' order by id limit 1)
    """).splitlines()
    rotation = rows + ["har", "smi", "603) 55", "quay st"]
    return cid, uid, sid, rotation


def context(cid, uid, sid):
    # As the API's batch (src/http/shared/context.rs, bench.py context_messages).
    return (f"select auth.require_session('{sid}', '{uid}', '{cid}', 'ADMIN'); begin; "
            f"set local role fieldops_admin; set local app.session_id = '{sid}'; "
            f"set local app.session_company = '{cid}'; set local app.session_user_id = '{uid}'; "
            "set local plan_cache_mode = force_custom_plan; ")


def statement(cid, q, limit):
    # The API's statement (src/http/customers.rs, search_joined).
    return (f"select s.matched, s.rank, c.id, c.account_number, c.name, c.email, c.phone, c.address, c.tags, "
            f"c.do_not_service, c.notes, c.parent_customer_id, c.custom_fields, c.created_at, c.updated_at, c.version "
            f"from auth.search_customer_matches({quote(q)}, {limit}) s "
            f"join app.customers c on c.company_id = '{cid}' and c.id = s.customer_id")


def cost(args):
    cid, uid, sid, rotation = setup(args.pg_port)
    queries = rotation + (EXTRA if args.extra else [])
    sides = args.swap or [None]
    totals = {s: {q: [] for q in queries} for s in sides}
    for r in range(args.rounds):
        for s in (sides if r % 2 == 0 else list(reversed(sides))):
            if s:
                psql(args.pg_port, Path(s).read_text(), user="fieldops_owner")
            sql = ["\\o /dev/null", "select 1;"]
            for q in queries:
                sql.append("\\o")
                sql.append("select 'before', split_part(pg_read_file('/proc/self/schedstat'), ' ', 1);")
                sql.append("\\o /dev/null")
                for _ in range(args.calls):
                    sql.append(context(cid, uid, sid) + statement(cid, q, 10) + "; commit;")
                sql.append("\\o")
                sql.append("select 'after', split_part(pg_read_file('/proc/self/schedstat'), ' ', 1);")
            out = [line.split("|") for line in psql(args.pg_port, "\n".join(sql)).splitlines() if "|" in line]
            for i, q in enumerate(queries):
                before, after = int(out[2 * i][1]), int(out[2 * i + 1][1])
                totals[s][q].append((after - before) / args.calls / 1e6)
    width = max(len(q) for q in queries)
    header = "".join(f"{(Path(s).name if s else 'ms/call'):>22}" for s in sides)
    print(f"{'query':<{width}}{header}")
    for q in queries:
        cells = "".join(f"{sorted(totals[s][q])[len(totals[s][q]) // 2]:>22.3f}" for s in sides)
        print(f"{q:<{width}}{cells}")
    for s in sides:
        rot = [sorted(totals[s][q])[len(totals[s][q]) // 2] for q in rotation]
        print(f"rotation mean {Path(s).name if s else ''}: {sum(rot) / len(rot):.3f} ms, max {max(rot):.3f} ms")


def results(args):
    cid, uid, sid, rotation = setup(args.pg_port)
    found = {}
    for q in rotation + EXTRA:
        for limit in (10, 20):
            out = psql(args.pg_port, context(cid, uid, sid)
                       + f"select customer_id, matched, rank from auth.search_customer_matches({quote(q)}, {limit}) s "
                       + f"join app.customers c on c.company_id = '{cid}' and c.id = s.customer_id "
                       + "order by s.rank desc, lower(c.name), c.id; commit;")
            found[f"{q} / {limit}"] = [line for line in out.splitlines() if "|" in line]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-port", type=int, default=54530)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cost")
    c.add_argument("--calls", type=int, default=100)
    c.add_argument("--rounds", type=int, default=3)
    c.add_argument("--swap", action="append")
    c.add_argument("--extra", action="store_true", help="also the queries beyond the rotation")
    d = sub.add_parser("dump")
    d.add_argument("file")
    k = sub.add_parser("check")
    k.add_argument("file")
    args = parser.parse_args()
    if args.command == "cost":
        cost(args)
    elif args.command == "dump":
        Path(args.file).write_text(json.dumps(results(args), indent=1))
        print(f"wrote {args.file}")
    else:
        want = json.loads(Path(args.file).read_text())
        have = results(args)
        diff = [k for k in want if want[k] != have.get(k)]
        empty = [k for k in want if not want[k]]
        print(f"{len(want) - len(diff)} of {len(want)} (query, limit) pairs the same; "
              f"{len(empty)} find nothing ({', '.join(empty) or 'none'})")
        for k in diff:
            print(f"DIFFERENT: {k}\n  before: {want[k]}\n  now:    {have.get(k)}")
        sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
