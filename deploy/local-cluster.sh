#!/usr/bin/env bash
# Starts PostgreSQL (Debian's postgresql-15) and N OrderGrains silos on this machine as one cluster, each on its own
# ports, and prints their endpoints. `deploy/local-cluster.sh stop` stops them cleanly (SIGTERM: each silo finishes
# its calls, hands its grains over and leaves the membership).
#
#   deploy/local-cluster.sh 3        # silo i: gRPC 7070+10i, admin 7071+10i, silo 11111+i, gateway 30000+i
#   deploy/local-cluster.sh stop
#
# Logs and pids go to .cluster/ (ORDERGRAINS_CLUSTER_DIR). All silos share one admin token and one caller token,
# written to .cluster/admin-token and .cluster/caller-token.
set -euo pipefail
cd "$(dirname "$0")/.."
state="${ORDERGRAINS_CLUSTER_DIR:-$PWD/.cluster}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

stop_all() {
  shopt -s nullglob
  local pids=()
  for f in "$state"/silo-*.pid; do
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; pids+=("$pid"); fi
    rm -f "$f"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "silo $pid did not stop within 60 s; killing it" >&2; kill -KILL "$pid"; }
  done
  echo "stopped ${#pids[@]} silo(s)"
}

if [ "${1:-}" = "stop" ]; then stop_all; exit 0; fi
count="${1:-3}"
case "$count" in ''|*[!0-9]*) echo "usage: $0 N | stop" >&2; exit 2;; esac
[ "$count" -ge 1 ] && [ "$count" -le 9 ] || { echo "N must be 1 to 9" >&2; exit 2; }

command -v pg_lsclusters >/dev/null || { as_root apt-get install -y -q postgresql-15 >/dev/null; }
pg_lsclusters -h | grep -q '^15 \+main .* online' || as_root pg_ctlcluster 15 main start
password="${ORDERGRAINS_PG_PASSWORD:-postgres}"
as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD '${password}'\"" >/dev/null
as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'ordergrains'\"" | grep -q 1 \
  || as_root su postgres -c "createdb ordergrains"

mkdir -p "$state"
[ -s "$state/admin-token" ] || openssl rand -hex 32 > "$state/admin-token"
[ -s "$state/caller-token" ] || openssl rand -hex 32 > "$state/caller-token"
chmod 600 "$state/admin-token" "$state/caller-token"
dotnet build src/OrderGrains.Host -c Release --nologo -v q >/dev/null
host=src/OrderGrains.Host/bin/Release/net10.0/OrderGrains.Host.dll

export DOTNET_ReadyToRun=0 # as in the host's launch settings and the image: JIT with dynamic PGO (README, Performance)
export OrderGrains__Storage=postgres
export ConnectionStrings__Postgres="Host=127.0.0.1;Username=postgres;Password=${password};Database=ordergrains"
export OrderGrains__Admin__Tokens__0__Name=ops OrderGrains__Admin__Tokens__0__Role=operator
export OrderGrains__Admin__Tokens__0__Token="$(cat "$state/admin-token")"
export OrderGrains__Callers__0__Name=local OrderGrains__Callers__0__Roles=orders,inventory,fulfillment,catalog
export OrderGrains__Callers__0__Channels__0='*' OrderGrains__Callers__0__Token="$(cat "$state/caller-token")"

for i in $(seq 0 $((count - 1))); do
  if [ -f "$state/silo-$i.pid" ] && kill -0 "$(cat "$state/silo-$i.pid")" 2>/dev/null; then
    echo "silo $i is already running (pid $(cat "$state/silo-$i.pid"))"; continue
  fi
  OrderGrains__GrpcPort=$((7070 + 10 * i)) OrderGrains__AdminPort=$((7071 + 10 * i)) \
  OrderGrains__Cluster__SiloPort=$((11111 + i)) OrderGrains__Cluster__GatewayPort=$((30000 + i)) \
  OrderGrains__DataDir="$state/silo-$i" \
    nohup dotnet "$host" > "$state/silo-$i.log" 2>&1 &
  echo $! > "$state/silo-$i.pid"
done

for i in $(seq 0 $((count - 1))); do
  admin=$((7071 + 10 * i))
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$admin/healthz" >/dev/null && break
    kill -0 "$(cat "$state/silo-$i.pid")" 2>/dev/null || { echo "silo $i exited; see $state/silo-$i.log" >&2; tail -20 "$state/silo-$i.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$admin/healthz" >/dev/null || { echo "silo $i is not healthy after 60 s; see $state/silo-$i.log" >&2; exit 1; }
  echo "silo $i: grpc http://127.0.0.1:$((7070 + 10 * i))  admin http://127.0.0.1:$admin/admin/  dashboard http://127.0.0.1:$admin/"
done
echo "admin token: $state/admin-token   caller token: $state/caller-token"
echo "members: curl -s -H \"Authorization: Bearer \$(cat $state/admin-token)\" http://127.0.0.1:7071/admin/cluster"
