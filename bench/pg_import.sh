#!/usr/bin/env bash
# `clientele import` on PostgreSQL, binaries side by side: the same generated file (bench/run.sh's
# customers) imported into a fresh scratch database by each binary in turn, for several rounds.
# Besides customers/s it prints the CPU seconds of the import process and of the PostgreSQL
# backends serving it, which move less than wall time when the machine is shared. Ends with a
# COPY ceiling measured as bench/run.sh does it, on the same server.
#
# Usage: bench/pg_import.sh [rows=100000] [rounds=3] BINARY... [-- IMPORT ARGS...]
# Env:   BENCH_PG_URL  a PostgreSQL server that lets its user create databases
#                      (postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}; ROUNDS=${2:-3}; shift 2 || true
BINS=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do BINS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#BINS[@]} -gt 0 ] || BINS=("$ROOT/target/release/clientele")
SHARED=${SHARED:-$ROOT/../shared}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_URL%/*}
WORK=$(mktemp -d)
DBS=()
cleanup() {
  for db in "${DBS[@]}"; do psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"externalId\":\"import-%d\",\"customerSegment\":\"b2b\",\"customName\":\"Demo Customer\",\"customAttributes\":{\"key1\":\"value 1\",\"key2\":\"value 2\"},\"state\":{\"state\":\"ACTIVE\",\"stateReason\":\"active\"}}\n", i }' >"$WORK/customers.ndjson"
TCK=$(getconf CLK_TCK)

one() { # binary [import args]: one import into a fresh database, one line of figures
  local bin=$1; shift
  local db=clientele_bench_imp_$$_$RANDOM
  DBS+=("$db")
  psql "$PG_URL" -qc "CREATE DATABASE $db"
  local s e pid
  declare -A ticks=()
  s=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$WORK/time" "$bin" --database-url "$PG_BASE/$db" import \
    "$WORK/customers.ndjson" --rejects "$WORK/rejects" "$@" >"$WORK/out" 2>&1 &
  pid=$!
  # The backends' CPU, read until the import ends (they end with it).
  while kill -0 "$pid" 2>/dev/null; do
    for p in $(psql "$PG_URL" -tAc "SELECT pid FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null); do
      t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && [ -n "$t" ] && ticks[$p]=$t
    done
    sleep 0.2
  done
  wait "$pid" || { cat "$WORK/out" >&2; exit 1; }
  e=$(date +%s.%N)
  grep -q "^stored $N, replayed 0, rejected 0," "$WORK/out" || { cat "$WORK/out" >&2; exit 1; }
  local b=0; for p in "${!ticks[@]}"; do b=$((b + ticks[$p])); done
  read -r cu cs <"$WORK/time"
  awk -v bin="$bin" -v n="$N" -v s="$s" -v e="$e" -v cu="$cu" -v cs="$cs" -v b="$b" -v t="$TCK" \
    -v ld="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%s: %.0f customers/s, %.2f s, import CPU %.2f s, backend CPU %.2f s, load %s\n",
             bin, n / (e - s), e - s, cu + cs, b / t, ld }'
  psql "$PG_URL" -qc "DROP DATABASE $db WITH (FORCE)"
}

echo "# $N customers, $ROUNDS rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for r in $(seq "$ROUNDS"); do
  for bin in "${BINS[@]}"; do one "$bin" "$@"; done
done

db=clientele_bench_copy_$$
DBS+=("$db")
psql "$PG_URL" -qc "CREATE DATABASE $db"
psql "$PG_BASE/$db" -qf "$SHARED/bench/limits/pg/schema.sql"
psql "$PG_BASE/$db" -qc "\\copy (SELECT gen_random_uuid(), 'cust-' || g, 'b2b', 'Demo Customer', \
'{\"key1\":\"value 1\",\"key2\":\"value 2\"}', 'ACTIVE', 'active' FROM generate_series(1, $N) g) TO '$WORK/rows.csv' WITH (FORMAT csv)"
psql "$PG_BASE/$db" -qc "CHECKPOINT"
s=$(date +%s.%N)
psql "$PG_BASE/$db" -qc "\\copy customers_copy (request_id, external_id, customer_segment, custom_name, \
custom_attributes, state, state_reason) FROM '$WORK/rows.csv' WITH (FORMAT csv)"
e=$(date +%s.%N)
awk -v n="$N" -v s="$s" -v e="$e" -v ld="$(cut -d' ' -f1 /proc/loadavg)" \
  'BEGIN { printf "COPY ceiling: %.0f rows/s, load %s\n", n / (e - s), ld }'
