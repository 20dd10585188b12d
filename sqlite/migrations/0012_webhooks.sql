-- The webhook outbox (vigil.WebhookOutbox). A message is written in the
-- transaction of the change it describes; the delivery worker fans it out
-- into one delivery per configured endpoint (fanned_out then set), and
-- each delivery is attempted, retried and given up on its own. Times are
-- INTEGER unix microseconds; data is the payload's data object, as JSON
-- text, sent as stored.
CREATE TABLE webhook_messages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    data       TEXT    NOT NULL,
    fanned_out INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_messages_unfanned ON webhook_messages (seq) WHERE fanned_out = 0;
CREATE INDEX webhook_messages_created ON webhook_messages (created_at);

-- state: 'pending' (due at next_at; leased to a worker until lease_until),
-- 'delivered' or 'dead' (given up, a dead letter). since starts the retry
-- window (the message's time, or when an administrator revived it).
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT    NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint    TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    since       INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    lease_until INTEGER,
    last_at     INTEGER,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    UNIQUE (message_id, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (state, last_at);
