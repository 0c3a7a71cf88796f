#!/usr/bin/env bash
# Generates a Python client (openapi-python-client, PyPI) from the document a fresh server
# serves, any generator warning being an error, and drives that server with it
# (scripts/client_check.py): customers, accounts and subscribers on /v1, the bank seed's
# batch on /v2, a login and a customer on the eGain door in JSON. Exits non-zero on the
# first thing that goes wrong.
#
# The generator speaks no XML, so it is given the document without the eGain door's XML
# media types (that door's JSON twin of each body stays); nothing else is changed.
#
# Usage: scripts/client-check.sh   (virtualenv in ${VENV:-.venv-contract}; PROFILE=release)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-contract}
PORT=${PORT:-18301}
PROFILE=${PROFILE:-debug}
SEEDS=${SEEDS:-$ROOT/../shared/seeds}
KEY=clt_clientcheck_$(date +%s)_0123456789abcdef
USER_NAME=client-check-agent
PASSWORD=client-check-password-$(date +%s)
WORK=$(mktemp -d)
if [ ! -x "$VENV/bin/openapi-python-client" ] || ! "$VENV/bin/python" -c "import dateutil" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-python-client>=0.29,<0.30" "python-dateutil>=2.8"
fi
if [ "$PROFILE" = release ]; then
  (cd "$ROOT" && cargo build --release --quiet)
else
  (cd "$ROOT" && cargo build --quiet)
fi
BIN="$ROOT/target/$PROFILE/clientele"
export CLIENTELE_DATABASE_URL="sqlite://$WORK/check.db"
export CLIENTELE_ARGON2_MEMORY_KIB=64 CLIENTELE_ARGON2_ITERATIONS=1
printf '%s\n' "$PASSWORD" | "$BIN" users create --role writer --password-stdin "$USER_NAME" >/dev/null 2>&1
HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY= \
  CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_LISTEN="127.0.0.1:$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

curl -sf "$BASE/openapi.json" | "$VENV/bin/python" -c '
import json, sys
document = json.load(sys.stdin)
for item in document["paths"].values():
    for operation in item.values():
        bodies = [operation.get("requestBody", {}).get("content", {})]
        bodies += [r.get("content", {}) for r in operation["responses"].values()]
        for content in bodies:
            for media in ("application/xml", "text/xml"):
                content.pop(media, None)
json.dump(document, sys.stdout)
' >"$WORK/openapi.json"
# The generator formats what it writes with ruff, which it finds on PATH.
PATH="$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate --path "$WORK/openapi.json" \
  --meta none --output-path "$WORK/clientele_client" --fail-on-warning
PYTHONPATH="$WORK" "$VENV/bin/python" "$ROOT/scripts/client_check.py" \
  "$BASE" "$KEY" "$USER_NAME" "$PASSWORD" "$SEEDS"
