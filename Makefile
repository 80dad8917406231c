# FieldOps: two commands.
#   make run    build and serve the API and web app on an embedded PostgreSQL, with demo data
#   make test   every test: Rust, pgTAP, fuzzing, deployment, web, end to end
# And for performance work:
#   make bench        the API against pgbench on a 1,000-tenant dataset; writes docs/performance.md
#   make bench-smoke  the same on the small preset, quickly (part of make test)
#   make bench-data   only generate the dataset (into target/bench-pg-full, reused by make bench)
#   make bench-citus  the same reads and task update on one server and on a 3-node Citus cluster
#                     with the same rows, directly and through PgBouncer; writes docs/scaling.md's figures
# And for the Citus port (issue #14):
#   make test-citus   the API tests (also through PgBouncer) and pgTAP on a fresh 3-node Citus cluster (part of make test)
# Python tools run from the virtual environment target/venv (scripts/setup/python-env.sh).
.PHONY: run test test-citus bench bench-smoke bench-data bench-citus

run:
	@scripts/setup/install-deps.sh
	SQLX_OFFLINE=true cargo build --release --quiet
	@web/scripts/ensure-built.sh
	./target/release/fieldops seed-demo
	./target/release/fieldops serve

test:
	@scripts/test/test.sh

test-citus:
	@scripts/test/test-citus.sh

bench:
	@scripts/setup/install-deps.sh
	scripts/setup/python-env.sh python3 scripts/bench/bench.py
	scripts/setup/python-env.sh python3 scripts/bench/bench_import.py

bench-data:
	@scripts/setup/install-deps.sh
	scripts/setup/python-env.sh python3 scripts/bench/bench.py --data-only

bench-citus:
	@scripts/setup/install-deps.sh
	scripts/setup/python-env.sh python3 scripts/bench/bench_citus.py

bench-smoke:
	scripts/setup/python-env.sh python3 scripts/bench/bench.py --smoke
