-- A key's last use (written at most once a minute) and its revocation; a revoked key
-- stays listed, so the actor ids in histories and events keep naming something.
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
