ALTER TABLE idempotency ADD COLUMN content_type TEXT;
