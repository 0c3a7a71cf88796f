#!/usr/bin/env bash
# Bank-door ingest benchmark: customers stored per second through POST /v2/data/customers in
# batches of 50 (one account and one card each), on SQLite and on PostgreSQL.
#
# Usage: bench/bank.sh [connections=8] [seconds=10]
# Needs: wrk (apt-get install wrk), PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change it).
# BENCH_BIN runs a server binary built elsewhere (an earlier commit's, to compare) instead of
# building this checkout; BENCH_BACKENDS="postgres" runs one backend only.
# BENCH_MODE=put stores 64 batches first, then PUTs them again and again, each PUT changing
# every customer's postal code and every account's status (customers updated per second).
# Each run also prints the statements per write the server counted (`/metrics`).
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

MODE=${BENCH_MODE:-post}
BATCHES=64
BIN=${BENCH_BIN:-$ROOT/target/release/clientele}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
[ -n "${BENCH_BIN:-}" ] || (cd "$ROOT" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"

# A customer as bench/bank.lua sends it first: one account, one card.
customer() { # id
  local a="a$1"
  printf '{"sourceCustomerId":"%s","organizationId":"50004","postalCode":"78753","country":"US",' "$1"
  printf '"customerCreationDate":"2017-01-01T08:00:00Z","enrollmentStartDate":"2023-01-01T08:00:00Z",'
  printf '"enrollmentEndDate":null,"enrollmentOptInStatus":"ACTIVE","alertOptInStatus":["ALL"],'
  printf '"targetingIndicator":"TARGET","accounts":[{"sourceAccountId":"%s","sourceCustomerIds":["%s"],' "$a" "$1"
  printf '"primarySourceCustomerId":"%s","status":"OPEN","type":"DDA",' "$1"
  printf '"accountOpenDate":"2018-05-12T20:30:00Z","accountCloseDate":null,'
  printf '"cards":[{"sourceAccountId":"%s","sourceCustomerId":"%s",' "$a" "$1"
  printf '"last4":"2345","iin":"123456","cardType":"CREDIT","status":"OPEN",'
  printf '"networkIdentifier":"3","openDate":"2023-01-01T08:00:00Z","closeDate":null}]}]}'
}

# Stores the batches a PUT run sends again: batch b holds customers s-b-1 … s-b-50.
seed() { # port
  for b in $(seq 0 $((BATCHES - 1))); do
    { printf '{"customers":['
      for i in $(seq 1 50); do [ "$i" -gt 1 ] && printf ','; customer "s-$b-$i"; done
      printf ']}'; } >"$WORK/seed.json"
    curl -sf "http://127.0.0.1:$1/v2/data/customers" -H "Authorization: Bearer $KEY" \
      -H 'Content-Type: application/json' --data-binary @"$WORK/seed.json" >/dev/null
  done
}

# The server's count of write statements so far, and of writes: "sum count".
statements() { # port backend
  curl -sf "http://127.0.0.1:$1/metrics" -H "Authorization: Bearer $KEY" | awk -v b="$2" '
    index($0, "clientele_store_write_statements_sum{backend=\"" b "\",write=\"create\"}") == 1 {s=$2}
    index($0, "clientele_store_write_statements_count{backend=\"" b "\",write=\"create\"}") == 1 {n=$2}
    END {print s+0, n+0}'
}

run() { # name database-url port
  CLIENTELE_DATABASE_URL="$2" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$3" "$BIN" serve >/dev/null 2>"$WORK/$3.log" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && break; sleep 0.1; done
  [ "$MODE" = put ] && seed "$3"
  read -r s0 n0 < <(statements "$3" "$1")
  echo "--- clientele on $1, batches of 50, $MODE"
  AUTH="$KEY" MODE="$MODE" BATCHES="$BATCHES" wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency \
    -s "$ROOT/bench/bank.lua" "http://127.0.0.1:$3/v2/data/customers" | grep -E 'RESULT|first non-2xx'
  read -r s1 n1 < <(statements "$3" "$1")
  awk -v s="$s1" -v s0="$s0" -v n="$n1" -v n0="$n0" \
    'BEGIN {if (n > n0) printf "statements per write: %.1f (%d writes)\n", (s - s0) / (n - n0), n - n0}'
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

case " $BACKENDS " in *" sqlite "*) run sqlite "sqlite://$WORK/bank.db" 18191 ;; esac
case " $BACKENDS " in *" postgres "*)
  psql "$PG_URL" -qc "CREATE DATABASE $PG_DB"
  run postgres "${PG_URL%/*}/$PG_DB" 18192 ;;
esac
