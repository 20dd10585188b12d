-- Sign-ins whose password was right and whose second step (a second
-- factor, or enrolling one) is still to come (vigil.PendingSignIn): the
-- SHA-256 of the token the client holds, never the token; one per user;
-- gone with the user. Times are INTEGER unix microseconds.
CREATE TABLE pending_signins (
    hash        BLOB    PRIMARY KEY CHECK (length(hash) = 32),
    user_id     INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    enrol       INTEGER NOT NULL DEFAULT 0,
    password_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
