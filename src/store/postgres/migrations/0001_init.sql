CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    role        TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    key_hash    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys(key_hash);

CREATE TABLE catalogs (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    version     BIGINT NOT NULL,
    document    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE customers (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    external_id        TEXT,
    profile            TEXT,
    segment            TEXT NOT NULL,
    custom_name        TEXT,
    custom_attributes  TEXT NOT NULL,
    state              TEXT NOT NULL,
    state_reason       TEXT NOT NULL,
    test_customer      BOOLEAN NOT NULL,
    parent_id          TEXT REFERENCES customers(id),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_external_id ON customers(tenant_id, external_id);
CREATE INDEX customers_tenant_id ON customers(tenant_id, id);

CREATE TABLE idempotency (
    tenant_id    TEXT NOT NULL,
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER,
    body         BYTEA,
    location     TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, scope, key)
);
CREATE INDEX idempotency_created_at ON idempotency(created_at);

-- Rows get `id` when inserted and `seq` once committed: the sequencer numbers committed
-- rows in one serialised step, so the feed's order is commit order and a reader that has
-- seen seq N never later finds an event below N.
CREATE TABLE events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq        BIGINT UNIQUE,
    tenant_id  TEXT NOT NULL,
    type       TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         BIGINT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX events_tenant_seq ON events(tenant_id, seq);
CREATE INDEX events_unsequenced ON events(id) WHERE seq IS NULL;

CREATE TABLE event_sequencer (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  BIGINT NOT NULL
);
INSERT INTO event_sequencer (id, last_seq) VALUES (1, 0);
