-- Bank data: what a bank says of a customer and an account beyond the common model, the
-- cards of an account, and references to customers a feed has not sent yet.

CREATE TABLE bank_customers (
    customer_id             TEXT COLLATE "C" PRIMARY KEY REFERENCES customers(id),
    organization_id         TEXT NOT NULL,
    postal_code             TEXT NOT NULL,
    country                 TEXT NOT NULL,
    created_on              BIGINT NOT NULL,
    enrollment_start        BIGINT NOT NULL,
    enrollment_end          BIGINT,
    enrollment_opt_in       TEXT NOT NULL,
    -- A JSON array of statuses: read and written whole, never searched.
    alert_opt_ins           TEXT NOT NULL,
    targeting               TEXT NOT NULL,
    redemption_eligibility  TEXT
);

CREATE TABLE bank_accounts (
    account_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES accounts(id),
    status        TEXT NOT NULL,
    account_type  TEXT NOT NULL,
    portfolio     TEXT,
    opened_on     BIGINT,
    closed_on     BIGINT
);

-- Byte order ("C") on what reads are sorted by, so both backends list cards and awaited
-- owners in the same order.
CREATE TABLE cards (
    id          TEXT COLLATE "C" PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    -- The holder's external id, as the bank names it.
    holder      TEXT COLLATE "C" NOT NULL,
    iin         TEXT COLLATE "C" NOT NULL,
    last4       TEXT COLLATE "C" NOT NULL,
    card_type   TEXT NOT NULL,
    status      TEXT NOT NULL,
    network     INTEGER NOT NULL,
    opened_on   BIGINT,
    closed_on   BIGINT
);
-- One card per holder, iin and last four in an account: a card sent again is the same card.
CREATE UNIQUE INDEX cards_account_number ON cards(account_id, holder, iin, last4);

-- A reference to a customer not stored yet (`source_customer_id`, its external id): the
-- customer (kind 'parent') or account (kind 'owner') `object_id` waits for it. Resolved and
-- deleted in the transaction that stores that customer, found by the primary key's prefix.
CREATE TABLE pending_links (
    tenant_id           TEXT NOT NULL,
    source_customer_id  TEXT COLLATE "C" NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('parent', 'owner')),
    object_id           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, source_customer_id, kind, object_id)
);
-- What an object awaits, for reading it.
CREATE INDEX pending_links_object ON pending_links(object_id, kind);
