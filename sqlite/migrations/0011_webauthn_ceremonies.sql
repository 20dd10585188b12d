-- WebAuthn ceremonies waiting for the client's answer (vigil.Ceremony):
-- the SHA-256 of the token the client holds, never the token; what the
-- ceremony is for and tied to; go-webauthn's session data (the
-- challenge) as JSON. Used once; a passwordless one has no user (NULL);
-- gone with the user. Times are INTEGER unix microseconds.
CREATE TABLE webauthn_ceremonies (
    hash       BLOB    PRIMARY KEY CHECK (length(hash) = 32),
    kind       TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    bound      TEXT    NOT NULL DEFAULT '',
    data       BLOB    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX webauthn_ceremonies_user ON webauthn_ceremonies (user_id, expires_at);
CREATE INDEX webauthn_ceremonies_expires ON webauthn_ceremonies (expires_at);
