-- Users' second factors (vigil.FactorStore). Each goes with its user.
-- Times are INTEGER unix microseconds, NULL for "never".

-- One authenticator-app secret per user, sealed (never in the clear);
-- pending until confirmed_at is set. last_step: the last time step
-- accepted, so that no code is accepted twice.
CREATE TABLE totp_factors (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    created_at   INTEGER,
    confirmed_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER
);

-- Passkeys and security keys. A credential id is registered once, by
-- whichever user. transports: a JSON array of strings.
CREATE TABLE webauthn_credentials (
    id               BLOB    PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 1023),
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key       BLOB    NOT NULL,
    attestation_type TEXT    NOT NULL DEFAULT '',
    aaguid           BLOB    NOT NULL DEFAULT x'' CHECK (length(aaguid) IN (0, 16)),
    sign_count       INTEGER NOT NULL DEFAULT 0,
    transports       TEXT    NOT NULL DEFAULT '[]',
    backup_eligible  INTEGER NOT NULL DEFAULT 0,
    backup_state     INTEGER NOT NULL DEFAULT 0,
    name             TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER,
    last_used_at     INTEGER
);
CREATE INDEX webauthn_credentials_user_id ON webauthn_credentials (user_id);

-- The current recovery set of each user: SHA-256 of each code only.
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       BLOB    NOT NULL CHECK (length(hash) = 32),
    created_at INTEGER,
    used_at    INTEGER,
    PRIMARY KEY (user_id, hash)
);
