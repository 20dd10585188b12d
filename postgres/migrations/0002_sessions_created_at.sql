-- The sweep deletes sessions past any lifetime by their creation time.
CREATE INDEX sessions_created_at ON sessions (created_at);
