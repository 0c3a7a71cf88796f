#!/usr/bin/env bash
# Crash safety: a mixed load of creates on every door (native customers, accounts and
# subscribers by profile, eGain XML customers, bank batches) against the release binary,
# the server SIGKILLed at random moments and restarted, and after every restart a check
# that every acknowledged write is there and nothing half-written is (bench/crash.py).
# Runs on SQLite, then on a scratch PostgreSQL database made for the run and dropped after.
#
# Usage: bench/crash.sh [kills per backend=20] [workers=8]
# Needs: python3, psql, PostgreSQL on 127.0.0.1:5432 (BENCH_PG_URL to change it).
# Exits non-zero if any check failed on any backend.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KILLS=${1:-20}; WORKERS=${2:-8}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d)
PG_DB=clientele_crash_$$_$(date +%s)

cleanup() {
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build --release --quiet)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "command: bench/crash.sh $KILLS $WORKERS"

status=0
run() { # database-url
  python3 "$ROOT/bench/crash.py" --binary "$ROOT/target/release/clientele" \
    --database-url "$1" --kills "$KILLS" --workers "$WORKERS" --log "$WORK/server.log" ||
    status=1
}

run "sqlite://$WORK/crash.db"
psql "$PG_URL" -qc "CREATE DATABASE $PG_DB"
run "${PG_URL%/*}/$PG_DB"
if [ "$status" -ne 0 ]; then
  echo "violations found; the servers' logs:"; tail -n 50 "$WORK/server.log"
fi
exit "$status"
