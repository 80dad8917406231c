#!/usr/bin/env python3
"""`make bench`, the import scenario (issue #19): times `fieldops import
--apply` of a Service Fusion-style customer file (default 100,000 rows) into
a fresh company on a cluster of its own, the way an office manager's import
runs (as the company's admin, under RLS, every row checked by its policies
and triggers). Prints the figure and writes it into the "Imports" section of
docs/performance.md and docs/performance-notes.md (between the import-bench
markers).
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "target" / "bench-import"
MARK_START, MARK_END = "<!-- import-bench:start -->", "<!-- import-bench:end -->"


def free_port(start: int) -> int:
    return int(subprocess.check_output([sys.executable, str(ROOT / "scripts/test/free-port.py"), str(start)]).split()[0])


def postgres_cpu_seconds(data_dir: Path) -> float:
    """CPU seconds of the cluster's finished processes (the postmaster's
    reaped children: the import's backend once it has disconnected)."""
    pid = (data_dir / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # cutime and cstime: fields 16 and 17 of stat(5), counted from the state (3).
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--debug", action="store_true", help="use the debug build")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/performance.md")
    parser.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    args = parser.parse_args()
    binary = ROOT / "target" / ("debug" if args.debug else "release") / "fieldops"
    if not args.debug and not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--bin", "fieldops"], cwd=ROOT, check=True,
                       env={**os.environ, "SQLX_OFFLINE": "true"})
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    env = {**os.environ, "FIELDOPS_DATA_DIR": str(OUT / "pg"), "FIELDOPS_PG_PORT": str(free_port(54370))}
    env.pop("DATABASE_URL", None)
    file = OUT / "customers.csv"
    with file.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Customer ID", "Customer Name", "Contact First Name", "Contact Last Name", "Phone", "Email",
                    "Address 1", "City", "State", "Zip Code", "Notes"])
        for i in range(args.rows):
            w.writerow([f"SF-{i}", f"Customer {i}", f"First{i}", f"Last{i}", f"(555) {i // 10000:03d}-{i % 10000:04d}",
                        f"c{i}@bench.test", f"{i} Bench St", "Springfield", "IL", f"{60000 + i % 9999:05d}", f"note {i}"])
    try:
        subprocess.run([str(binary), "db", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(binary), "create-company", "--name", "Import Bench", "--slug", "importbench",
                        "--admin-email", "admin@importbench.test", "--admin-name", "Admin"],
                       env={**env, "FIELDOPS_ADMIN_PASSWORD": "violet tractor hums beside quiet lanterns"},
                       check=True, stdout=subprocess.DEVNULL)
        database_cpu = postgres_cpu_seconds(OUT / "pg")
        started = time.monotonic()
        run = subprocess.run([str(binary), "import", "--company", "importbench", "--kind", "customers",
                              "--preset", "servicefusion", "--apply", str(file)],
                             env=env, check=True, capture_output=True, text=True)
        seconds = time.monotonic() - started
        # The machine is shared: the wall time depends on what else runs. The
        # CPU time the database spent (its finished backends, reaped by the
        # postmaster) does not, and says what an idle machine would take.
        time.sleep(2)  # the backend is counted once the postmaster has reaped it
        database_cpu = postgres_cpu_seconds(OUT / "pg") - database_cpu
    finally:
        subprocess.run([str(binary), "db", "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    summary = next((l for l in run.stdout.splitlines() if l.startswith("imported")), "")
    load = os.getloadavg()[0]
    line = (f"{args.rows:,} customer rows imported in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s; "
            f"target: under 60 s), {'debug' if args.debug else 'release'} build, load average {load:.1f} "
            f"on {os.cpu_count()} cores; the database's CPU time {database_cpu:.1f} s. `fieldops import`: {summary}")
    print(line)
    if not args.no_write:
        # performance-notes.md is what `make bench` rebuilds performance.md's
        # hand-written part from: the figure goes into both.
        block = f"{MARK_START}\n{line}\n{MARK_END}"
        for name in ("performance.md", "performance-notes.md"):
            doc = ROOT / "docs" / name
            text = doc.read_text()
            if MARK_START in text:
                text = re.sub(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), block, text, flags=re.S)
            elif name == "performance.md":
                text += f"\n## Imports\n\n{block}\n"
            doc.write_text(text)


if __name__ == "__main__":
    main()
