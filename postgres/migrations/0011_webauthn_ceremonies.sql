-- WebAuthn ceremonies waiting for the client's answer (vigil.Ceremony):
-- the SHA-256 of the token the client holds, never the token; what the
-- ceremony is for and tied to; go-webauthn's session data (the
-- challenge) as JSON. Used once; a passwordless one has no user (NULL);
-- gone with the user.
CREATE TABLE webauthn_ceremonies (
    hash       bytea       PRIMARY KEY CHECK (length(hash) = 32),
    kind       text        NOT NULL,
    user_id    bigint      REFERENCES users (id) ON DELETE CASCADE,
    bound      text        NOT NULL DEFAULT '',
    data       bytea       NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX webauthn_ceremonies_user ON webauthn_ceremonies (user_id, expires_at);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);
