-- The server's own secrets, shared by every process on the file: the key
-- that signs known-device cookies. Created on first use, never changed.
CREATE TABLE server_keys (
    name       TEXT    PRIMARY KEY,
    key        BLOB    NOT NULL CHECK (length(key) = 32),
    created_at INTEGER NOT NULL
);
