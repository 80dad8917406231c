#!/usr/bin/env python3
"""`make bench-citus`: the same reads and the task update on one PostgreSQL and
on a 3-node Citus cluster holding the same rows, each directly and through
PgBouncer in transaction mode.

1. One server: bench.py's own cluster (target/bench-pg-small), loaded by
   `fieldops seed-bench --small` (kept and reused, like `make bench`'s).
2. Citus: a fresh coordinator and two workers (scripts/test/citus.sh,
   target/bench-citus), migrated by `fieldops migrate` (which distributes the
   tables) and loaded with the single server's rows (`citus.sh load`: the
   runbook's move, docs/scaling.md), so both hold the same ids.
3. For each of single, Citus, single + PgBouncer, Citus + PgBouncer: the
   server, then every scenario of bench.py with wrk (the API) and pgbench (the
   API's SQL transaction, in the context shape the API uses on that topology).
   On Citus, EXPLAIN of every statement: how many shards each reaches.
4. The figures into docs/scaling.md (between the bench-citus markers) and
   docs/scaling-citus.png; the raw results in target/bench-citus.json.

About 4 × (6 × 2 + 2) × --duration seconds of measuring per connection
count (and 4 × 2 more at one client), plus a minute of set-up (≈ 9.5 minutes
at the default 8 s and one connection count; add the release build's if it
is not up to date).
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (scripts/bench/bench.py)
from bench import ROOT, Bench, mem_gib, run  # noqa: E402

DOC = ROOT / "docs" / "scaling.md"
BEGIN, END = "<!-- bench-citus:begin -->", "<!-- bench-citus:end -->"
RESULTS = ROOT / "target" / "bench-citus.json"
CHART = ROOT / "docs" / "scaling-citus.png"
TOPOLOGIES = [("single", False), ("citus", False), ("single", True), ("citus", True)]


def label(topology, pooled):
    return ("one server" if topology == "single" else "Citus") + (" + PgBouncer" if pooled else "")


class Driver:
    def __init__(self, args):
        self.args = args
        self.citus_data = ROOT / "target" / "bench-citus"
        self.citus_env = dict(os.environ, FIELDOPS_CITUS_PORT=str(args.citus_port),
                              FIELDOPS_CITUS_DATA=str(self.citus_data))
        self.pgbouncer_env = dict(os.environ, FIELDOPS_PGBOUNCER_PORT=str(args.pgbouncer_port),
                                  FIELDOPS_PGBOUNCER_RUN=str(ROOT / "target" / "bench-citus-pgbouncer"),
                                  FIELDOPS_PGBOUNCER_POOL=str(args.pool))
        self.results = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                        "duration": args.duration, "connections": args.connections, "pool": args.pool,
                        "build": "release" if args.release else "debug", "runs": [], "explain": [],
                        "setup_seconds": {}}

    def bench_for(self, topology, pooled):
        """A bench.py Bench aimed at one topology (its psql goes to the database,
        its server and pgbench through PgBouncer when pooled)."""
        b = Bench(self.args)
        if topology == "citus":
            b.pg_port = self.args.citus_port
            b.citus = True
        b.db_port = self.args.pgbouncer_port if pooled else b.pg_port
        b.env = dict(b.env, FIELDOPS_PG_PORT=str(b.pg_port))
        return b

    # -- set-up ---------------------------------------------------------------
    def timed(self, name, fn):
        started = time.time()
        fn()
        self.results["setup_seconds"][name] = round(time.time() - started, 1)
        print(f"set-up  {name}: {self.results['setup_seconds'][name]} s", flush=True)

    def citus(self, action, **env):
        out = run(["scripts/test/citus.sh", action], env=dict(self.citus_env, **env), check=False)
        if out.returncode != 0:
            sys.exit(f"citus.sh {action} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")

    def set_up(self):
        self.single = self.bench_for("single", False)
        self.timed("one server: start, seed-bench --small (once), analyze", self.single.prepare_data)
        self.results["dataset"] = self.single.results["dataset"]
        self.citus("stop")
        shutil.rmtree(self.citus_data, ignore_errors=True)
        self.timed("Citus: 3 nodes, fieldops migrate (distributes)", lambda: self.citus("distribute"))
        source = f"postgres://postgres@127.0.0.1:{self.single.pg_port}/fieldops"
        self.timed("Citus: the one server's rows copied in (citus.sh load)",
                   lambda: self.citus("load", FIELDOPS_CITUS_SOURCE=source))
        counts = [self.bench_for(t, False).psql("select count(*) from app.jobs; select count(*) from app.job_tasks;").split()
                  for t in ("single", "citus")]
        if counts[0] != counts[1]:
            sys.exit(f"the two topologies hold different rows: {counts}")
        self.results["shards"] = int(self.bench_for("citus", False).psql(
            "select count(*) from pg_dist_shard where logicalrelid = 'app.jobs'::regclass").strip())

    def pgbouncer(self, action, target_port=None):
        env = dict(self.pgbouncer_env, FIELDOPS_PGBOUNCER_TARGET=f"127.0.0.1:{target_port}") if target_port else self.pgbouncer_env
        run(["scripts/test/pgbouncer.sh", action], env=env, capture=False)

    # -- measuring ------------------------------------------------------------
    def explain_citus(self, b, name, who, statements):
        """Citus's plan of each statement as the request's role: the shards each
        reaches (Task Count of the job and of every subplan)."""
        for statement in statements:
            sql = b.explain_context(who["claims"]) + f"\nexplain (analyze, format json) {statement.rstrip(';')};\nrollback;\n"
            out = b.psql(sql, user="fieldops_authenticator")
            plan = json.loads(out[out.index("["):out.rindex("]") + 1])[0]
            tasks = [t for t in find_key(plan, "Task Count")]
            text = b.psql(b.explain_context(who["claims"]) + f"\nexplain (costs off) {statement.rstrip(';')};\nrollback;\n",
                          user="fieldops_authenticator")
            self.results["explain"].append({
                "scenario": name, "statement": statement[:160], "task_counts": tasks,
                "subplans": sum(len(s) for s in find_key(plan, "Subplans")),
                "ms": round(plan["Execution Time"], 2), "plan": text.strip(),
            })
            print(f"explain {name:38} tasks {tasks} {round(plan['Execution Time'], 2)} ms", flush=True)

    def measure(self, topology, pooled):
        # The machine's load (other jobs share it), before each topology's run.
        self.results.setdefault("load", []).append((label(topology, pooled), round(os.getloadavg()[0], 1)))
        b = self.bench_for(topology, pooled)
        if pooled:
            self.pgbouncer("start", b.pg_port)
        try:
            b.start_server()
            try:
                who = {"admin": b.login("bench-large", "admin@bench-large.bench"),
                       "worker": b.login("bench-large", "worker1@bench-large.bench")}
                scenarios = b.scenarios(who)
                if topology == "citus" and not pooled:
                    for name, w, _, _, _, statements in scenarios:
                        self.explain_citus(b, name, w, statements)
                rows = []
                for name, w, method, paths, body, statements in scenarios:
                    for c in self.args.connections:
                        api = b.wrk(w, method, paths, body, c, self.args.duration)
                        rows.append({"scenario": name, "connections": c, "api": api, "statements": statements, "who": w})
                        print(f"API     {label(topology, pooled):22} {name:38} c={c:<4} {api['rps']:>8} req/s  "
                              f"p50 {api['p50']:>7} ms  p99 {api['p99']:>7} ms  errors {api['errors']}", flush=True)
                # pgbench alone: the context with nothing in it, and one routed
                # point read, to separate Citus's per-transaction costs; also at
                # one client, where no queueing for the cores hides them.
                cid = who["admin"]["claims"]["cid"]
                job = b.psql(f"select id from app.jobs where company_id = '{cid}' order by id limit 1").strip()
                for name, statements in PGBENCH_ONLY(cid, job):
                    for c in sorted({1, *self.args.connections}):
                        rows.append({"scenario": name, "connections": c, "api": None, "statements": statements,
                                     "who": who["admin"]})
            finally:
                b.stop_server()
            for row in rows:
                db = b.pgbench(row.pop("who"), row.pop("statements"), row["connections"], self.args.duration)
                row["pgbench"] = db
                print(f"pgbench {label(topology, pooled):22} {row['scenario']:38} c={row['connections']:<4} "
                      f"{db['rps']:>8} tx/s   p50 {db['p50']:>7} ms  p99 {db['p99']:>7} ms", flush=True)
                self.results["runs"].append(dict(row, topology=topology, pooled=pooled))
        finally:
            if pooled:
                self.pgbouncer("stop")

    def run(self):
        if self.args.release:
            subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "fieldops"], cwd=ROOT, check=True,
                           env=dict(os.environ, SQLX_OFFLINE="true"))
        try:
            self.set_up()
            for topology, pooled in TOPOLOGIES:
                if pooled and self.args.no_pgbouncer:
                    continue
                self.measure(topology, pooled)
        finally:
            self.citus("stop")
            run([str(bench.BIN), "db", "stop"], env=self.single.env if hasattr(self, "single") else None, check=False)
        RESULTS.write_text(json.dumps(self.results, indent=2))
        errors = [(r["topology"], r["pooled"], r["scenario"], r["api"]["errors"]) for r in self.results["runs"]
                  if r["api"] and r["api"]["errors"]]
        report(self.results)
        if errors:
            sys.exit(f"non-2xx answers under load: {errors}")
        print("bench-citus: ok")


def PGBENCH_ONLY(cid, job):
    return [("context only (pgbench)", []),
            ("routed point read (pgbench)", [f"select id, title, version from app.jobs where company_id = '{cid}' and id = '{job}';"])]


def find_key(node, key):
    """Every value of `key` anywhere in a JSON plan."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            else:
                yield from find_key(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from find_key(item, key)


def ratio(a, b):
    return round(a / b, 2) if b else "–"


def compare_rows(results, pooled):
    """Per scenario and connection count: (one server's row, Citus's row)."""
    rows = []
    for single in [r for r in results["runs"] if r["topology"] == "single" and r["pooled"] == pooled]:
        citus = next((r for r in results["runs"] if r["topology"] == "citus" and r["pooled"] == pooled
                      and r["scenario"] == single["scenario"] and r["connections"] == single["connections"]), None)
        if citus:
            rows.append((single, citus))
    return rows


def report(results):
    lines = [BEGIN, "", "### Measured: one server vs Citus, directly and through PgBouncer", ""]
    d = results["dataset"]
    lines += [
        f"`make bench-citus` (`scripts/bench/bench_citus.py`), {results['date']}, {results['build']} build, "
        f"{results['duration']} s per measurement at {', '.join(map(str, results['connections']))} connections "
        "(the two pgbench-only rows also at 1), "
        f"server pool {results['pool']} (and PgBouncer's `default_pool_size` {results['pool']}). "
        f"Machine: {os.cpu_count()} cores, {mem_gib()} GiB, {platform.platform()}: the three Citus nodes, the one "
        "server, PgBouncer, the API, wrk and pgbench all share these cores (and, while this was measured, other "
        "jobs did too"
        + (f": 1-minute load average before each part "
           + ", ".join(f"{name} {load}" for name, load in results["load"]) if results.get("load") else "")
        + "), so a three-node cluster here measures Citus's per-query overhead, never its scale-out.",
        "",
        f"Both topologies hold the same rows, the small preset: {d['companies']:,} companies, {d['jobs']:,} jobs, "
        f"{d['tasks']:,} tasks; the measured tenant (`bench-large`) has {d['large_jobs']:,} jobs. Citus: "
        f"{results['shards']} shards per table, co-located by `company_id`, over 2 workers. Set-up: "
        + "; ".join(f"{k} {v} s" for k, v in results["setup_seconds"].items()) + ".",
        "",
    ]
    for pooled in (False, True):
        pairs = compare_rows(results, pooled)
        if not pairs:
            continue
        lines += [f"**{'Through PgBouncer (transaction mode)' if pooled else 'Direct'}**, the API (wrk) and its SQL transaction (pgbench):", "",
                  "| scenario | c | API req/s one server | API req/s Citus | Citus ÷ one | API p50 ms one / Citus | API p99 ms one / Citus "
                  "| pgbench tx/s one | pgbench tx/s Citus | Citus ÷ one | pgbench p50 ms one / Citus | API errors one / Citus |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s, c in pairs:
            api = (f"{s['api']['rps']:,} | {c['api']['rps']:,} | {ratio(c['api']['rps'], s['api']['rps'])} | "
                   f"{s['api']['p50']} / {c['api']['p50']} | {s['api']['p99']} / {c['api']['p99']}"
                   if s["api"] and c["api"] else "– | – | – | – | –")
            errors = f"{s['api']['errors']} / {c['api']['errors']}" if s["api"] and c["api"] else "–"
            lines.append(
                f"| {s['scenario']} | {s['connections']} | {api} | {s['pgbench']['rps']:,} | {c['pgbench']['rps']:,} | "
                f"{ratio(c['pgbench']['rps'], s['pgbench']['rps'])} | {s['pgbench']['p50']} / {c['pgbench']['p50']} | {errors} |")
        lines.append("")
    lines += ["pgbench's task update flips one task from every client (they queue on its row lock, as in "
              "`make bench`), the API's spreads over 200: compare the update across topologies, not the API with "
              "pgbench. *errors* are wrk's non-2xx answers and socket errors (timeouts) together; the scenarios run one "
              "after another on one server process, so requests a slow scenario leaves running can hold the next "
              "one's database connections (503 when none comes in time).", ""]
    direct = {(r["topology"], r["scenario"], r["connections"]): r for r in results["runs"] if not r["pooled"]}
    pooled_rows = [r for r in results["runs"] if r["pooled"]]
    if pooled_rows:
        lines += ["PgBouncer's cost, pooled ÷ direct API throughput: " + "; ".join(
            f"{label(r['topology'], False)} {r['scenario']} {ratio(r['api']['rps'], direct[(r['topology'], r['scenario'], r['connections'])]['api']['rps'])}"
            for r in pooled_rows if r["api"] and (r["topology"], r["scenario"], r["connections"]) in direct) + ".", ""]
    # Router overhead: the difference of pgbench's median latencies, per scenario.
    overhead = [(s["scenario"], s["connections"], round(c["pgbench"]["p50"] - s["pgbench"]["p50"], 2))
                for s, c in compare_rows(results, False)]
    if overhead:
        lines += ["Citus's added latency per transaction (pgbench p50, Citus − one server, direct): "
                  + "; ".join(f"{n} at {c} {o:+} ms" for n, c, o in overhead) + ".", ""]
    added = {(n, c): o for n, c, o in overhead}
    for c in sorted({c for _, c, _ in overhead}):
        context, point = added.get(("context only (pgbench)", c)), added.get(("routed point read (pgbench)", c))
        if context is not None and point is not None:
            lines += [f"At {c} client{'s' if c > 1 else ''}: the context alone (on Citus four messages and the "
                      f"session check on the session's shard; one message on one server) adds {context:+} ms, and "
                      f"one statement routed to its shard {round(point - context, 2):+} ms on top (the router "
                      "overhead).", ""]
    if results["explain"]:
        lines += ["**Citus's plans** (`EXPLAIN (ANALYZE)` as the request's role with its context, on the coordinator): "
                  "*tasks* is the number of shards each step of the distributed plan reaches (one number per job or "
                  "subplan; 1 = routed to the tenant's shard).", "",
                  "| scenario | statement | tasks | subplans | execution ms |", "|---|---|---|---:|---:|"]
        for e in results["explain"]:
            stmt = e["statement"].replace("|", "\\|")
            stmt = re.sub(r"select id, title, description, .*? from \(select j\.id, .*?\) job_summaries",
                          "select … from (app.job_summaries' query, company bound) job_summaries", stmt)
            stmt = re.sub(r"select id, title, description, .*? from app.job_summaries", "select … from app.job_summaries", stmt)
            lines.append(f"| {e['scenario']} | `{stmt[:90]}…` | {', '.join(map(str, e['task_counts']))} | {e['subplans']} | {e['ms']} |")
        lines.append("")
        fan = [e for e in results["explain"] if any(t > 1 for t in e["task_counts"])]
        sample = fan[0] if fan else results["explain"][0]
        lines += [f"The plan of *{sample['scenario']}* (`EXPLAIN (COSTS OFF)`):", "", "```", sample["plan"], "```", ""]
    chart = chart_png(results)
    if chart:
        lines += [f"![one server vs Citus]({chart.name})", ""]
    lines += ["Reproduce: `make bench-citus` (`--duration`, `--connections 16,64`, `--debug` to skip the release "
              "build, `--no-pgbouncer`; ports: `--citus-port`, `--pg-port`, `--pgbouncer-port`, `--http-port`).", "", END]
    text = DOC.read_text()
    section = "\n".join(lines)
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        sys.exit(f"{DOC} has no {BEGIN} … {END} markers to write between")
    DOC.write_text(text)
    print(f"report: {DOC} ({BEGIN}), {CHART}")


def chart_png(results):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart (run through `make bench-citus`)")
        return None
    c = results["connections"][0]
    names = list(dict.fromkeys(r["scenario"] for r in results["runs"] if r["api"]))
    setups = [(t, p) for t, p in TOPOLOGIES if any(r["topology"] == t and r["pooled"] == p for r in results["runs"])]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / len(setups)
    for i, (t, p) in enumerate(setups):
        rows = {r["scenario"]: r for r in results["runs"]
                if r["topology"] == t and r["pooled"] == p and r["connections"] == c and r["api"]}
        xs = [j + (i - (len(setups) - 1) / 2) * width for j in range(len(names))]
        left.bar(xs, [rows[n]["api"]["rps"] if n in rows else 0 for n in names], width=width, label=label(t, p))
        right.bar(xs, [rows[n]["api"]["p99"] if n in rows else 0 for n in names], width=width, label=label(t, p))
    for ax, title, unit in ((left, "API throughput", "requests/s"), (right, "API p99 latency (0: no answer within the run)", "ms, log scale")):
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([n.replace(" (", "\n(").replace(", ", ",\n") for n in names], fontsize=7)
        ax.set_ylabel(unit)
        ax.set_title(f"{title}, {c} connections", fontsize=10)
    right.set_yscale("log")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(setups), fontsize=8)
    fig.suptitle(f"make bench-citus, {results['date']}, {results['build']} build, small preset, "
                 f"{results['duration']} s per measurement", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(CHART, dpi=100)
    plt.close(fig)
    return CHART


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[16])
    parser.add_argument("--pool", type=int, default=16, help="server pool size (DB_MAX_CONNECTIONS), PgBouncer's pool")
    parser.add_argument("--debug", action="store_true", help="use target/debug/fieldops (no release build)")
    parser.add_argument("--no-pgbouncer", action="store_true", help="direct connections only")
    parser.add_argument("--report-only", action="store_true", help=f"re-render the report from {RESULTS}")
    parser.add_argument("--pg-port", type=int, default=54450, help="the one server")
    parser.add_argument("--citus-port", type=int, default=54440, help="the coordinator (workers: +1, +2)")
    parser.add_argument("--pgbouncer-port", type=int, default=54455)
    parser.add_argument("--http-port", type=int, default=8140)
    args = parser.parse_args()
    args.release = not args.debug
    bench.BIN = ROOT / "target" / ("release" if args.release else "debug") / "fieldops"
    # What bench.Bench reads: the small preset, never the smoke shortcuts.
    args.smoke, args.small, args.data_only = False, True, False
    if args.report_only:
        report(json.loads(RESULTS.read_text()))
        return
    args.http_port = bench.free_port(args.http_port)
    Driver(args).run()


if __name__ == "__main__":
    main()
