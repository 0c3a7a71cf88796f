#!/usr/bin/env bash
# Bank-door ingest benchmark: customers stored per second through POST /v2/data/customers in
# batches of 50 (one account and one card each), on SQLite and on PostgreSQL.
#
# Usage: bench/bank.sh [connections=8] [seconds=10]
# Needs: wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change it).
# BENCH_BIN runs a server binary built elsewhere (an earlier commit's, to compare) instead of
# building this checkout; BENCH_BACKENDS="postgres" runs one backend only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
C=${1:-8}; D=${2:-10}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEY=clt_bench_key_$(date +%s)_bank_0123456789
WORK=$(mktemp -d)
PG_DB=clientele_bench_bank_$$
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

BIN=${BENCH_BIN:-$ROOT/target/release/clientele}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
[ -n "${BENCH_BIN:-}" ] || (cd "$ROOT" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"

run() { # name database-url port
  CLIENTELE_DATABASE_URL="$2" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$3" "$BIN" serve >/dev/null 2>"$WORK/$3.log" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && break; sleep 0.1; done
  echo "--- clientele on $1, batches of 50"
  AUTH="$KEY" wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency -s "$ROOT/bench/bank.lua" \
    "http://127.0.0.1:$3/v2/data/customers" | grep -E 'RESULT|first non-2xx'
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

case " $BACKENDS " in *" sqlite "*) run sqlite "sqlite://$WORK/bank.db" 18191 ;; esac
case " $BACKENDS " in *" postgres "*)
  psql "$PG_URL" -qc "CREATE DATABASE $PG_DB"
  run postgres "${PG_URL%/*}/$PG_DB" 18192 ;;
esac
