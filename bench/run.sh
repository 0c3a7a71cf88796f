#!/usr/bin/env bash
# The benchmark, in one run from a fresh clone: every figure of issue 10 beside its target,
# measured one after the other on the same machine so they compare, then appended as a dated
# block to bench/RESULTS.md.
#
#   storage ceilings (../shared/bench/limits): SQLite one commit per row, SQLite batched
#     inserts (1,000 rows a transaction, WAL + FULL), pgbench one INSERT per transaction with
#     16 clients, COPY of N rows (client-side, COPY FROM STDIN, into the same indexed table);
#   HTTP (wrk): durable idempotent creates through POST /v1/customers with the shared load
#     generator, on SQLite and on PostgreSQL, and against the FastAPI reference; the HTTP
#     ceiling (GET /healthz); the authenticated read rate (GET /v1/customers?limit=1);
#     the server's peak RSS under that load (VmHWM from /proc) and database bytes a customer;
#   bulk import: `clientele import` of N generated customers (ndjson) into a fresh SQLite
#     database and a fresh PostgreSQL database;
#   scale: the same creates again on each imported database (N customers stored), their
#     rate and the server's peak RSS over the empty database's;
#   the disk's own fsync tail (bench/fsync_tail.py), which no create's p99 can beat.
# The eGain and bank doors have their own scripts (bench/egain.sh, bench/bank.sh); they are
# left to them. PostgreSQL figures use scratch databases on BENCH_PG_URL's server, which the
# script creates and drops.
#
# Usage: bench/run.sh [connections=64] [seconds=15]
# Env:   BENCH_IMPORT_N=N  customers imported, and rows of the batched-insert and COPY ceilings
#                          (1000000)
#        BENCH_PG_URL      a PostgreSQL server that lets its user create databases
#                          (postgres://postgres@127.0.0.1:5432/postgres)
#        BENCH_RECORD=0    prints the block without appending it to bench/RESULTS.md
#        VENV=DIR          the FastAPI reference's virtualenv (made with its requirements when
#                          missing; target/bench-venv by default)
#        BASELINE=BINARY   also runs another clientele build's creates right after this one's,
#                          on each backend, so a change is measured against the build before it
# Installs when missing: wrk and the PostgreSQL client (apt-get), the virtualenv (pip).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
C=${1:-64}; D=${2:-15}
N=${BENCH_IMPORT_N:-1000000}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_URL%/*}
VENV=${VENV:-$ROOT/target/bench-venv}
BIN=$ROOT/target/release/clientele
KEY=clt_bench_key_$(date +%s)_0123456789abcdef
WORK=$(mktemp -d)
DB_HTTP=clientele_bench_$$
DB_LIMITS=clientele_bench_limits_$$
DB_IMPORT=clientele_bench_import_$$
DB_BASELINE=clientele_bench_baseline_$$
STARTED=$(date -u +%Y-%m-%dT%H:%MZ)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for db in "$DB_HTTP" "$DB_LIMITS" "$DB_IMPORT" "$DB_BASELINE"; do
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- what the run needs ---------------------------------------------------------------------
apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -q "$@" >/dev/null || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$@" >/dev/null; }
}
command -v wrk >/dev/null || { echo "installing wrk"; apt_install wrk; }
[ -x /usr/bin/time ] || { echo "installing time"; apt_install time; }
command -v pgbench >/dev/null && command -v psql >/dev/null || { echo "installing postgresql-client"; apt_install postgresql-client; }
if [ ! -x "$VENV/bin/uvicorn" ]; then
  echo "making the FastAPI reference's virtualenv in $VENV"
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install -q -r "$SHARED/bench/requirements.txt"
fi
psql "$PG_URL" -qAtc "SELECT 1" >/dev/null || { echo "no PostgreSQL at $PG_URL" >&2; exit 1; }

echo "building the release binary and the storage limits"
(cd "$ROOT" && cargo build --release --locked --quiet)
CARGO_TARGET_DIR=$ROOT/target/limits cargo build --release --locked --quiet \
  --manifest-path "$SHARED/bench/limits/Cargo.toml"
LIMITS_BIN=$ROOT/target/limits/release/sqlite-limits

PG_VERSION=$(psql "$PG_URL" -qAtc "SHOW server_version")
MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), \
$(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), PostgreSQL $PG_VERSION"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $MACHINE; load average $LOAD_BEFORE; $STARTED"

# --- helpers --------------------------------------------------------------------------------
# A figure of a RESULT line (the shared load generator's, or bench/get.lua's).
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" <<<"$2"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
wait_up() {
  for _ in $(seq 1 300); do
    curl -sf "$1" >/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answered at $1" >&2
  return 1
}
# wrk's RESULT line for a run, told on stderr as well.
load() { # label output-name wrk-args...
  local label=$1 out=$WORK/$2.txt; shift 2
  "$@" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
  local line; line=$(grep '^RESULT' "$out")
  echo "    $label: $(field rps "$line")/s, p50 $(field p50_ms "$line") ms, p99 $(field p99_ms "$line") ms, non-2xx $(field non2xx "$line"), socket errors $(field socket_errors "$line")" >&2
  # Kept in the figures, but said at once: a refused request is not the work measured.
  grep 'first non-2xx' "$out" >&2 || true
  echo "$line"
}
creates() { # label name url
  # What the steps before left dirty (a million-row ceiling, an import) is flushed first, so
  # its writeback does not land in this run's fsyncs and so in its p99.
  sync; sleep 2
  AUTH="$KEY" load "$1" "$2" "$SHARED/bench/loadgen/run.sh" "$3" "$C" "$D"
}
gets() { # label name url [key]
  AUTH="${4:-}" load "$1" "$2" wrk -t2 -c"$C" -d"${D}s" --timeout 10s --latency -s "$ROOT/bench/get.lua" "$3"
}
serve() { # database-url port binary
  CLIENTELE_DATABASE_URL="$1" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
    CLIENTELE_LISTEN="127.0.0.1:$2" "$3" serve >/dev/null 2>"$WORK/server-$2.log" &
  pids+=($!)
  wait_up "http://127.0.0.1:$2/readyz"
}
stop() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }
peak_rss_mb() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
sqlite_bytes() { # file: bytes of the database and its WAL, after a checkpoint; and its customers
  python3 - "$1" <<'EOF'
import os, sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
customers = db.execute("SELECT count(*) FROM customers").fetchone()[0]
db.close()
size = sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))
print(size, customers)
EOF
}
pg_bytes() { # database: its size and its customers
  psql "$PG_BASE/$1" -qAtc "SELECT pg_database_size(current_database()), (SELECT count(*) FROM customers)" | tr '|' ' '
}

# --- storage ceilings -----------------------------------------------------------------------
echo "--- storage ceilings"
"$LIMITS_BIN" "$WORK/limits" "$N" >"$WORK/limits.txt"
rm -rf "$WORK/limits"
SQLITE_BATCHED=$(sed -n 's/^(b).*-> \([0-9]*\) rows\/s/\1/p' "$WORK/limits.txt")
SQLITE_COMMITS=$(sed -n 's/^(c).*-> \([0-9]*\) commits\/s/\1/p' "$WORK/limits.txt")
echo "    SQLite: $SQLITE_BATCHED rows/s in 1,000-row transactions, $SQLITE_COMMITS commits/s one row each"

psql "$PG_URL" -qc "CREATE DATABASE $DB_LIMITS"
psql "$PG_BASE/$DB_LIMITS" -qf "$SHARED/bench/limits/pg/schema.sql"
pgbench -n -c 16 -j 2 -T "$D" -f "$SHARED/bench/limits/pg/insert.sql" "$PG_BASE/$DB_LIMITS" >"$WORK/pgbench.txt" 2>&1 \
  || { cat "$WORK/pgbench.txt" >&2; exit 1; }
PGBENCH_TPS=$(awk '/^tps = / {printf "%.0f", $3}' "$WORK/pgbench.txt")
psql "$PG_BASE/$DB_LIMITS" -qc "\\copy (SELECT gen_random_uuid(), 'cust-' || g, 'b2b', 'Demo Customer', \
'{\"key1\":\"value 1\",\"key2\":\"value 2\"}', 'ACTIVE', 'active' FROM generate_series(1, $N) g) TO '$WORK/rows.csv' WITH (FORMAT csv)"
psql "$PG_BASE/$DB_LIMITS" -qc "CHECKPOINT"
S=$(date +%s.%N)
psql "$PG_BASE/$DB_LIMITS" -qc "\\copy customers_copy (request_id, external_id, customer_segment, custom_name, \
custom_attributes, state, state_reason) FROM '$WORK/rows.csv' WITH (FORMAT csv)"
E=$(date +%s.%N)
rm -f "$WORK/rows.csv"
COPY_RATE=$(calc "$N / ($E - $S)" 0)
psql "$PG_URL" -qc "DROP DATABASE $DB_LIMITS WITH (FORCE)"
echo "    PostgreSQL: pgbench $PGBENCH_TPS tps (16 clients), COPY $COPY_RATE rows/s"

# The disk alone, just before the SQLite creates and on the same file system: how often a
# commit's fsync stalls, which sets a floor under every backend's create p99.
echo "--- the disk's fsync tail"
sync; sleep 2
python3 "$ROOT/bench/fsync_tail.py" "$WORK" "$D" >"$WORK/disk.txt"
DISK=$(grep 'phase=alone' "$WORK/disk.txt"); DISK_BUSY=$(grep 'phase=beside-writes' "$WORK/disk.txt")
disk_line() { echo "p50 $(field p50_ms "$1") ms, p99 $(field p99_ms "$1") ms, max $(field max_ms "$1") ms, $(field over_10ms "$1") of $(field calls "$1") over 10 ms"; }
echo "    fdatasync of 64 KiB alone: $(disk_line "$DISK")"
echo "    beside 800 KiB written and fsynced every 20 ms: $(disk_line "$DISK_BUSY")"

# --- HTTP -----------------------------------------------------------------------------------
echo "--- clientele on SQLite"
serve "sqlite://$WORK/http.db" 18181 "$BIN"
SQ_CREATE=$(creates "creates" sqlite-creates "http://127.0.0.1:18181/v1/customers")
# after creates alone, as the run with N stored measures it
SQ_CREATE_RSS=$(peak_rss_mb "${pids[-1]}")
HEALTHZ=$(gets "GET /healthz" healthz "http://127.0.0.1:18181/healthz")
SQ_READ=$(gets "GET /v1/customers?limit=1" sqlite-reads "http://127.0.0.1:18181/v1/customers?limit=1" "$KEY")
SQ_RSS=$(peak_rss_mb "${pids[-1]}")
stop
SIZE=$(sqlite_bytes "$WORK/http.db"); read -r SQ_BYTES SQ_CUSTOMERS <<<"$SIZE"
echo "    peak RSS $SQ_RSS MB; $SQ_CUSTOMERS customers, $((SQ_BYTES / SQ_CUSTOMERS)) bytes each"
if [ -n "${BASELINE:-}" ]; then
  serve "sqlite://$WORK/baseline.db" 18184 "$BASELINE"
  SQ_BASE=$(creates "creates, $BASELINE" sqlite-baseline "http://127.0.0.1:18184/v1/customers")
  stop
fi

echo "--- clientele on PostgreSQL"
psql "$PG_URL" -qc "CREATE DATABASE $DB_HTTP"
serve "$PG_BASE/$DB_HTTP" 18182 "$BIN"
SIZE=$(pg_bytes "$DB_HTTP"); read -r PG_BYTES_EMPTY _ <<<"$SIZE"
PG_CREATE=$(creates "creates" pg-creates "http://127.0.0.1:18182/v1/customers")
PG_CREATE_RSS=$(peak_rss_mb "${pids[-1]}")
PG_READ=$(gets "GET /v1/customers?limit=1" pg-reads "http://127.0.0.1:18182/v1/customers?limit=1" "$KEY")
PG_RSS=$(peak_rss_mb "${pids[-1]}")
stop
SIZE=$(pg_bytes "$DB_HTTP"); read -r PG_BYTES PG_CUSTOMERS <<<"$SIZE"
PG_BYTES=$((PG_BYTES - PG_BYTES_EMPTY))
psql "$PG_URL" -qc "DROP DATABASE $DB_HTTP WITH (FORCE)"
echo "    peak RSS $PG_RSS MB; $PG_CUSTOMERS customers, $((PG_BYTES / PG_CUSTOMERS)) bytes each"
if [ -n "${BASELINE:-}" ]; then
  psql "$PG_URL" -qc "CREATE DATABASE $DB_BASELINE"
  serve "$PG_BASE/$DB_BASELINE" 18185 "$BASELINE"
  PG_BASE_CREATE=$(creates "creates, $BASELINE" pg-baseline "http://127.0.0.1:18185/v1/customers")
  stop
  psql "$PG_URL" -qc "DROP DATABASE $DB_BASELINE WITH (FORCE)"
fi

echo "--- FastAPI reference"
VENV="$VENV" "$SHARED/bench/fastapi_ref/run.sh" 18183 "$WORK/ref/customers.db" >/dev/null 2>"$WORK/ref.log" &
pids+=($!)
wait_up http://127.0.0.1:18183/openapi.json
REF_CREATE=$(creates "creates" ref-creates "http://127.0.0.1:18183/customers")
stop

# --- bulk import ----------------------------------------------------------------------------
echo "--- bulk import of $N customers"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"externalId\":\"import-%d\",\"customerSegment\":\"b2b\",\"customName\":\"Demo Customer\",\"customAttributes\":{\"key1\":\"value 1\",\"key2\":\"value 2\"},\"state\":{\"state\":\"ACTIVE\",\"stateReason\":\"active\"}}\n", i }' >"$WORK/customers.ndjson"
run_import() { # name database-url: customers/s over the whole command, and its peak RSS in MB
  local s e
  s=$(date +%s.%N)
  CLIENTELE_DATABASE_URL="$2" /usr/bin/time -f %M -o "$WORK/$1.rss" \
    "$BIN" import "$WORK/customers.ndjson" >"$WORK/$1.out" 2>"$WORK/$1.err" || { cat "$WORK/$1.err" >&2; exit 1; }
  e=$(date +%s.%N)
  grep -q "^stored $N, replayed 0, rejected 0," "$WORK/$1.out" || { cat "$WORK/$1.out" "$WORK/$1.err" >&2; exit 1; }
  echo "$(calc "$N / ($e - $s)" 0) $(calc "$(cat "$WORK/$1.rss") / 1024" 0)"
}
FIGURES=$(run_import sqlite-import "sqlite://$WORK/import.db"); read -r IM_SQ IM_SQ_RSS <<<"$FIGURES"
SIZE=$(sqlite_bytes "$WORK/import.db"); read -r IM_SQ_BYTES _ <<<"$SIZE"
echo "    SQLite: $IM_SQ customers/s, peak RSS $IM_SQ_RSS MB, $((IM_SQ_BYTES / N)) bytes a customer"
# The issue's scale check: the same creates with the imported customers stored.
serve "sqlite://$WORK/import.db" 18186 "$BIN"
SQ_FULL=$(creates "creates with $N stored" sqlite-full "http://127.0.0.1:18186/v1/customers")
SQ_FULL_RSS=$(peak_rss_mb "${pids[-1]}")
stop
rm -f "$WORK"/import.db*
echo "    peak RSS $SQ_FULL_RSS MB"
psql "$PG_URL" -qc "CREATE DATABASE $DB_IMPORT"
FIGURES=$(run_import pg-import "$PG_BASE/$DB_IMPORT"); read -r IM_PG IM_PG_RSS <<<"$FIGURES"
SIZE=$(pg_bytes "$DB_IMPORT"); read -r IM_PG_BYTES _ <<<"$SIZE"
# the schema of an empty database, as the HTTP run measured it, is no customer's
IM_PG_BYTES=$((IM_PG_BYTES - PG_BYTES_EMPTY))
echo "    PostgreSQL: $IM_PG customers/s, peak RSS $IM_PG_RSS MB, $((IM_PG_BYTES / N)) bytes a customer"
serve "$PG_BASE/$DB_IMPORT" 18187 "$BIN"
PG_FULL=$(creates "creates with $N stored" pg-full "http://127.0.0.1:18187/v1/customers")
PG_FULL_RSS=$(peak_rss_mb "${pids[-1]}")
stop
psql "$PG_URL" -qc "DROP DATABASE $DB_IMPORT WITH (FORCE)"
echo "    peak RSS $PG_FULL_RSS MB"

# --- the block ------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
SQ_RPS=$(field rps "$SQ_CREATE"); PG_RPS=$(field rps "$PG_CREATE"); REF_RPS=$(field rps "$REF_CREATE")
SQ_P99=$(field p99_ms "$SQ_CREATE"); READ_RPS=$(field rps "$SQ_READ")
RSS_MAX=$((SQ_RSS > PG_RSS ? SQ_RSS : PG_RSS))
SQ_FULL_RPS=$(field rps "$SQ_FULL"); PG_FULL_RPS=$(field rps "$PG_FULL")
# peak RSS after the same creates, with N stored over empty: the larger of the two backends'
RSS_GROWTH=$(calc "($SQ_FULL_RSS * $PG_CREATE_RSS > $PG_FULL_RSS * $SQ_CREATE_RSS) ? $SQ_FULL_RSS / $SQ_CREATE_RSS : $PG_FULL_RSS / $PG_CREATE_RSS")
# A row: what, figure, target, figure over target, and whether it meets it.
row() { # what figure target ratio ge|le
  local met
  if awk "BEGIN { exit !($4 $([ "$5" = ge ] && echo '>=' || echo '<=') 1) }"; then met=met; else met=missed; fi
  echo "| $1 | $2 | $3 | $4 | $met |"
}
http_row() { # server line
  echo "| $1 | $(calc "$(field rps "$2")" 0) | $(field p50_ms "$2") ms | $(field p99_ms "$2") ms | $(field non2xx "$2") / $(field socket_errors "$2") |"
}
{
  echo "## $(date -u +%Y-%m-%d), bench/run.sh: every figure against its target"
  echo
  NICE=$(nice); [ "$NICE" = 0 ] && NICE="" || NICE="nice -n $NICE "
  echo "\`BENCH_IMPORT_N=$N ${NICE}bench/run.sh $C $D\`, started $STARTED — $MACHINE; load average"
  echo "$LOAD_BEFORE before the run, $LOAD_AFTER after it. wrk (2 threads, $C connections, $D s),"
  echo "the server and PostgreSQL share the machine's cores; rate limit off."
  echo
  echo "| figure | measured | target | measured / target | |"
  echo "|---|---|---|---|---|"
  row "SQLite creates/s over the FastAPI reference's" "$(calc "$SQ_RPS / $REF_RPS" 1)×" "≥ 15×" "$(calc "$SQ_RPS / $REF_RPS / 15")" ge
  row "SQLite creates/s over the authenticated read rate" "$(calc "$SQ_RPS / $READ_RPS")" "≥ 0.5" "$(calc "$SQ_RPS / $READ_RPS / 0.5")" ge
  row "SQLite create p99" "$SQ_P99 ms" "≤ 10 ms" "$(calc "$SQ_P99 / 10")" le
  row "PostgreSQL creates/s over pgbench's tps" "$(calc "$PG_RPS / $PGBENCH_TPS")×" "≥ 1×" "$(calc "$PG_RPS / $PGBENCH_TPS")" ge
  row "peak RSS of the server under load (the larger backend's)" "$RSS_MAX MB" "≤ 150 MB" "$(calc "$RSS_MAX / 150")" le
  row "SQLite creates/s with $N stored over an empty database's" "$(calc "$SQ_FULL_RPS / $SQ_RPS")" "≥ 0.8" "$(calc "$SQ_FULL_RPS / $SQ_RPS / 0.8")" ge
  row "PostgreSQL creates/s with $N stored over an empty database's" "$(calc "$PG_FULL_RPS / $PG_RPS")" "≥ 0.8" "$(calc "$PG_FULL_RPS / $PG_RPS / 0.8")" ge
  row "server peak RSS after creates, $N stored over an empty database (the larger ratio)" "$(calc "$RSS_GROWTH")" "flat (≤ 1.2)" "$(calc "$RSS_GROWTH / 1.2")" le
  row "SQLite import over batched inserts" "$(calc "$IM_SQ / $SQLITE_BATCHED")" "≥ 0.5" "$(calc "$IM_SQ / $SQLITE_BATCHED / 0.5")" ge
  row "PostgreSQL import over COPY" "$(calc "$IM_PG / $COPY_RATE")" "≥ 0.5" "$(calc "$IM_PG / $COPY_RATE / 0.5")" ge
  echo
  echo "The disk alone, just before the SQLite creates (\`bench/fsync_tail.py\`, $(field seconds "$DISK") s a phase): fdatasync"
  echo "of 64 KiB appends $(disk_line "$DISK"); beside 800 KiB written and"
  echo "fsynced every 20 ms, as checkpoints do under load, $(disk_line "$DISK_BUSY")."
  echo "Every create queued behind a stalled commit waits with it, on either backend."
  echo
  echo "| HTTP, $C connections | requests/s | p50 | p99 | non-2xx / socket errors |"
  echo "|---|---|---|---|---|"
  http_row "clientele, SQLite: POST /v1/customers" "$SQ_CREATE"
  [ -z "${SQ_BASE:-}" ] || http_row "baseline $BASELINE, SQLite: POST /v1/customers" "$SQ_BASE"
  http_row "clientele, SQLite: POST /v1/customers, $N customers stored" "$SQ_FULL"
  http_row "clientele, PostgreSQL: POST /v1/customers" "$PG_CREATE"
  http_row "clientele, PostgreSQL: POST /v1/customers, $N customers stored" "$PG_FULL"
  [ -z "${PG_BASE_CREATE:-}" ] || http_row "baseline $BASELINE, PostgreSQL: POST /v1/customers" "$PG_BASE_CREATE"
  http_row "FastAPI reference: POST /customers" "$REF_CREATE"
  http_row "clientele, SQLite: GET /v1/customers?limit=1" "$SQ_READ"
  http_row "clientele, PostgreSQL: GET /v1/customers?limit=1" "$PG_READ"
  http_row "clientele: GET /healthz (the HTTP ceiling)" "$HEALTHZ"
  echo
  echo "| storage and import | rows/s | peak RSS | bytes a customer |"
  echo "|---|---|---|---|"
  echo "| SQLite, one commit a row (limits) | $SQLITE_COMMITS | | |"
  echo "| SQLite, 1,000 rows a transaction, $N rows (limits) | $SQLITE_BATCHED | | |"
  echo "| PostgreSQL, pgbench one INSERT a transaction, 16 clients | $PGBENCH_TPS | | |"
  echo "| PostgreSQL, COPY FROM STDIN of $N rows | $COPY_RATE | | |"
  echo "| \`clientele import\` of $N customers, SQLite | $IM_SQ | $IM_SQ_RSS MB | $((IM_SQ_BYTES / N)) |"
  echo "| \`clientele import\` of $N customers, PostgreSQL | $IM_PG | $IM_PG_RSS MB | $((IM_PG_BYTES / N)) |"
  echo "| HTTP creates, SQLite server | $(calc "$SQ_RPS" 0) | $SQ_RSS MB | $((SQ_BYTES / SQ_CUSTOMERS)) |"
  echo "| HTTP creates, PostgreSQL server | $(calc "$PG_RPS" 0) | $PG_RSS MB | $((PG_BYTES / PG_CUSTOMERS)) |"
  echo "| HTTP creates alone, SQLite server, empty database | | $SQ_CREATE_RSS MB | |"
  echo "| HTTP creates, SQLite server, $N customers stored | $(calc "$SQ_FULL_RPS" 0) | $SQ_FULL_RSS MB | |"
  echo "| HTTP creates alone, PostgreSQL server, empty database | | $PG_CREATE_RSS MB | |"
  echo "| HTTP creates, PostgreSQL server, $N customers stored | $(calc "$PG_FULL_RPS" 0) | $PG_FULL_RSS MB | |"
} >"$WORK/block.md"
echo
cat "$WORK/block.md"
if [ "${BENCH_RECORD:-1}" != 0 ]; then
  { echo; cat "$WORK/block.md"; } >>"$ROOT/bench/RESULTS.md"
  echo
  echo "appended to bench/RESULTS.md"
fi
