# syntax=docker/dockerfile:1.7
# FieldOps: one image for `fieldops serve`, `migrate`, `create-company` and
# `seed-demo`. Three stages: the web app (Node), the release binary (Rust, with
# the committed .sqlx/ query data, so no database is needed to build), and a slim
# Debian runtime that runs as an unprivileged user.
#
#   docker build -t fieldops .
#   docker compose up -d          # see docker-compose.yml and docs/operations.md

ARG RUST_VERSION=1.95
ARG NODE_VERSION=20

# ---------------------------------------------------------------- web app
FROM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# ---------------------------------------------------------------- server
FROM rust:${RUST_VERSION}-slim-bookworm AS server
WORKDIR /src
ENV SQLX_OFFLINE=true CARGO_TERM_COLOR=never
# build.rs embeds db/policies and sqlx embeds db/migrations at compile time;
# .sqlx/ holds the checked query metadata.
COPY Cargo.toml Cargo.lock build.rs ./
COPY .sqlx/ .sqlx/
COPY db/ db/
COPY src/ src/
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin fieldops \
 && install -D -m 0755 target/release/fieldops /out/fieldops

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime
# curl: the HEALTHCHECK below. ca-certificates: TLS to anything outside.
# Versions are bookworm's current security releases, not pinned (DL3008).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 fieldops \
 && useradd --system --uid 10001 --gid fieldops --home-dir /app --shell /usr/sbin/nologin fieldops \
 && mkdir -p /app/files && chown fieldops:fieldops /app/files
WORKDIR /app
COPY --from=server /out/fieldops /usr/local/bin/fieldops
COPY --from=web /src/web/dist/ /app/web/dist/
# The SQL the binary embeds, kept beside it for operators (db/roles.sql is what
# a superuser runs once; docker/initdb.sh does that for compose).
COPY db/ /app/db/

ENV APP_ENV=production \
    BIND_ADDR=0.0.0.0:8080 \
    WEB_DIR=/app/web/dist \
    STORAGE_URL=/app/files \
    RUST_LOG=info,sqlx=warn,tower_http=info

USER 10001:10001
EXPOSE 8080
# /metrics is served on METRICS_ADDR when set (e.g. 0.0.0.0:9090 inside a
# private network); it is not exposed by default.
# Liveness only (/readyz also needs the database): the port follows BIND_ADDR.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${BIND_ADDR##*:}/healthz\" || exit 1"]

ENTRYPOINT ["fieldops"]
CMD ["serve"]
