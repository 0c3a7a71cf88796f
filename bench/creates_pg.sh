#!/usr/bin/env bash
# Paired native creates on PostgreSQL: durable creates per second through POST /v1/customers
# (the shared load generator, as bench/run.sh drives it) for two or more server builds, one
# after the other on fresh databases, ROUNDS times in turn, so a change is measured against
# the build before it under the same load. Each run also prints the statements per create
# the server counted (`/metrics`).
#
# Usage: bench/creates_pg.sh BINARY... (env ROUNDS=3, C=64 connections, D=10 seconds)
# Needs: wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
ROUNDS=${ROUNDS:-3}; C=${C:-64}; D=${D:-10}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEY=clt_bench_key_$(date +%s)_creates_0123456789
WORK=$(mktemp -d)
PG_DB=clientele_bench_creates_$$
pids=()
[ $# -ge 1 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"

# The server's count of create statements so far, and of creates: "sum count".
statements() { # port
  curl -sf "http://127.0.0.1:$1/metrics" | awk '
    index($0, "clientele_store_write_statements_sum{backend=\"postgres\",write=\"create\"}") == 1 {s=$2}
    index($0, "clientele_store_write_statements_count{backend=\"postgres\",write=\"create\"}") == 1 {n=$2}
    END {print s+0, n+0}'
}

for round in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
    psql "$PG_URL" -qc "CREATE DATABASE $PG_DB"
    CLIENTELE_DATABASE_URL="${PG_URL%/*}/$PG_DB" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
      CLIENTELE_LISTEN=127.0.0.1:18196 "$bin" serve >/dev/null 2>"$WORK/server.log" &
    pids+=($!)
    for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18196/readyz >/dev/null && break; sleep 0.1; done
    read -r s0 n0 < <(statements 18196)
    echo "--- round $round: $bin"
    AUTH="$KEY" "$SHARED/bench/loadgen/run.sh" http://127.0.0.1:18196/v1/customers "$C" "$D" |
      grep -E 'RESULT|first non-2xx'
    read -r s1 n1 < <(statements 18196)
    awk -v s="$s1" -v s0="$s0" -v n="$n1" -v n0="$n0" \
      'BEGIN {if (n > n0) printf "statements per create: %.2f (%d creates)\n", (s - s0) / (n - n0), n - n0}'
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  done
done
