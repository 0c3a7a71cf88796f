#!/usr/bin/env bash
# Instructions per durable create on SQLite, counted by callgrind, and bytes stored per create: steady on a noisy machine
# where creates/s are not, so two builds compare fairly. Prints the instructions per create
# (every thread of the server: HTTP, pipeline, writer) and the costliest functions.
#
# Usage: bench/profile.sh [binary=target/release/clientele] [seconds=20] [connections=8]
# KEEP=FILE keeps the callgrind output there, for callgrind_annotate --inclusive=yes.
# RUST_LOG=info counts the default access log too (warn otherwise).
# Needs: valgrind, wrk, sqlite3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
BIN=${1:-$ROOT/target/release/clientele}; D=${2:-20}; C=${3:-8}
KEY=clt_profile_key_$(date +%s)
WORK=$(mktemp -d)
PORT=18191
cleanup() { kill "${PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; if [ -n "${KEEP:-}" ]; then cp "$WORK/cg.out" "$KEEP"; fi; rm -rf "$WORK"; }
trap cleanup EXIT

CLIENTELE_DATABASE_URL="sqlite://$WORK/p.db" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
  CLIENTELE_LISTEN="127.0.0.1:$PORT" CLIENTELE_LOG_FORMAT=json RUST_LOG=${RUST_LOG:-warn} \
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$BIN" serve >/dev/null 2>"$WORK/server.log" &
PID=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
AUTH="$KEY" "$SHARED/bench/loadgen/run.sh" "http://127.0.0.1:$PORT/v1/customers" "$C" "$D" 1 >"$WORK/wrk.txt"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
CREATES=$(sqlite3 "$WORK/p.db" "SELECT count(*) FROM customers")
sqlite3 "$WORK/p.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
BYTES=$(stat -c %s "$WORK/p.db")
TOTAL=$(callgrind_annotate "$WORK/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "binary: $BIN"
echo "creates: $CREATES in ${D}s at $C connections under callgrind"
echo "instructions: $TOTAL total, $((TOTAL / CREATES)) per create"
echo "database: $BYTES bytes, $((BYTES / CREATES)) per customer"
callgrind_annotate --inclusive=no "$WORK/cg.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -${TOP:-30}
