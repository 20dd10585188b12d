-- The audit chain (package auditlog; docs/events.md, "The audit chain").
-- Each event gets its place in one chain: seq (1, 2, 3... in the order
-- appended, no gaps), prev_hash (the previous event's hash) and hash (the
-- SHA-256 of its canonical bytes). The events already here are chained in
-- id order by the same migration, in Go (sqlite/audit.go, afterMigration).
ALTER TABLE audit_events ADD COLUMN seq INTEGER;
ALTER TABLE audit_events ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_events ADD COLUMN hash BLOB;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);

-- The chain's head, one row: the newest event's seq and hash (the next
-- event's prev_hash), and the last seq retention deleted, if any (the
-- checkpoint at it is kept: the chain begins there).
CREATE TABLE audit_chain (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    seq            INTEGER NOT NULL,
    hash           BLOB    NOT NULL CHECK (length(hash) = 32),
    pruned_through INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, zeroblob(32));

-- Checkpoints: an event's seq and hash at a time, signed with the audit key
-- (key_id '' and no signature when none was configured).
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      BLOB    NOT NULL CHECK (length(hash) = 32),
    time      INTEGER NOT NULL,
    key_id    TEXT    NOT NULL DEFAULT '',
    signature BLOB
);
