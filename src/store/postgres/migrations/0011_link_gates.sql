-- Gates where a write that leaves a link waiting for a customer and a write that stores
-- that customer meet, so that neither misses the other under READ COMMITTED: a bucket of
-- (tenant, external id) each, the buckets made once. A customer's insert share-locks its
-- bucket's row; a link writer moves the version of its buckets' rows and then looks for
-- the customers again.
CREATE TABLE link_gates (
    bucket   BIGINT PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO link_gates (bucket, version) SELECT b, 0 FROM generate_series(0, 65535) AS b;
