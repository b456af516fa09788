#!/usr/bin/env bash
# Runs every test of OrderGrains against a real PostgreSQL 15, Google's own gRPC client and Debian's Chromium.
# Installs what is missing from Debian (as root), starts PostgreSQL, creates the test database,
# exports ORDERGRAINS_TEST_POSTGRES, then runs `dotnet test`. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "test.sh: need root to run: $*" >&2; exit 1; fi
}

missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || missing+=(python3-grpcio python3-protobuf)
command -v protoc >/dev/null || missing+=(protobuf-compiler)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main'; then
  as_root pg_createcluster 15 main
fi
if ! pg_lsclusters -h | grep -q '^15 \+main .* online'; then
  as_root pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done

# The test assemblies run at once, each starting hosts with their own connection pools: the default of 100
# connections ran out on a loaded machine ("sorry, too many clients already").
if [ "$(as_root su postgres -c "psql -tAc 'SHOW max_connections'")" -lt 300 ]; then
  as_root su postgres -c "psql -q -c 'ALTER SYSTEM SET max_connections = 300'" >/dev/null
  as_root pg_ctlcluster 15 main restart
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
fi

pg_password="${ORDERGRAINS_TEST_PG_PASSWORD:-postgres}"
as_root su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"ALTER USER postgres PASSWORD '${pg_password}'\"" >/dev/null
if ! as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'ordergrains_test'\"" | grep -q 1; then
  as_root su postgres -c "createdb ordergrains_test"
fi
export ORDERGRAINS_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Username=postgres;Password=${pg_password};Database=ordergrains_test"

# The dashboard tests drive Debian's /usr/bin/chromium through Playwright's bundled driver; never a downloaded browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

dotnet test OrderGrains.sln --nologo "$@"
