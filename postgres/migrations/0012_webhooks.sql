-- The webhook outbox (vigil.WebhookOutbox). A message is written in the
-- transaction of the change it describes; the delivery worker fans it out
-- into one delivery per configured endpoint (fanned_out then set), and
-- each delivery is attempted, retried and given up on its own. data is
-- the payload's data object as JSON text (text, not jsonb: sent byte for
-- byte as stored).
CREATE TABLE webhook_messages (
    seq        bigserial   PRIMARY KEY,
    id         text        NOT NULL UNIQUE,
    type       text        NOT NULL,
    created_at timestamptz NOT NULL,
    data       text        NOT NULL,
    fanned_out boolean     NOT NULL DEFAULT false
);
CREATE INDEX webhook_messages_unfanned ON webhook_messages (seq) WHERE NOT fanned_out;
CREATE INDEX webhook_messages_created ON webhook_messages (created_at);

-- state: 'pending' (due at next_at; leased to a worker until lease_until),
-- 'delivered' or 'dead' (given up, a dead letter). since starts the retry
-- window (the message's time, or when an administrator revived it).
CREATE TABLE webhook_deliveries (
    id          bigserial   PRIMARY KEY,
    message_id  text        NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint    text        NOT NULL,
    state       text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    since       timestamptz NOT NULL,
    attempts    integer     NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL,
    lease_until timestamptz,
    last_at     timestamptz,
    last_status integer     NOT NULL DEFAULT 0,
    last_error  text        NOT NULL DEFAULT '',
    UNIQUE (message_id, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (state, last_at);
