-- The audit chain (package auditlog; docs/events.md, "The audit chain").
-- Each event gets its place in one chain: seq (1, 2, 3... in the order
-- appended, no gaps: it comes from the head row, locked by the appending
-- transaction, never from a sequence, which a rollback would leave with a
-- gap), prev_hash (the previous event's hash) and hash (the SHA-256 of its
-- canonical bytes). The events already here are chained in id order by the
-- same migration, in Go (postgres/audit.go, afterMigration).
ALTER TABLE audit_events ADD COLUMN seq bigint;
ALTER TABLE audit_events ADD COLUMN prev_hash bytea;
ALTER TABLE audit_events ADD COLUMN hash bytea;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);

-- The chain's head, one row: the newest event's seq and hash (the next
-- event's prev_hash), and the last seq retention deleted, if any (the
-- checkpoint at it is kept: the chain begins there). Appends lock it.
CREATE TABLE audit_chain (
    id             integer PRIMARY KEY CHECK (id = 1),
    seq            bigint  NOT NULL,
    hash           bytea   NOT NULL CHECK (length(hash) = 32),
    pruned_through bigint  NOT NULL DEFAULT 0
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

-- Checkpoints: an event's seq and hash at a time, signed with the audit key
-- (key_id '' and no signature when none was configured).
CREATE TABLE audit_checkpoints (
    seq       bigint      PRIMARY KEY,
    hash      bytea       NOT NULL CHECK (length(hash) = 32),
    time      timestamptz NOT NULL,
    key_id    text        NOT NULL DEFAULT '',
    signature bytea
);
