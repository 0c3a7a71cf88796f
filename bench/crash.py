#!/usr/bin/env python3
"""Crash harness: a mixed load of creates on every door, the server SIGKILLed at random
moments and restarted, and after each restart a check that nothing acknowledged was lost and
nothing half-written is visible.

Driven by bench/crash.sh, once per backend. Python 3 standard library only; PostgreSQL is
read with psql. Exits 1 on any violation.

Doors and what each request creates:
  native   POST /v1/customers                      a customer
           POST /v1/accounts (by profile)          an account and its customer
           POST /v1/subscribers (by profile)       a subscriber, its account and customer
  eGain    POST /ws/v12/interaction/customer (XML) a customer with a contact person, points
  bank     POST /v2/data/customers                 1-8 customers, each an account and cards
Every request carries an idempotency key, so a request the kill left unanswered is sent
again after the restart and must then succeed exactly once.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

ADMIN_KEY = "clt_crash_admin_key_0123456789abcdef"
PASSWORD = "crash-agent-password-1"
CHEAP_ARGON2 = {
    "CLIENTELE_ARGON2_MEMORY_KIB": "8",
    "CLIENTELE_ARGON2_ITERATIONS": "1",
    "CLIENTELE_ARGON2_PARALLELISM": "1",
}
EGAIN = "/ws/v12/interaction/customer"
KINDS = ("customer", "account", "subscriber")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, headers=None, timeout=20):
    """(status, headers, body bytes), or None when the connection failed."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        reply = conn.getresponse()
        data = reply.read()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def admin_headers(extra=None):
    headers = {"authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"}
    headers.update(extra or {})
    return headers


def egain_xml(email, name):
    return (
        '<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" '
        'xmlns:ns1="http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson" '
        'xmlns:ns3="http://bindings.egain.com/ws/model/v12/gen/common" '
        'xmlns:ns4="http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint">'
        "<type><value>individual</value></type><level><ns3:value>Premium</ns3:value></level>"
        "<contactPersons><ns1:contactPerson><ns1:salutation>Mr.</ns1:salutation>"
        f"<ns1:firstName>{name}</ns1:firstName><ns1:lastName>Tierney</ns1:lastName>"
        "<ns1:contactPoints>"
        "<ns4:contactPoint><ns4:type><ns4:value>email</ns4:value><ns4:email>"
        f"<ns4:emailAddress>{email}</ns4:emailAddress></ns4:email></ns4:type>"
        "<ns4:priority><ns3:value>medium</ns3:value></ns4:priority></ns4:contactPoint>"
        "<ns4:contactPoint><ns4:type><ns4:value>phone</ns4:value><ns4:phone>"
        "<ns4:type><ns3:value>home</ns3:value></ns4:type><ns4:phoneNo>234 3456</ns4:phoneNo>"
        "</ns4:phone></ns4:type></ns4:contactPoint>"
        "</ns1:contactPoints></ns1:contactPerson></contactPersons></customer>"
    )


def bank_customer(sid, cards):
    account = f"a-{sid}"
    return {
        "sourceCustomerId": sid, "organizationId": "50004", "postalCode": "78753",
        "country": "US", "customerCreationDate": "2017-01-01T08:00:00Z",
        "enrollmentStartDate": "2023-01-01T08:00:00Z", "enrollmentEndDate": None,
        "enrollmentOptInStatus": "ACTIVE", "alertOptInStatus": ["ALL"],
        "targetingIndicator": "TARGET",
        "accounts": [{
            "sourceAccountId": account, "sourceCustomerIds": [sid],
            "primarySourceCustomerId": sid, "status": "OPEN", "type": "DDA",
            "accountOpenDate": "2018-05-12T20:30:00Z", "accountCloseDate": None,
            "cards": [{
                "sourceAccountId": account, "sourceCustomerId": sid, "last4": f"{1000 + c}",
                "iin": "123456", "cardType": "CREDIT", "status": "OPEN",
                "networkIdentifier": "4", "openDate": "2023-01-01T08:00:00Z",
                "closeDate": None,
            } for c in range(cards)],
        }],
    }


class Write:
    """One create request, sent once and maybe again after a kill."""

    def __init__(self, door, key, method, path, body, headers, expect):
        self.door, self.key = door, key
        self.method, self.path, self.body, self.headers = method, path, body, headers
        self.expect = expect  # what it creates: door-specific
        self.status = None  # the answer's status, None while unanswered
        self.answer = None
        self.retried = False


class Harness:
    def __init__(self, args):
        self.args = args
        self.binary = args.binary
        self.db_url = args.database_url
        self.backend = "postgres" if self.db_url.startswith("postgres") else "sqlite"
        self.log = open(args.log, "ab")
        self.rng = random.Random(args.seed)
        # Letters only: a long run of digits in an id looks like a card number to the bank door.
        self.run = "".join(random.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(8))
        self.proc = None
        self.base = None
        self.session = None
        self.lock = threading.Lock()
        self.counter = 0
        self.running = threading.Event()
        self.stop = False
        self.idle = 0
        self.round_writes = []  # this round's writes
        self.acked = []  # every acknowledged write
        self.batches = []  # every bank batch sent: (write, [(sid, cards)])
        self.violations = []
        self.checked = 0
        self.retries = 0
        self.session_losses = 0
        self.replayed = 0
        self.statuses = {}
        self.samples = {}  # status -> the first answer of a refused write
        self.feed_after = 0
        self.feed = {}  # (entity, id) -> set of types

    # The server.

    def start(self):
        port = free_port()
        env = dict(os.environ)
        for name in ("CLIENTELE_CONFIG", "CLIENTELE_CATALOG", "CLIENTELE_NATS_URL"):
            env.pop(name, None)
        env.update(CHEAP_ARGON2)
        env.update({
            "CLIENTELE_DATABASE_URL": self.db_url,
            "CLIENTELE_LISTEN": f"127.0.0.1:{port}",
            "CLIENTELE_ADMIN_KEY": ADMIN_KEY,
            "CLIENTELE_RATE_LIMIT": "0",
            "RUST_LOG": "warn",
        })
        self.proc = subprocess.Popen(
            [self.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the server exited with {self.proc.returncode} on start; see {self.args.log}")
            reply = call(base, "GET", "/readyz", timeout=2)
            if reply and reply[0] == 200:
                self.base = base
                return
            time.sleep(0.05)
        sys.exit("the server was not ready within 60 s")

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def cli(self, args, stdin):
        env = dict(os.environ, CLIENTELE_DATABASE_URL=self.db_url, **CHEAP_ARGON2)
        env.pop("CLIENTELE_CONFIG", None)
        done = subprocess.run([self.binary, *args], input=stdin.encode(), env=env,
                              capture_output=True)
        if done.returncode != 0:
            sys.exit(f"clientele {args} failed: {done.stderr.decode()}")

    def login(self):
        body = json.dumps({"userName": "crash-agent", "password": PASSWORD})
        reply = call(self.base, "POST", "/ws/v12/authentication/user/login?forceLogin=yes", body,
                     {"content-type": "application/json"})
        if not reply or reply[0] != 204:
            sys.exit(f"eGain login failed: {reply}")
        self.session = reply[1]["x-egain-session"]

    def keep_session(self):
        """Sessions are stored: the agent's one outlives a kill, or it is logged in again."""
        reply = call(self.base, "GET", f"{EGAIN}?email=nobody@crash.example", None,
                     {"x-egain-session": self.session, "accept": "application/json"})
        if reply is None or reply[0] == 401:
            self.session_losses += 1
            self.login()

    # The load.

    def next_id(self):
        with self.lock:
            self.counter += 1
            return f"{self.run}-n{self.counter}", self.counter

    def make_write(self, rng):
        ident, n = self.next_id()
        door = rng.choices(["customer", "account", "subscriber", "egain", "bank"],
                           weights=[3, 2, 2, 2, 1])[0]
        if door == "customer":
            body = {"externalId": ident, "requestId": ident, "customerSegment": "b2b",
                    "state": {"state": "ACTIVE", "stateReason": "active"}}
            return Write(door, ident, "POST", "/v1/customers", json.dumps(body),
                         admin_headers(), ident)
        if door == "account":
            body = {"externalId": ident, "accountProfile": "standard"}
            return Write(door, ident, "POST", "/v1/accounts", json.dumps(body),
                         admin_headers({"idempotency-key": ident}), ident)
        if door == "subscriber":
            msisdn = f"42{n:011d}"
            body = {"externalId": ident, "requestId": ident, "subscriberProfile": "internetOnly",
                    "primaryResourceType": "MSISDN", "primaryResource": msisdn}
            return Write(door, ident, "POST", "/v1/subscribers", json.dumps(body),
                         admin_headers(), ident)
        if door == "egain":
            email = f"{ident}@crash.example"
            headers = {"content-type": "application/xml", "accept": "application/xml",
                       "idempotency-key": ident}
            return Write(door, ident, "POST", EGAIN, egain_xml(email, ident), headers, email)
        customers = [(f"{ident}-{i}", rng.randint(1, 2)) for i in range(rng.randint(1, 8))]
        body = {"customers": [bank_customer(sid, cards) for sid, cards in customers]}
        return Write(door, ident, "POST", "/v2/data/customers", json.dumps(body),
                     admin_headers({"idempotency-key": ident}), customers)

    def send(self, write):
        headers = dict(write.headers)
        if write.door == "egain":
            headers["x-egain-session"] = self.session
        return call(self.base, write.method, write.path, write.body, headers)

    def record(self, write, reply):
        with self.lock:
            if reply is None:
                self.statuses["no answer"] = self.statuses.get("no answer", 0) + 1
                return
            status = reply[0]
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if not 200 <= status < 300 and status not in self.samples:
                self.samples[status] = f"{write.door} {write.key}: {reply[2][:300]!r}"
            write.status, write.answer = status, reply
            if 200 <= status < 300:
                self.acked.append(write)

    def worker(self, n):
        rng = random.Random(f"{self.args.seed}-{n}")
        while True:
            if not self.running.is_set():
                with self.lock:
                    self.idle += 1
                self.running.wait()
                with self.lock:
                    self.idle -= 1
            if self.stop:
                return
            write = self.make_write(rng)
            with self.lock:
                self.round_writes.append(write)
                if write.door == "bank":
                    self.batches.append(write)
            self.record(write, self.send(write))

    def wait_idle(self, workers):
        while True:
            with self.lock:
                if self.idle == workers:
                    return
            time.sleep(0.01)

    # After a restart.

    def retry_unanswered(self):
        """Sends again what the kill left unanswered: the first answer replayed, or the work
        done now; either way a success, and exactly one object (checked with the rest)."""
        for write in self.round_writes:
            if write.status is not None:
                continue
            write.retried = True
            self.retries += 1
            for _ in range(50):
                reply = self.send(write)
                if reply and reply[0] == 401 and write.door == "egain":
                    self.login()
                    continue
                # The first request's claim may still be held by a dying connection.
                in_progress = reply is not None and reply[0] == 409 and (
                    b"IDEMPOTENCY_IN_PROGRESS" in reply[2] or b"still running" in reply[2])
                if reply is None or in_progress or reply[0] == 503:
                    time.sleep(0.2)
                    continue
                break
            self.record(write, reply)
            if reply and reply[1].get("idempotent-replayed") == "true":
                self.replayed += 1  # committed before the kill, its answer lost with it
            if write.status is None or not 200 <= write.status < 300:
                self.violation(f"a retry of an unanswered {write.door} create {write.key} "
                               f"got {reply and (reply[0], reply[2][:300])}")

    def violation(self, text):
        self.violations.append(text)
        print(f"VIOLATION [{self.backend}]: {text}", flush=True)

    def get_json(self, path, headers=None):
        reply = call(self.base, "GET", path, None, headers or admin_headers())
        if reply is None:
            return None, None
        try:
            return reply[0], json.loads(reply[2]) if reply[2] else None
        except ValueError:
            return reply[0], None

    def read_back(self, write):
        """Reads an acknowledged write back through the API, with all it implies."""
        self.checked += 1
        if write.door in ("customer", "account", "subscriber"):
            created = json.loads(write.answer[2])
            status, body = self.get_json(f"/v1/{write.door}s/{created['id']}")
            if status != 200 or body.get("externalId") != write.expect:
                return self.violation(f"acknowledged {write.door} {write.key} reads {status}")
            if write.door == "subscriber":
                account = body["account"]["refId"]
                status, body = self.get_json(f"/v1/accounts/{account}")
                if status != 200:
                    return self.violation(f"subscriber {write.key}'s account reads {status}")
            if write.door in ("account", "subscriber"):
                owners = [c["refId"] for c in body.get("customers", [])]
                if not owners:
                    return self.violation(f"{write.door} {write.key}: an account with no customer")
                for owner in owners:
                    if self.get_json(f"/v1/customers/{owner}")[0] != 200:
                        self.violation(f"{write.door} {write.key}: customer {owner} missing")
        elif write.door == "egain":
            location = write.answer[1].get("location", "")
            number = location.rsplit("/", 1)[-1]
            headers = {"x-egain-session": self.session, "accept": "application/json"}
            status, body = self.get_json(f"{EGAIN}/{number}", headers)
            if status == 401:
                self.login()
                headers["x-egain-session"] = self.session
                status, body = self.get_json(f"{EGAIN}/{number}", headers)
            if status != 200 or write.expect not in json.dumps(body):
                self.violation(f"acknowledged eGain create {write.key} ({location}) reads {status}")
        else:
            for sid, cards in write.expect:
                status, body = self.get_json(f"/v2/data/customers/{sid}")
                if status != 200:
                    self.violation(f"acknowledged bank batch {write.key}: {sid} reads {status}")
                    continue
                accounts = body.get("accounts", [])
                if len(accounts) != 1 or len(accounts[0].get("cards", [])) != cards:
                    self.violation(f"bank customer {sid}: {len(accounts)} accounts, "
                                   f"not 1 with {cards} cards: {body}")

    def sql(self, query):
        """Rows of a query straight from the database, as tuples of strings."""
        if self.backend == "sqlite":
            path = self.db_url.removeprefix("sqlite://")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            try:
                return [tuple("" if v is None else str(v) for v in row)
                        for row in conn.execute(query)]
            finally:
                conn.close()
        out = subprocess.run(["psql", self.db_url, "-XAtq", "-F", "\t", "-c", query],
                             capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def read_feed(self):
        while True:
            status, body = self.get_json(f"/v1/events?after={self.feed_after}&limit=1000")
            if status != 200:
                return self.violation(f"the feed answers {status}")
            for event in body["data"]:
                self.feed.setdefault((event["entity"], event["id"]), set()).add(event["type"])
            if not body["data"]:
                return
            self.feed_after = body["next"]

    def check_database(self):
        ids = {kind: {r[0] for r in self.sql(f"SELECT id FROM {kind}s")} for kind in KINDS}
        external = {kind: {r[0]: r[1] for r in self.sql(
            f"SELECT external_id, id FROM {kind}s WHERE external_id IS NOT NULL")}
            for kind in KINDS}
        owners = {}
        for account, customer in self.sql("SELECT account_id, customer_id FROM account_owners"):
            owners.setdefault(account, set()).add(customer)
        # No partial hierarchy.
        for sub, account in self.sql("SELECT id, account_id FROM subscribers"):
            if account not in ids["account"]:
                self.violation(f"subscriber {sub} without its account {account}")
        for account in ids["account"]:
            if not owners.get(account, set()) & ids["customer"]:
                self.violation(f"account {account} without a customer")
        cards = {}
        for card, account in self.sql("SELECT id, account_id FROM cards"):
            if account not in ids["account"]:
                self.violation(f"card {card} without its account {account}")
            cards[account] = cards.get(account, 0) + 1
        for person, customer in self.sql("SELECT id, customer_id FROM contact_persons"):
            if customer not in ids["customer"]:
                self.violation(f"contact person {person} without its customer")
        # Events and entities, in the table and in the feed.
        stored = {}
        for entity, entity_id, kind in self.sql("SELECT entity, entity_id, type FROM events"):
            stored.setdefault((entity, entity_id), set()).add(kind)
        for (entity, entity_id) in stored:
            if entity in KINDS and entity_id not in ids[entity]:
                self.violation(f"an event of {entity} {entity_id}, which is not stored")
        for kind in KINDS:
            for entity_id in ids[kind]:
                if f"{kind}.created" not in stored.get((kind, entity_id), ()):
                    self.violation(f"{kind} {entity_id} without its {kind}.created event row")
        self.check_feed(ids)
        # Every acknowledged write is stored.
        for write in self.acked:
            if write.door in ("customer", "account", "subscriber"):
                if write.expect not in external[write.door]:
                    self.violation(f"acknowledged {write.door} {write.key} is not stored")
        # No half bank batch: all of a batch's customers or none, each with account and cards.
        for write in self.batches:
            present = [sid for sid, _ in write.expect if sid in external["customer"]]
            acked = write.status is not None and 200 <= write.status < 300
            if (present or acked) and len(present) != len(write.expect):
                self.violation(f"bank batch {write.key} (answered {write.status}): "
                               f"{len(present)} of {len(write.expect)} customers stored")
            for sid, n in write.expect:
                if sid not in external["customer"]:
                    continue
                account = external["account"].get(f"a-{sid}")
                if account is None:
                    self.violation(f"bank customer {sid} without its account")
                elif external["customer"][sid] not in owners.get(account, ()):
                    self.violation(f"bank account a-{sid} not owned by {sid}")
                elif cards.get(account, 0) != n:
                    self.violation(f"bank account a-{sid}: {cards.get(account, 0)} cards of {n}")

    def check_feed(self, ids):
        """Through /v1/events: each stored object's `*.created` event, no event without its
        object. Events are numbered for the feed once committed, so a just-committed one may
        take a moment to show."""
        deadline = time.time() + 15
        while True:
            self.read_feed()
            missing = [(kind, i) for kind in KINDS for i in ids[kind]
                       if f"{kind}.created" not in self.feed.get((kind, i), ())]
            if not missing or time.time() > deadline:
                break
            time.sleep(0.2)
        for kind, i in missing[:20]:
            self.violation(f"{kind} {i} is stored but the feed has no {kind}.created")
        if len(missing) > 20:
            self.violation(f"... and {len(missing) - 20} more objects missing from the feed")
        for (entity, entity_id) in self.feed:
            if entity in KINDS and entity_id not in ids[entity]:
                self.violation(f"the feed shows {entity} {entity_id}, which is not stored")

    def corrupt(self):
        """Breaks what the checks guard, behind the server's back, to see them fail: an
        acknowledged customer's `customer.created` event row and one card of a bank batch."""
        write = next(w for w in self.acked if w.door == "customer")
        created = json.loads(write.answer[2])["id"]
        batch = next(w for w in self.acked if w.door == "bank")
        statements = [
            f"DELETE FROM events WHERE entity = 'customer' AND entity_id = '{created}'",
            "DELETE FROM cards WHERE id = (SELECT c.id FROM cards c JOIN accounts a ON "
            f"a.id = c.account_id WHERE a.external_id = 'a-{batch.expect[0][0]}' LIMIT 1)",
        ]
        for statement in statements:
            if self.backend == "sqlite":
                conn = sqlite3.connect(self.db_url.removeprefix("sqlite://"), timeout=30)
                with conn:
                    conn.execute(statement)
                conn.close()
            else:
                subprocess.run(["psql", self.db_url, "-Xq", "-c", statement], check=True)
        print(f"self-test: deleted customer {created}'s events and a card of batch {batch.key}")

    # The run.

    def main(self):
        workers = self.args.workers
        self.start()
        self.cli(["users", "create", "crash-agent", "--role", "writer", "--tenant", "default",
                  "--password-stdin"], PASSWORD + "\n")
        self.login()
        threads = [threading.Thread(target=self.worker, args=(n,), daemon=True)
                   for n in range(workers)]
        for t in threads:
            t.start()
        kills = 0
        started = time.time()
        while kills < self.args.kills:
            self.round_writes = []
            self.running.set()
            time.sleep(self.rng.uniform(self.args.min_wait, self.args.max_wait))
            self.running.clear()
            self.kill()
            kills += 1
            self.wait_idle(workers)
            self.start()
            self.keep_session()
            unanswered = sum(1 for w in self.round_writes if w.status is None)
            before = sum(1 for w in self.round_writes if w.status and 200 <= w.status < 300)
            self.retry_unanswered()
            for write in self.round_writes:
                if write.status is not None and 200 <= write.status < 300:
                    self.read_back(write)
            self.check_database()
            print(f"[{self.backend}] kill {kills}: {len(self.round_writes)} sent, "
                  f"{before} acknowledged, {unanswered} unanswered and sent again, "
                  f"{len(self.violations)} violations so far", flush=True)
        self.stop = True
        self.running.set()
        # At the end, every acknowledged write is read back once more.
        if self.args.self_test:
            self.corrupt()
        for write in self.acked:
            self.read_back(write)
        self.check_database()
        self.proc.terminate()
        self.proc.wait()
        objects = self.sql("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM accounts), "
                           "(SELECT count(*) FROM subscribers), (SELECT count(*) FROM cards), "
                           "(SELECT count(*) FROM events)")[0]
        by_door = {}
        for write in self.acked:
            by_door[write.door] = by_door.get(write.door, 0) + 1
        print(f"RESULT backend={self.backend} kills={kills} seconds={time.time() - started:.0f} "
              f"acknowledged={len(self.acked)} unanswered_sent_again={self.retries} "
              f"of_which_replayed={self.replayed} read_backs={self.checked} "
              f"sessions_lost={self.session_losses} violations={len(self.violations)}")
        print(f"  acknowledged by door: {json.dumps(by_door, sort_keys=True)}")
        print(f"  answers: {json.dumps({str(k): v for k, v in self.statuses.items()}, sort_keys=True)}")
        for status, sample in sorted(self.samples.items()):
            print(f"  first {status}: {sample}")
        print(f"  stored: customers={objects[0]} accounts={objects[1]} subscribers={objects[2]} "
              f"cards={objects[3]} events={objects[4]}")
        if self.args.self_test:
            # The corruption must be seen: its two violations at least, at the final check.
            found = len(self.violations) >= 2
            print(f"self-test: the checks {'saw' if found else 'MISSED'} the corruption")
            return 0 if found else 1
        return 1 if self.violations else 0


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", required=True)
    p.add_argument("--database-url", required=True)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--min-wait", type=float, default=0.2, help="seconds of load before a kill")
    p.add_argument("--max-wait", type=float, default=2.0)
    p.add_argument("--seed", default=str(time.time_ns()))
    p.add_argument("--self-test", action="store_true",
                   help="corrupt the database before the final check; succeed if it is seen")
    p.add_argument("--log", default="/dev/null", help="the server's stderr, appended")
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(Harness(parse()).main())
