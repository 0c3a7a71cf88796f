#!/usr/bin/env bash
# Relay benchmark, on SQLite and on PostgreSQL:
#  1. what a sink attached adds to the write path: durable creates through POST /v1/customers
#     (the shared load generator, wrk) with no sink, with a NATS JetStream sink, and with a
#     webhook endpoint — each on a fresh database — and how long the sink still lagged once
#     the load stopped;
#  2. events relayed per second: a sink attached to the backlog the no-sink run left
#     (every event of it): a new NATS stream from the start, then a webhook replayed from 1.
# A broker of its own (nats-server -js on a free port) and a webhook receiver of its own
# (python3's asyncio, answering 200 at once) run on this machine, beside wrk and the server.
#
# Usage: bench/relay.sh [connections=64] [seconds=10]
# Needs: wrk, nats-server, python3, curl, PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
C=${1:-64}; D=${2:-10}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEY=clt_bench_key_$(date +%s)_relay
WORK=$(mktemp -d)
PG_PREFIX=clientele_relay_bench_$$
NATS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOOK_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
server=""

cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in none nats hook; do
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS ${PG_PREFIX}_$db WITH (FORCE)" 2>/dev/null || true
  done
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

now() { date +%s.%N; }

(cd "$ROOT" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"

# The broker and the receiver.
mkdir -p "$WORK/nats"
nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$WORK/nats" >/dev/null 2>&1 &
pids+=($!)
cat >"$WORK/receiver.py" <<'PY'
import asyncio, sys

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()

asyncio.run(main())
PY
python3 "$WORK/receiver.py" "$HOOK_PORT" &
pids+=($!)
sleep 0.5

start_server() { # database-url port [VAR=value…]
  local url=$1 port=$2
  shift 2
  env CLIENTELE_DATABASE_URL="$url" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$port" "$@" "$ROOT/target/release/clientele" serve \
    >/dev/null 2>>"$WORK/server.log" &
  server=$!
  wait_up "http://127.0.0.1:$port/readyz"
}

stop_server() {
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
}

api() { # method path [body]
  curl -sf -X "$1" "http://127.0.0.1:$PORT$2" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' ${3:+-d "$3"}
}

register_hook() { # → the webhook's id
  api POST /v1/webhooks "{\"url\": \"http://127.0.0.1:$HOOK_PORT/hook\", \"events\": [\"*\"]}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

# How far the webhook has come, and the tenant's newest seq.
hook_state() { # id → "deliveredThrough pending"
  api GET "/v1/webhooks/$1" |
    python3 -c 'import json, sys; w = json.load(sys.stdin); print(w["deliveredThrough"], w["pending"])'
}

nats_relayed() { # stream → events the NATS sink has published (this process)
  curl -s "http://127.0.0.1:$PORT/metrics" |
    awk -v s="clientele_relay_events_total{sink=\"nats:$1\"}" '$1 == s {print $2}' | head -n 1
}

nats_lag() { # stream
  curl -s "http://127.0.0.1:$PORT/metrics" |
    awk -v s="clientele_relay_lag{sink=\"nats:$1\"}" '$1 == s {print $2}' | head -n 1
}

# The shared load generator's script, with ids whose digits never run long enough to look
# like a card number (which the API refuses): a nonce of all digits would refuse a whole run.
sed -e 's/local rid = string.format("%s-%04x-4000-8000-%012x", nonce, tid, counter)/local rid = string.format("r%st%dn%d", nonce, tid, counter)/' \
    -e 's/local ext = string.format("cust-%s-%d-%d", nonce, tid, counter)/local ext = string.format("c%st%dn%d", nonce, tid, counter)/' \
    "$SHARED/bench/loadgen/customer.lua" >"$WORK/customer.lua"
grep -q 'r%st%dn%d' "$WORK/customer.lua" && grep -q 'c%st%dn%d' "$WORK/customer.lua" ||
  { echo "the shared customer.lua changed; update bench/relay.sh" >&2; exit 1; }

load() { # label
  echo "--- $1"
  AUTH="$KEY" wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency -s "$WORK/customer.lua" \
    "http://127.0.0.1:$PORT/v1/customers" | grep -E 'RESULT|first non-2xx'
}

# Seconds until `check` (a command) succeeds, polled every 0.1 s, up to 600 s.
time_until() {
  local start
  start=$(now)
  for _ in $(seq 1 6000); do
    if "$@"; then
      python3 -c "print(f'{$(now) - $start:.2f}')"
      return 0
    fi
    sleep 0.1
  done
  echo "never"
}

hook_caught_up() { read -r through pending < <(hook_state "$HOOK_ID"); [ "$pending" = 0 ]; }
nats_caught_up() { [ "$(nats_lag "$STREAM")" = 0 ]; }
nats_all_relayed() { [ "$(nats_relayed "$STREAM")" -ge "$BACKLOG" ] 2>/dev/null; }

bench_backend() { # name url-of(kind) count-events(url) port
  local name=$1 port=$4
  PORT=$port
  # 1. Writes with no sink, with NATS, with a webhook.
  start_server "$($2 none)" "$port"
  load "$name: writes, no sink"
  stop_server
  BACKLOG=$($3 "$($2 none)")

  STREAM=BENCH_${name}_$$
  start_server "$($2 nats)" "$port" CLIENTELE_NATS_URL="nats://127.0.0.1:$NATS_PORT" \
    CLIENTELE_NATS_STREAM="$STREAM" CLIENTELE_NATS_SUBJECT_PREFIX="bench$$$name"
  load "$name: writes, NATS JetStream sink attached"
  echo "    NATS lag gone $(time_until nats_caught_up) s after the load stopped"
  stop_server

  start_server "$($2 hook)" "$port"
  HOOK_ID=$(register_hook)
  load "$name: writes, webhook endpoint attached"
  echo "    webhook queue empty $(time_until hook_caught_up) s after the load stopped"
  stop_server

  # 2. Catching up on the no-sink run's backlog of $BACKLOG events.
  STREAM=BENCH_${name}_catchup_$$
  local secs started
  started=$(now)
  start_server "$($2 none)" "$port" CLIENTELE_NATS_URL="nats://127.0.0.1:$NATS_PORT" \
    CLIENTELE_NATS_STREAM="$STREAM" CLIENTELE_NATS_SUBJECT_PREFIX="bench$$${name}c"
  time_until nats_all_relayed >/dev/null
  # From before the server started: its start is counted in.
  secs=$(python3 -c "print(f'{$(now) - $started:.2f}')")
  echo "--- $name: NATS relay catching up: $BACKLOG events in $secs s = $(python3 -c "print(round($BACKLOG / max($secs, 0.01)))") events/s"
  HOOK_ID=$(register_hook)
  api POST "/v1/webhooks/$HOOK_ID/replay" '{"from": 1}' >/dev/null
  secs=$(time_until hook_caught_up)
  echo "--- $name: webhook relay catching up: $BACKLOG events in $secs s = $(python3 -c "print(round($BACKLOG / max($secs, 0.01)))") events/s"
  stop_server
}

sqlite_url() { echo "sqlite://$WORK/$1.db"; }
sqlite_events() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM events").fetchone()[0])' "${1#sqlite://}"
}
pg_events() { psql "$1" -Atqc "SELECT count(*) FROM events"; }
pg_url() {
  psql "$PG_URL" -qc "CREATE DATABASE ${PG_PREFIX}_$1" >/dev/null 2>&1 || true
  echo "${PG_URL%/*}/${PG_PREFIX}_$1"
}

for backend in ${BACKENDS:-sqlite postgres}; do
  case $backend in
    sqlite) bench_backend sqlite sqlite_url sqlite_events 18191 ;;
    postgres) bench_backend postgres pg_url pg_events 18192 ;;
  esac
done
