-- The server's own secrets, shared by every instance on the schema: the
-- key that signs known-device cookies. Created on first use, never changed.
CREATE TABLE server_keys (
    name       text        PRIMARY KEY,
    key        bytea       NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
