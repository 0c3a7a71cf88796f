#!/usr/bin/env bash
# eGain-door benchmark: durable XML creates per second through POST /ws/v12/interaction/customer
# (an individual with a contact person and three contact points, each with its own email),
# on SQLite and on PostgreSQL, behind one agent session.
#
# Usage: bench/egain.sh [connections=64] [seconds=10]
# Needs: wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
C=${1:-64}; D=${2:-10}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEY=clt_bench_key_$(date +%s)_egain_0123456789
WORK=$(mktemp -d)
PG_DB=clientele_bench_egain_$$
PASSWORD=bench-agent-password-1
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"

run() { # name database-url port
  CLIENTELE_DATABASE_URL="$2" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$3" "$ROOT/target/release/clientele" serve >/dev/null 2>"$WORK/$3.log" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && break; sleep 0.1; done
  printf '%s' "$PASSWORD" | CLIENTELE_DATABASE_URL="$2" "$ROOT/target/release/clientele" \
    users create bench-agent --role writer --password-stdin >/dev/null
  SESSION=$(curl -si "http://127.0.0.1:$3/ws/v12/authentication/user/login" \
    -H 'Content-Type: application/json' \
    -d "{\"userName\": \"bench-agent\", \"password\": \"$PASSWORD\"}" |
    awk 'tolower($1) == "x-egain-session:" {print $2}' | tr -d '\r')
  echo "--- clientele on $1, eGain XML creates"
  SESSION="$SESSION" wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency -s "$ROOT/bench/egain.lua" \
    "http://127.0.0.1:$3/ws/v12/interaction/customer" | grep -E 'RESULT|first non-2xx'
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

run sqlite "sqlite://$WORK/egain.db" 18193
psql "$PG_URL" -qc "CREATE DATABASE $PG_DB"
run postgres "${PG_URL%/*}/$PG_DB" 18194
