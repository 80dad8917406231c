# FieldOps: two commands.
#   make run   build and serve the API and web app on an embedded PostgreSQL, with demo data
#   make test  every test: Rust, pgTAP, web, end to end
.PHONY: run test

run:
	@scripts/install-deps.sh
	SQLX_OFFLINE=true cargo build --release --quiet
	./target/release/fieldops seed-demo
	./target/release/fieldops serve

test:
	@scripts/test.sh
