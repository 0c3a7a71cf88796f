"""Drives a fresh server through a client generated from its own /openapi.json.

Run by scripts/client-check.sh, which generates the client (package `clientele_client`)
and starts the server. Every call is checked; the first surprise ends the run with a
non-zero status and the answer that surprised it.

Usage: python client_check.py BASE_URL API_KEY EGAIN_USER EGAIN_PASSWORD SEEDS_DIR
"""

import json
import random
import string
import sys
from pathlib import Path

from clientele_client import AuthenticatedClient, Client
from clientele_client.api.accounts import create_account, get_account
from clientele_client.api.bank import get_bank_customer, post_bank_customers
from clientele_client.api.customers import create_customer, get_customer, list_customers
from clientele_client.api.egain import egain_create_customer, egain_login, egain_read_customers
from clientele_client.api.subscribers import create_subscriber, get_subscriber
from clientele_client.models import (
    Account,
    BankCustomerView,
    CreateAccountRequest,
    CreateCustomerRequest,
    CreateSubscriberRequest,
    Customer,
    CustomerPage,
    CustomersRequest,
    EgainCustomer,
    EgainLogin,
    RequestIdAnswer,
    Subscriber,
)


def fresh_key():
    """An idempotency key of letters only: a run of digits could look like a card number,
    which the server refuses to keep."""
    return "client-check-" + "".join(random.choices(string.ascii_lowercase, k=24))


def expect(response, status, model=None, what=""):
    """The answer must have `status` and, when `model` is given, parse as it."""
    if response.status_code != status:
        sys.exit(f"{what}: {response.status_code} instead of {status}: {response.content!r}")
    if model is not None and not isinstance(response.parsed, model):
        sys.exit(f"{what}: not parsed as {model.__name__}: {response.parsed!r}")
    print(f"ok  {what}: {status}")
    return response.parsed


def seed_json(text):
    """The first JSON object of a seed document."""
    return json.JSONDecoder().raw_decode(text[text.index("{"):])[0]


def egain_seed_json(text):
    """The body of the eGain seed's first JSON request."""
    for part in text.split("Request body\n\n")[1:]:
        body = part.split("\n\nResponse\n")[0].strip()
        if body.startswith("{"):
            return json.loads(body)
    sys.exit("the eGain seed has no JSON request")


def native(client):
    made = expect(
        create_customer.sync_detailed(
            client=client,
            body=CreateCustomerRequest.from_dict({
                "requestId": fresh_key(),
                "externalId": "client-check-customer",
                "customerSegment": "b2b",
                "state": {"state": "ACTIVE", "stateReason": "active"},
            }),
        ),
        201, Customer, "POST /v1/customers",
    )
    read = expect(get_customer.sync_detailed(made.id, client=client), 200, Customer,
                  "GET /v1/customers/{id}")
    assert read.external_id == "client-check-customer", read
    page = expect(list_customers.sync_detailed(client=client, external_id="client-check-customer"),
                  200, CustomerPage, "GET /v1/customers")
    assert [c.id for c in page.data] == [made.id], page

    account = expect(
        create_account.sync_detailed(
            client=client,
            body=CreateAccountRequest.from_dict({
                "externalId": "client-check-account", "accountProfile": "standard"}),
            idempotency_key=fresh_key(),
        ),
        201, Account, "POST /v1/accounts",
    )
    read = expect(get_account.sync_detailed(account.id, client=client), 200, Account,
                  "GET /v1/accounts/{id}")
    assert read.external_id == "client-check-account", read

    subscriber = expect(
        create_subscriber.sync_detailed(
            client=client,
            body=CreateSubscriberRequest.from_dict({
                "externalId": "client-check-subscriber",
                "account": {"externalId": "client-check-account"},
                "subscriberSegment": "topUploader",
                "state": {"state": "ACTIVE", "stateReason": "dfltActive"},
            }),
        ),
        201, Subscriber, "POST /v1/subscribers",
    )
    read = expect(get_subscriber.sync_detailed(subscriber.id, client=client), 200, Subscriber,
                  "GET /v1/subscribers/{id}")
    assert read.external_id == "client-check-subscriber", read


def bank(client, seeds):
    batch = seed_json((seeds / "bank-data-create-customers.txt").read_text())
    expect(post_bank_customers.sync_detailed(client=client, body=CustomersRequest.from_dict(batch)),
           200, RequestIdAnswer, "POST /v2/data/customers")
    for sent in batch["customers"]:
        read = expect(get_bank_customer.sync_detailed(sent["sourceCustomerId"], client=client),
                      200, BankCustomerView, "GET /v2/data/customers/{sourceCustomerId}")
        assert read.source_customer_id == sent["sourceCustomerId"], read


def egain(base_url, user, password, seeds):
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    login = egain_login.sync_detailed(
        client=anonymous, body=EgainLogin(user_name=user, password=password))
    expect(login, 204, None, "POST /ws/v12/authentication/user/login")
    session = login.headers.get("X-egain-session")
    if not session:
        sys.exit("the login answered no X-egain-session")
    # The session is an apiKey header: the generated client is given it as a header. The door
    # answers XML unless Accept asks for JSON (OpenAPI leaves Accept out of parameters).
    client = AuthenticatedClient(
        base_url=base_url, token=session, prefix="", auth_header_name="X-egain-session",
        raise_on_unexpected_status=True, headers={"Accept": "application/json"},
    )
    body = egain_seed_json((seeds / "egain-v12-create-individual-customer.txt").read_text())
    made = egain_create_customer.sync_detailed(
        client=client, body=EgainCustomer.from_dict(body), idempotency_key=fresh_key())
    expect(made, 201, None, "POST /ws/v12/interaction/customer")
    location = made.headers.get("Location", "")
    ids = location.rsplit("/", 1)[-1]
    if not ids.isdigit():
        sys.exit(f"no customer id in Location {location!r}")
    read = expect(egain_read_customers.sync_detailed(ids, client=client), 200, EgainCustomer,
                  "GET /ws/v12/interaction/customer/{ids}")
    if str(read.id) != ids:
        sys.exit(f"read customer {read.id!r}, not {ids}")


def main():
    base_url, key, user, password, seeds = sys.argv[1:6]
    seeds = Path(seeds)
    client = AuthenticatedClient(base_url=base_url, token=key, raise_on_unexpected_status=True)
    native(client)
    bank(client, seeds)
    egain(base_url, user, password, seeds)
    print("the generated client works on every JSON door")


if __name__ == "__main__":
    main()
