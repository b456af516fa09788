#!/usr/bin/env bash
# Runs one OrderGrains node on the local PostgreSQL 15 instead of the embedded SQLite default.
# Starts the server if needed and creates the database `ordergrains`; extra arguments go to the host.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pg_lsclusters -h | grep -q '^15 \+main .* online' || as_root pg_ctlcluster 15 main start
password="${ORDERGRAINS_PG_PASSWORD:-postgres}"
as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD '${password}'\"" >/dev/null
as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'ordergrains'\"" | grep -q 1 \
  || as_root su postgres -c "createdb ordergrains"

export OrderGrains__Storage=postgres
export ConnectionStrings__Postgres="Host=127.0.0.1;Username=postgres;Password=${password};Database=ordergrains"
exec dotnet run --project src/OrderGrains.Host -- "$@"
