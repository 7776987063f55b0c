-- 0002: users, sessions, API tokens, login throttling, the audit log.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL REFERENCES regions(code),
    phone         TEXT,
    password_hash TEXT NOT NULL,         -- argon2id string (libsodium crypto_pwhash_str)
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX users_scope ON users(scope, username);

-- Only a hash of the 256-bit session token is stored.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,        -- unix seconds
    last_seen   INTEGER NOT NULL,        -- unix seconds, for idle expiry
    expires_at  INTEGER NOT NULL,        -- absolute expiry, unix seconds
    ip          TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL,
    at       INTEGER NOT NULL            -- unix seconds
);
CREATE INDEX login_failures_user ON login_failures(username, at);
CREATE INDEX login_failures_ip ON login_failures(ip, at);

-- Append-only: the code has no update or delete path, and the triggers refuse them.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     INTEGER,
    username    TEXT NOT NULL,
    ip          TEXT NOT NULL,
    action      TEXT NOT NULL,           -- create, update, delete, login, logout, login_failed, unmask, export
    entity      TEXT NOT NULL,           -- table or concept: person, household, session, ...
    entity_id   TEXT,
    region_code TEXT NOT NULL DEFAULT '', -- where the fact lives, for scoped reading
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_region ON audit_log(region_code, id);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
