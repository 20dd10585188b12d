-- vigil schema v1. Times are INTEGER unix microseconds, NULL for "never".

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE,
    role                TEXT    NOT NULL,
    clinician_id        TEXT    NOT NULL DEFAULT '',
    password_hash       TEXT    NOT NULL DEFAULT '',
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER,
    last_login          INTEGER,
    password_changed_at INTEGER
);

-- Only the SHA-256 of a session token is kept (SPEC §2).
CREATE TABLE sessions (
    id            TEXT    PRIMARY KEY,
    token_hash    BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER,
    last_activity INTEGER,
    reauth_at     INTEGER,
    ip            TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    ended_at      INTEGER,
    end_reason    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_ended_at ON sessions (ended_at);

-- The revocation log that caching instances follow. AUTOINCREMENT: a seq is
-- never reused, even after the newest entries are deleted.
CREATE TABLE revocations (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT    NOT NULL DEFAULT '',
    user_id    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER
);

CREATE TABLE reset_tokens (
    hash       BLOB    PRIMARY KEY CHECK (length(hash) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX reset_tokens_user_id ON reset_tokens (user_id);

-- Append-only; newest first is id order. An index on (x) is (x, rowid) in
-- SQLite, so these serve "WHERE x = ? [AND id < ?] ORDER BY id DESC LIMIT n"
-- with no sort (an index on (x, time) would need one). A time-only filter
-- scans backwards from the newest id.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    time       INTEGER,
    username   TEXT    NOT NULL DEFAULT '',
    actor      TEXT    NOT NULL DEFAULT '',
    category   TEXT    NOT NULL DEFAULT '',
    event      TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '',
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    session_id TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_username ON audit_events (username);
CREATE INDEX audit_events_event ON audit_events (event);

-- failures: comma-separated unix microseconds, oldest first.
CREATE TABLE throttle (
    key          TEXT    PRIMARY KEY,
    failures     TEXT    NOT NULL DEFAULT '',
    streak       INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    updated_at   INTEGER
);
