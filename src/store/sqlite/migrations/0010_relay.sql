-- Changes pushed out: webhook endpoints, the relay's cursors and the log of delivery
-- attempts. Each sink (the NATS stream, each webhook endpoint) has one cursor row: how far
-- it has come, and which server process holds its lease — the one that may advance it.
-- A webhook's secret is a signing key, so it is kept as it is (a hash could not sign).

CREATE TABLE webhooks (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    url            TEXT NOT NULL,
    events         TEXT NOT NULL,
    secret         TEXT NOT NULL,
    description    TEXT,
    status         TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'failing')),
    failing_since  INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_tenant ON webhooks(tenant_id, id);

-- `last_seq` is the global `events.seq` for the NATS sink and the tenant's feed seq for a
-- webhook; `generation` is bumped by a replay, so the holder starts again from it.
CREATE TABLE relay_cursors (
    sink         TEXT PRIMARY KEY,
    last_seq     INTEGER NOT NULL,
    generation   INTEGER NOT NULL DEFAULT 0,
    owner        TEXT,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    status       INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'failed')),
    next_try_at  INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
-- Old attempts, for purging them.
CREATE INDEX webhook_deliveries_at ON webhook_deliveries(at);
