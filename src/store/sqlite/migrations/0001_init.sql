CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    role        TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    key_hash    TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX api_keys_hash ON api_keys(key_hash);

CREATE TABLE catalogs (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
) STRICT;

CREATE TABLE customers (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    external_id        TEXT,
    profile            TEXT,
    segment            TEXT NOT NULL,
    custom_name        TEXT,
    custom_attributes  TEXT NOT NULL,
    state              TEXT NOT NULL,
    state_reason       TEXT NOT NULL,
    test_customer      INTEGER NOT NULL,
    parent_id          TEXT REFERENCES customers(id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX customers_external_id ON customers(tenant_id, external_id);
CREATE INDEX customers_tenant_id ON customers(tenant_id, id);

CREATE TABLE idempotency (
    tenant_id    TEXT NOT NULL,
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER,
    body         BLOB,
    location     TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
) STRICT;
CREATE INDEX idempotency_created_at ON idempotency(created_at);

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL,
    type       TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         INTEGER NOT NULL,
    data       TEXT NOT NULL
) STRICT;
CREATE INDEX events_tenant_seq ON events(tenant_id, seq);
