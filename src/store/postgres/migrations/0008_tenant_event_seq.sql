-- Each tenant's events are numbered 1, 2, 3… on their own, so a feed's numbers tell nothing
-- of other tenants; every event also gets a globally unique id (a UUID), for consumers that
-- de-duplicate (webhook receivers, JetStream). The sequencer numbers committed events, the
-- global `seq` and the tenant's together, under its one lock; `event_tenant_seqs` keeps each
-- tenant's last number.

ALTER TABLE events ADD COLUMN tenant_seq BIGINT, ADD COLUMN event_id TEXT;
UPDATE events e SET tenant_seq = r.n
FROM (SELECT id, row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS n
      FROM events WHERE seq IS NOT NULL) AS r
WHERE e.id = r.id;
UPDATE events SET event_id = gen_random_uuid()::text;
ALTER TABLE events ALTER COLUMN event_id SET NOT NULL;

CREATE TABLE event_tenant_seqs (
    tenant_id  TEXT PRIMARY KEY,
    last_seq   BIGINT NOT NULL
);
INSERT INTO event_tenant_seqs (tenant_id, last_seq)
SELECT tenant_id, max(tenant_seq) FROM events WHERE tenant_seq IS NOT NULL GROUP BY tenant_id;

DROP INDEX events_tenant_seq;
CREATE UNIQUE INDEX events_tenant_seq ON events(tenant_id, tenant_seq);
