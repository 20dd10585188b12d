-- vigil schema v1. Tables go in the connection's current schema (its
-- search_path), never a hard-coded one. Times are timestamptz (microsecond
-- precision), NULL for "never".

CREATE TABLE users (
    id                  bigserial   PRIMARY KEY,
    username            text        NOT NULL UNIQUE,
    role                text        NOT NULL,
    clinician_id        text        NOT NULL DEFAULT '',
    password_hash       text        NOT NULL DEFAULT '',
    disabled            boolean     NOT NULL DEFAULT false,
    created_at          timestamptz,
    last_login          timestamptz,
    password_changed_at timestamptz
);

-- Only the SHA-256 of a session token is kept (SPEC §2).
CREATE TABLE sessions (
    id            text        PRIMARY KEY,
    token_hash    bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz,
    last_activity timestamptz,
    reauth_at     timestamptz,
    ip            text        NOT NULL DEFAULT '',
    user_agent    text        NOT NULL DEFAULT '',
    ended_at      timestamptz,
    end_reason    text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;

-- The revocation log that caching instances follow. A sequence never hands
-- out a seq twice; appends take an advisory lock (see revocations.go) so that
-- entries also become visible in seq order.
CREATE TABLE revocations (
    seq        bigserial   PRIMARY KEY,
    session_id text        NOT NULL DEFAULT '',
    user_id    bigint      NOT NULL DEFAULT 0,
    created_at timestamptz
);

CREATE TABLE reset_tokens (
    hash       bytea       PRIMARY KEY CHECK (length(hash) = 32),
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX reset_tokens_user_id ON reset_tokens (user_id);

-- Append-only; newest first is id order. The (x, id) indexes serve
-- "WHERE x = $1 [AND id < $2] ORDER BY id DESC LIMIT n" without a sort; a
-- time-only filter scans the primary key backwards from the newest id.
CREATE TABLE audit_events (
    id         bigserial   PRIMARY KEY,
    time       timestamptz,
    username   text        NOT NULL DEFAULT '',
    actor      text        NOT NULL DEFAULT '',
    category   text        NOT NULL DEFAULT '',
    event      text        NOT NULL DEFAULT '',
    detail     text        NOT NULL DEFAULT '',
    ip         text        NOT NULL DEFAULT '',
    user_agent text        NOT NULL DEFAULT '',
    session_id text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_username ON audit_events (username, id);
CREATE INDEX audit_events_event ON audit_events (event, id);

-- failures: recent failure times, oldest first.
CREATE TABLE throttle (
    key          text          PRIMARY KEY,
    failures     timestamptz[] NOT NULL DEFAULT '{}',
    streak       integer       NOT NULL DEFAULT 0,
    locked_until timestamptz,
    updated_at   timestamptz
);
