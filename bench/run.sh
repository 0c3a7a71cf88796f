#!/usr/bin/env bash
# Load benchmark: durable creates per second through POST /v1/customers, measured with the
# shared load generator (wrk), on SQLite and on PostgreSQL, and — when VENV names a virtualenv
# with ../shared/bench/requirements.txt — against the FastAPI reference in the same run.
#
# Usage: bench/run.sh [connections=64] [seconds=15]
# Needs: wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change it).
# BASELINE=/path/to/another/clientele also runs that build, right after this one on each
# backend, so a change is measured against the build before it in the same run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
C=${1:-64}; D=${2:-15}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEY=clt_bench_key_$(date +%s)
WORK=$(mktemp -d)
PG_DB=clientele_bench_$$
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" 2>/dev/null || true
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS ${PG_DB}_baseline WITH (FORCE)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_up() {
  for _ in $(seq 1 100); do
    curl -sf "$1" >/dev/null && return 0
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2
  return 1
}

(cd "$ROOT" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"

run_clientele() { # name database-url port [binary]
  CLIENTELE_DATABASE_URL="$2" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$3" "${4:-$ROOT/target/release/clientele}" serve >/dev/null 2>"$WORK/$3.log" &
  pids+=($!)
  wait_up "http://127.0.0.1:$3/readyz"
  echo "--- clientele on $1"
  AUTH="$KEY" "$SHARED/bench/loadgen/run.sh" "http://127.0.0.1:$3/v1/customers" "$C" "$D" | grep -E 'RESULT|first non-2xx'
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

run_clientele sqlite "sqlite://$WORK/bench.db" 18181
if [ -n "${BASELINE:-}" ]; then
  run_clientele "sqlite (baseline $BASELINE)" "sqlite://$WORK/baseline.db" 18184 "$BASELINE"
fi
psql "$PG_URL" -qc "CREATE DATABASE $PG_DB"
run_clientele postgres "${PG_URL%/*}/$PG_DB" 18182
if [ -n "${BASELINE:-}" ]; then
  psql "$PG_URL" -qc "CREATE DATABASE ${PG_DB}_baseline"
  run_clientele "postgres (baseline $BASELINE)" "${PG_URL%/*}/${PG_DB}_baseline" 18185 "$BASELINE"
fi

if [ -n "${VENV:-}" ]; then
  VENV="$VENV" "$SHARED/bench/fastapi_ref/run.sh" 18183 "$WORK/ref.db" >/dev/null 2>&1 &
  pids+=($!)
  sleep 3
  echo "--- fastapi_ref"
  "$SHARED/bench/loadgen/run.sh" http://127.0.0.1:18183/customers "$C" "$D" | grep -E 'RESULT|first non-2xx'
fi
