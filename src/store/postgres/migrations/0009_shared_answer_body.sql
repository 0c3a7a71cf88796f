-- A create's kept answer is the object as its event shows it: the same bytes twice per
-- create. An answer whose body is its write's event's data now names that event instead
-- (its body is left empty), and a replay reads the body from the event, which outlives it.
ALTER TABLE idempotency ADD COLUMN body_event BIGINT;
