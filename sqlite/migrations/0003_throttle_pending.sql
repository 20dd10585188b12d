-- Attempts admitted by the throttle and not yet settled (the password is
-- still being checked), apart from the failures: a burst of logins in
-- flight from one address holds its place without counting as failures.
ALTER TABLE throttle ADD COLUMN pending TEXT NOT NULL DEFAULT '';
