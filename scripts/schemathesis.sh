#!/usr/bin/env bash
# Runs schemathesis (PyPI) with every check against a fresh server on SQLite, driven by the
# server's own /openapi.json: the native door (/v1), the bank door (/v2) and the eGain door's
# JSON and XML operations, the last in a session of a user made for the run. Prints
# schemathesis' summary; exits with its status.
#
# What is excused, and only on the operations it concerns (the document says so too): a
# schema-valid body refused by the rules the schema cannot state — 422 on /v1 and /v2 (the
# catalog's profiles, segments, states and reasons, references between objects, each door's
# field rules), 400 on the eGain door, which answers a broken rule so (eGain's `400-xxx`),
# there also for a search that names neither an email nor a phone, which no parameter
# schema can require.
#
# Usage: scripts/schemathesis.sh [max-examples=30]   (virtualenv in ${VENV:-.venv-contract};
#        PROFILE=release to test an optimised build; SEED=n to repeat a run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-contract}
EXAMPLES=${1:-30}
PORT=${PORT:-18300}
PROFILE=${PROFILE:-debug}
SEEDS=${SEEDS:-$ROOT/../shared/seeds}
KEY=clt_schemathesis_$(date +%s)_0123456789abcdef
USER_NAME=schemathesis-agent
PASSWORD=schemathesis-password-$(date +%s)
WORK=$(mktemp -d)
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi
if [ "$PROFILE" = release ]; then
  (cd "$ROOT" && cargo build --release --quiet)
else
  (cd "$ROOT" && cargo build --quiet)
fi
BIN="$ROOT/target/$PROFILE/clientele"
export CLIENTELE_DATABASE_URL="sqlite://$WORK/st.db"
# Cheap password hashes: the run logs in again whenever the fuzzer ends its session.
export CLIENTELE_ARGON2_MEMORY_KIB=64 CLIENTELE_ARGON2_ITERATIONS=1
printf '%s\n' "$PASSWORD" | "$BIN" users create --role writer --password-stdin "$USER_NAME" >/dev/null
# Webhooks the fuzzer registers name hosts anywhere: their deliveries go to a closed port here.
HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY= \
  CLIENTELE_ADMIN_KEY="$KEY" CLIENTELE_RATE_LIMIT=0 CLIENTELE_LISTEN="127.0.0.1:$PORT" \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

# One object of each kind, so operations on an id reach a stored object (and their 200
# answers are checked against the schema) rather than only 404s.
post() { curl -sf -X POST -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$BASE$1" -d "$2"; }
member() { "$VENV/bin/python" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
CUSTOMER=$(post /v1/customers '{"customerSegment": "b2b", "state": {"state": "ACTIVE", "stateReason": "active"}}' | member '["id"]')
ACCOUNT=$(post /v1/accounts '{"accountProfile": "standard"}' | member '["id"]')
SUBSCRIBER=$(post /v1/subscribers "{\"account\": {\"refId\": \"$ACCOUNT\"}, \"subscriberSegment\": \"topUploader\", \"state\": {\"state\": \"ACTIVE\", \"stateReason\": \"dfltActive\"}}" | member '["id"]')
BANK_BATCH=$("$VENV/bin/python" -c '
import json, sys
text = open(sys.argv[1]).read()
print(json.dumps(json.JSONDecoder().raw_decode(text[text.index("{"):])[0]))
' "$SEEDS/bank-data-create-customers.txt")
post /v2/data/customers "$BANK_BATCH" >/dev/null
BANK_CUSTOMER=$(printf '%s' "$BANK_BATCH" | member '["customers"][0]["sourceCustomerId"]')
SESSION=$(curl -sf -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
  "$BASE/ws/v12/authentication/user/login" \
  -d "{\"userName\": \"$USER_NAME\", \"password\": \"$PASSWORD\"}" |
  tr -d '\r' | sed -n 's/^[Xx]-[Ee][Gg]ain-[Ss]ession: //p')
EGAIN_BODY=$("$VENV/bin/python" -c '
import sys
text = open(sys.argv[1]).read()
print(next(p.split("\n\nResponse\n")[0] for p in text.split("Request body\n\n")[1:] if p.lstrip().startswith("{")))
' "$SEEDS/egain-v12-create-individual-customer.txt")
EGAIN_CUSTOMER=$(curl -sf -D - -o /dev/null -X POST -H "X-egain-session: $SESSION" \
  -H 'Content-Type: application/json' "$BASE/ws/v12/interaction/customer" -d "$EGAIN_BODY" |
  tr -d '\r' | sed -n 's/^[Ll]ocation: .*\///p')
for value in "$CUSTOMER" "$ACCOUNT" "$SUBSCRIBER" "$BANK_CUSTOMER" "$EGAIN_CUSTOMER"; do
  [ -n "$value" ] || { echo "could not store the objects the run starts from" >&2; exit 1; }
done

RULED='^(create(Customer|Account|Subscriber|Webhook)|patch(Customer|Account|Subscriber|Webhook)|change(Customer|Account|Subscriber)State|putCatalog|replayWebhook|(post|put)BankCustomers)$'
cat >"$WORK/schemathesis.toml" <<EOF
[auth.openapi.bearer]
bearer = "$KEY"

[auth.dynamic.openapi.egainSession]
path = "/ws/v12/authentication/user/login?forceLogin=yes"
method = "post"
payload = { userName = "$USER_NAME", password = "$PASSWORD" }
extract_from = "header"
extract_selector = "X-egain-session"

[[operations]]
include-path-regex = "^/v1/customers/"
parameters = { "path.id" = "$CUSTOMER" }

[[operations]]
include-path-regex = "^/v1/accounts/"
parameters = { "path.id" = "$ACCOUNT" }

[[operations]]
include-path-regex = "^/v1/subscribers/"
parameters = { "path.id" = "$SUBSCRIBER" }

[[operations]]
include-operation-id = "getBankCustomer"
parameters = { "path.sourceCustomerId" = "$BANK_CUSTOMER" }

[[operations]]
include-operation-id-regex = "^egainReadCustomers(System)?$"
parameters = { "path.ids" = "$EGAIN_CUSTOMER" }

# A long poll would hold each case for up to 30 s.
[[operations]]
include-operation-id = "listEvents"
parameters = { "query.wait" = "0" }

[[operations]]
include-operation-id-regex = "$RULED"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]

[[operations]]
include-operation-id-regex = "^egain(CreateCustomer|EditCustomer|SearchCustomers)(System)?$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
EOF
cd "$WORK"
status=0
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run \
  "http://127.0.0.1:$PORT/openapi.json" --checks all --max-examples "$EXAMPLES" --workers 2 \
  ${SEED:+--seed "$SEED"} || status=$?
if grep -q "panicked" "$WORK/server.log"; then
  echo "the server panicked:" >&2
  grep -m5 "panicked" "$WORK/server.log" >&2
  status=1
fi
exit $status
