-- Changes pushed out: webhook endpoints, the relay's cursors and the log of delivery
-- attempts. Each sink (the NATS stream, each webhook endpoint) has one cursor row: how far
-- it has come, and which server process holds its lease — the one that may advance it.
-- A lease row with an expiry rather than a lock held open: a process that dies loses it
-- when it expires, and nothing keeps a transaction (or a connection) open meanwhile.
-- A webhook's secret is a signing key, so it is kept as it is (a hash could not sign).

CREATE TABLE webhooks (
    id             TEXT COLLATE "C" PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    url            TEXT NOT NULL,
    events         TEXT NOT NULL,
    secret         TEXT NOT NULL,
    description    TEXT,
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'failing')),
    failing_since  BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks(tenant_id, id);

-- `last_seq` is the global `events.seq` for the NATS sink and the tenant's feed seq for a
-- webhook; `generation` is bumped by a replay, so the holder starts again from it.
CREATE TABLE relay_cursors (
    sink         TEXT COLLATE "C" PRIMARY KEY,
    last_seq     BIGINT NOT NULL,
    generation   BIGINT NOT NULL DEFAULT 0,
    owner        TEXT,
    lease_until  BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id   TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    attempt      BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    status       BIGINT,
    error        TEXT,
    duration_ms  BIGINT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
    next_try_at  BIGINT
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
-- Old attempts, for purging them.
CREATE INDEX webhook_deliveries_at ON webhook_deliveries(at);
