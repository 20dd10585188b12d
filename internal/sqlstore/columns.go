package sqlstore

// The column lists of the schema both stores share, each in the order its
// Scan method reads it. Users and sessions are qualified with their table,
// so that the lists can be joined.
const (
	UserColumns = `users.id, users.username, users.role, users.clinician_id, users.password_hash,
	users.disabled, users.created_at, users.last_login, users.password_changed_at, users.email,
	users.display_name`
	SessionColumns = `sessions.id, sessions.token_hash, sessions.user_id, sessions.created_at,
	sessions.last_activity, sessions.reauth_at, sessions.ip, sessions.user_agent,
	sessions.ended_at, sessions.end_reason, sessions.device_key, sessions.device_thumbprint,
	sessions.bound_at, sessions.bound_cookie_hash, sessions.bound_cookie_lapse, sessions.challenge_hash,
	sessions.challenge_expires, sessions.aal, sessions.factors`
	RevocationColumns = `seq, session_id, user_id`
)

// SessionsWithUsers is the FROM clause of a session read with its user.
const SessionsWithUsers = ` FROM sessions JOIN users ON users.id = sessions.user_id`

// LiveFirst orders sessions as the session lists are ordered: most recent
// activity first, ties newest first, a session without activity last.
const LiveFirst = ` ORDER BY sessions.last_activity DESC NULLS LAST, sessions.created_at DESC NULLS LAST, sessions.id`
