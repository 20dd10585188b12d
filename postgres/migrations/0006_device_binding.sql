-- Device-bound sessions (DBSC, SPEC §6): a session's binding lives with
-- it. The device's public key (a JWK) and its RFC 7638 thumbprint, when it
-- was bound (NULL while unbound), the SHA-256 of the current bound
-- cookie's value and when that cookie lapses, and the one outstanding
-- challenge (its SHA-256 and expiry). A hash of 32 zero bytes is "none".
ALTER TABLE sessions
    ADD COLUMN device_key text NOT NULL DEFAULT '',
    ADD COLUMN device_thumbprint text NOT NULL DEFAULT '',
    ADD COLUMN bound_at timestamptz,
    ADD COLUMN bound_cookie_hash bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
        CHECK (length(bound_cookie_hash) = 32),
    ADD COLUMN bound_cookie_lapse timestamptz,
    ADD COLUMN challenge_hash bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
        CHECK (length(challenge_hash) = 32),
    ADD COLUMN challenge_expires timestamptz;
