#!/usr/bin/env bash
# Durable creates per second on PostgreSQL, for builds side by side: each build named runs in
# turn on a fresh database with the shared load generator (every request an idempotent, durable
# POST /v1/customers), reports what it counted of its statements per create and of its groups
# (/metrics), and then pgbench (one INSERT per transaction, 16 clients) runs against a scratch
# database of the same server, in the same run, as the issue's target asks.
#
# Usage: bench/pg_creates.sh CONNECTIONS SECONDS NAME=BINARY [NAME=BINARY ...]
#   e.g. bench/pg_creates.sh 64 10 after=target/release/clientele before="$BEFORE" (another build)
# Needs: wrk, pgbench, PostgreSQL on 127.0.0.1:5432 with user postgres (BENCH_PG to change it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
C=${1:?connections}; D=${2:?seconds}; shift 2
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
KEY=clt_bench_key_$(date +%s)
WORK=$(mktemp -d)
pids=(); dbs=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in "${dbs[@]}"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
port=18290
for spec in "$@"; do
  name=${spec%%=*}; bin=${spec#*=}; port=$((port+1))
  db=clientele_pgbench_$$_$port; dbs+=($db)
  psql "$PG/postgres" -qc "CREATE DATABASE $db"
  CLIENTELE_DATABASE_URL="$PG/$db" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$port" "$bin" serve >/dev/null 2>"$WORK/$port.log" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  echo "--- $name ($bin)"
  AUTH="$KEY" "$SHARED/bench/loadgen/run.sh" "http://127.0.0.1:$port/v1/customers" "$C" "$D" | grep -E 'RESULT|first non-2xx'
  curl -s "http://127.0.0.1:$port/metrics" -H "Authorization: Bearer $KEY" | grep -E '^clientele_store_write_statements_(sum|count)\{backend="postgres",write="create"\}|^clientele_postgres_group_size_(sum|count)' | tr '\n' ' '; echo
  psql "$PG/$db" -Atc "select 'customers ' || count(*) from customers"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
db=clientele_pgbench_$$_pgbench; dbs+=($db)
psql "$PG/postgres" -qc "CREATE DATABASE $db"
psql "$PG/$db" -qf "$SHARED/bench/limits/pg/schema.sql"
echo "--- pgbench -n -c 16 -j 2 -T $D -f insert.sql"
pgbench -h 127.0.0.1 -U postgres -n -c 16 -j 2 -T "$D" -f "$SHARED/bench/limits/pg/insert.sql" "$db" 2>&1 | grep -E "^tps|latency average"
