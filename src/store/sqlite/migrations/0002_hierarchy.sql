CREATE TABLE accounts (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    external_id        TEXT,
    profile            TEXT,
    segment            TEXT,
    custom_name        TEXT,
    custom_attributes  TEXT NOT NULL,
    state              TEXT NOT NULL,
    state_reason       TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX accounts_external_id ON accounts(tenant_id, external_id);
CREATE INDEX accounts_tenant_id ON accounts(tenant_id, id);

CREATE TABLE account_owners (
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    is_primary   INTEGER NOT NULL,
    PRIMARY KEY (account_id, customer_id)
) STRICT;
-- At most one primary owner per account; the write path always names one.
CREATE UNIQUE INDEX account_owners_primary ON account_owners(account_id) WHERE is_primary = 1;
CREATE INDEX account_owners_customer ON account_owners(customer_id);

CREATE TABLE subscribers (
    id                     TEXT PRIMARY KEY,
    tenant_id              TEXT NOT NULL REFERENCES tenants(id),
    external_id            TEXT,
    profile                TEXT,
    segment                TEXT,
    custom_name            TEXT,
    custom_attributes      TEXT NOT NULL,
    state                  TEXT NOT NULL,
    state_reason           TEXT NOT NULL,
    account_id             TEXT NOT NULL REFERENCES accounts(id),
    primary_resource_type  TEXT,
    primary_resource       TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
) STRICT;
-- External ids stay taken after deactivation; primary resources free up with it.
CREATE UNIQUE INDEX subscribers_external_id ON subscribers(tenant_id, external_id);
CREATE UNIQUE INDEX subscribers_primary_resource ON subscribers(tenant_id, primary_resource)
    WHERE state <> 'DEACTIVATED' AND primary_resource IS NOT NULL;
CREATE INDEX subscribers_tenant_id ON subscribers(tenant_id, id);
CREATE INDEX subscribers_account ON subscribers(account_id);

CREATE TABLE state_history (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    state         TEXT NOT NULL,
    state_reason  TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            INTEGER NOT NULL
) STRICT;
CREATE INDEX state_history_entity ON state_history(entity_id, seq);

CREATE TABLE segment_history (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    segment    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX segment_history_entity ON segment_history(entity_id, seq);

INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at)
    SELECT tenant_id, 'customer', id, state, state_reason, 'migration', created_at FROM customers;
INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at)
    SELECT tenant_id, 'customer', id, segment, 'migration', created_at FROM customers;
