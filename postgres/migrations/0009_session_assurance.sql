-- Multi-factor sign-in (SPEC §6): a session records the authentication
-- assurance level its sign-in reached (1 or 2; a step-up raises it) and
-- the factors it used, as names joined by commas ("password",
-- "password,totp", "passkey", ...; vigil.FactorSet). Sessions made before
-- were signed in by password alone.
ALTER TABLE sessions
    ADD COLUMN aal smallint NOT NULL DEFAULT 1 CHECK (aal IN (0, 1, 2)),
    ADD COLUMN factors text NOT NULL DEFAULT 'password';
