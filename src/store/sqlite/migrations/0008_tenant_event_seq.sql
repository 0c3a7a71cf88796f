-- Each tenant's events are numbered 1, 2, 3… on their own, so a feed's numbers tell nothing
-- of other tenants; every event also gets a globally unique id (a UUID), for consumers that
-- de-duplicate (webhook receivers, JetStream). SQLite's one writer numbers an event as it
-- inserts it, so the numbers follow commit order without gaps.

ALTER TABLE events ADD COLUMN tenant_seq INTEGER;
ALTER TABLE events ADD COLUMN event_id TEXT;
UPDATE events SET tenant_seq = r.n
FROM (SELECT seq AS s, row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS n FROM events) AS r
WHERE events.seq = r.s;
UPDATE events SET event_id = lower(
    hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
    substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' ||
    hex(randomblob(6)));
DROP INDEX events_tenant_seq;
CREATE UNIQUE INDEX events_tenant_seq ON events(tenant_id, tenant_seq);
