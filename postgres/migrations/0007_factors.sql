-- Users' second factors (vigil.FactorStore). Each goes with its user.

-- One authenticator-app secret per user, sealed (never in the clear);
-- pending until confirmed_at is set. last_step: the last time step
-- accepted, so that no code is accepted twice.
CREATE TABLE totp_factors (
    user_id      bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       text        NOT NULL,
    created_at   timestamptz,
    confirmed_at timestamptz,
    last_step    bigint      NOT NULL DEFAULT 0,
    last_used_at timestamptz
);

-- Passkeys and security keys. A credential id is registered once, by
-- whichever user. transports: a JSON array of strings.
CREATE TABLE webauthn_credentials (
    id               bytea       PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 1023),
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key       bytea       NOT NULL,
    attestation_type text        NOT NULL DEFAULT '',
    aaguid           bytea       NOT NULL DEFAULT '' CHECK (length(aaguid) IN (0, 16)),
    sign_count       bigint      NOT NULL DEFAULT 0 CHECK (sign_count BETWEEN 0 AND 4294967295),
    transports       text        NOT NULL DEFAULT '[]',
    backup_eligible  boolean     NOT NULL DEFAULT false,
    backup_state     boolean     NOT NULL DEFAULT false,
    name             text        NOT NULL DEFAULT '',
    created_at       timestamptz,
    last_used_at     timestamptz
);
CREATE INDEX webauthn_credentials_user_id ON webauthn_credentials (user_id);

-- The current recovery set of each user: SHA-256 of each code only.
CREATE TABLE recovery_codes (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       bytea       NOT NULL CHECK (length(hash) = 32),
    created_at timestamptz,
    used_at    timestamptz,
    PRIMARY KEY (user_id, hash)
);
