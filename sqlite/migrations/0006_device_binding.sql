-- Device-bound sessions (DBSC, SPEC §6): a session's binding lives with
-- it. The device's public key (a JWK) and its RFC 7638 thumbprint, when it
-- was bound (NULL while unbound), the SHA-256 of the current bound
-- cookie's value and when that cookie lapses, and the one outstanding
-- challenge (its SHA-256 and expiry). A hash of 32 zero bytes is "none".
ALTER TABLE sessions ADD COLUMN device_key TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN device_thumbprint TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN bound_at INTEGER;
ALTER TABLE sessions ADD COLUMN bound_cookie_hash BLOB NOT NULL DEFAULT X'0000000000000000000000000000000000000000000000000000000000000000'
    CHECK (length(bound_cookie_hash) = 32);
ALTER TABLE sessions ADD COLUMN bound_cookie_lapse INTEGER;
ALTER TABLE sessions ADD COLUMN challenge_hash BLOB NOT NULL DEFAULT X'0000000000000000000000000000000000000000000000000000000000000000'
    CHECK (length(challenge_hash) = 32);
ALTER TABLE sessions ADD COLUMN challenge_expires INTEGER;
