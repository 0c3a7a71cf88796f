#!/usr/bin/env bash
# The authenticated read on PostgreSQL, for builds side by side: one scratch database is
# filled with durable creates (the shared load generator, FILL seconds, through the first
# build), then each build named serves it in turn for ROUNDS rounds and wrk reads
# GET /v1/customers?limit=1 (bench/get.lua) for SECONDS; /healthz of the same server is the
# HTTP ceiling beside it.
#
# Usage: bench/pg_reads.sh CONNECTIONS SECONDS NAME=BINARY [NAME=BINARY ...]
#   e.g. ROUNDS=3 bench/pg_reads.sh 64 8 after=target/release/clientele before="$BEFORE"
# Env:   ROUNDS (3), FILL seconds of creates first (10), BENCH_PG (postgres://postgres@127.0.0.1:5432)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
C=${1:?connections}; D=${2:?seconds}; shift 2
ROUNDS=${ROUNDS:-3}; FILL=${FILL:-10}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
KEY=clt_bench_key_$(date +%s)
WORK=$(mktemp -d)
DB=clientele_pgreads_$$
PORT=18296
pid=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
serve() { # binary
  CLIENTELE_DATABASE_URL="$PG/$DB" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$PORT" "$1" serve >/dev/null 2>>"$WORK/server.log" &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return; sleep 0.1; done
  echo "nothing answered on $PORT" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
reads() { # url [key]
  AUTH="${2:-}" wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency -s "$ROOT/bench/get.lua" "$1" |
    grep -E '^RESULT|first non-2xx' | sed 's/^RESULT requests=[0-9]* seconds=[0-9.]* //; s/ max_ms=[0-9.]*//'
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
serve "${1#*=}"
AUTH="$KEY" "$SHARED/bench/loadgen/run.sh" "http://127.0.0.1:$PORT/v1/customers" "$C" "$FILL" | grep RESULT >/dev/null
stop
echo "filled: $(psql "$PG/$DB" -Atc "select count(*) from customers") customers"
for round in $(seq 1 "$ROUNDS"); do
  for spec in "$@"; do
    name=${spec%%=*}; bin=${spec#*=}
    serve "$bin"
    # a short warm-up: each connection of the pool prepares its statements once
    AUTH="$KEY" wrk -t2 -c"$C" -d2s -s "$ROOT/bench/get.lua" "http://127.0.0.1:$PORT/v1/customers?limit=1" >/dev/null
    echo "round $round $name (load $(cut -d' ' -f1 /proc/loadavg)): read $(reads "http://127.0.0.1:$PORT/v1/customers?limit=1" "$KEY")"
    echo "round $round $name: healthz $(reads "http://127.0.0.1:$PORT/healthz")"
    stop
  done
done
