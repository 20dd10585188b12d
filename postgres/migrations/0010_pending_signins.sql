-- Sign-ins whose password was right and whose second step (a second
-- factor, or enrolling one) is still to come (vigil.PendingSignIn): the
-- SHA-256 of the token the client holds, never the token; one per user;
-- gone with the user.
CREATE TABLE pending_signins (
    hash        bytea       PRIMARY KEY CHECK (length(hash) = 32),
    user_id     bigint      NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    enrol       boolean     NOT NULL DEFAULT false,
    password_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
