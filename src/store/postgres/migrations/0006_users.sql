-- Agents of the eGain door and their sessions. A user's name is unique across tenants, as
-- a login names no tenant; the password is kept as an argon2id hash only. A session is
-- found by its token's hash and lives while it is used (`last_used_at`, written at most
-- once a minute); logging out deletes it.

CREATE TABLE users (
    id             TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT NOT NULL,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_name ON users(name);

CREATE TABLE sessions (
    id            TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    token_hash    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX sessions_token ON sessions(token_hash);
-- A user's sessions, oldest first, for the limit of five.
CREATE INDEX sessions_user ON sessions(user_id, created_at, id);
-- Expired sessions, for purging them.
CREATE INDEX sessions_last_used ON sessions(last_used_at);
