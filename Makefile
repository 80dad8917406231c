# FieldOps: two commands.
#   make run    build and serve the API and web app on an embedded PostgreSQL, with demo data
#   make test   every test: Rust, pgTAP, fuzzing, deployment, web, end to end
# And for performance work:
#   make bench        the API against pgbench on a 1,000-tenant dataset; writes docs/performance.md
#   make bench-smoke  the same on the small preset, quickly (part of make test)
.PHONY: run test bench bench-smoke

run:
	@scripts/install-deps.sh
	SQLX_OFFLINE=true cargo build --release --quiet
	@web/scripts/ensure-built.sh
	./target/release/fieldops seed-demo
	./target/release/fieldops serve

test:
	@scripts/test.sh

bench:
	@scripts/install-deps.sh
	python3 scripts/bench.py

bench-smoke:
	python3 scripts/bench.py --smoke
