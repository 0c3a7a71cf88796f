#!/usr/bin/env bash
# Checks the served OpenAPI document (its snapshot, tests/snapshots/openapi.json, which a test
# keeps equal to what /openapi.json serves) with openapi-spec-validator from PyPI.
# Usage: scripts/check-openapi.sh   (makes a virtualenv in ${VENV:-.venv-contract} once)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-contract}
if [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator>=0.7,<1"
fi
"$VENV/bin/openapi-spec-validator" "$ROOT/tests/snapshots/openapi.json"
