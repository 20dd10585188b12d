-- What an imported account brings from the app it came from (SPEC §6,
-- vigil user import): an email address and a name to show. Empty for
-- every existing account.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
