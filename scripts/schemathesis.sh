#!/usr/bin/env bash
# Runs schemathesis (PyPI) with every check against a fresh server on SQLite, driven by the
# server's own /openapi.json. Prints schemathesis' summary; exits with its status.
# Usage: scripts/schemathesis.sh [max-examples=30]   (virtualenv in ${VENV:-.venv-contract})
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-contract}
EXAMPLES=${1:-30}
PORT=${PORT:-18300}
KEY=clt_schemathesis_$(date +%s)_0123456789abcdef
WORK=$(mktemp -d)
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi
(cd "$ROOT" && cargo build --release --quiet)
CLIENTELE_DATABASE_URL="sqlite://$WORK/st.db" CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 \
  CLIENTELE_LISTEN="127.0.0.1:$PORT" "$ROOT/target/release/clientele" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
cd "$WORK"
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
  -H "Authorization: Bearer $KEY" --checks all --max-examples "$EXAMPLES" --workers 2
