package sqlstore

import "github.com/vigilauth/vigil"

// Row is one row to scan: a *sql.Row or *sql.Rows, a pgx.Row or pgx.Rows.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set: a *sql.Rows or pgx.Rows.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// Collect scans every row of rows with scan and returns them in order;
// nil when there are none. The caller closes rows.
func Collect[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Scan reads rows of the shared column lists into vigil's types, times
// and token hashes as the store's dialect keeps them.
type Scan struct{ Dialect Dialect }

// User reads UserColumns.
func (s Scan) User(row Row) (vigil.User, error) {
	var u vigil.User
	err := row.Scan(s.appendUser(make([]any, 0, userFields), &u)...)
	return u, err
}

// Session reads SessionColumns.
func (s Scan) Session(row Row) (vigil.Session, error) {
	var ses vigil.Session
	err := row.Scan(s.appendSession(make([]any, 0, sessionFields), &ses)...)
	return ses, err
}

// SessionUser reads SessionColumns followed by UserColumns into a new
// session and user (SessionByToken's, which returns them as they are).
func (s Scan) SessionUser(row Row) (*vigil.Session, *vigil.User, error) {
	ses, u := new(vigil.Session), new(vigil.User)
	dest := s.appendUser(s.appendSession(make([]any, 0, sessionFields+userFields), ses), u)
	return ses, u, row.Scan(dest...)
}

// SessionWithUser reads SessionColumns followed by users.username and
// users.role.
func (s Scan) SessionWithUser(row Row) (vigil.SessionWithUser, error) {
	var su vigil.SessionWithUser
	dest := s.appendSession(make([]any, 0, sessionFields+2), &su.Session)
	err := row.Scan(append(dest, &su.Username, &su.Role)...)
	return su, err
}

// Event reads EventColumns.
func (s Scan) Event(row Row) (vigil.Event, error) {
	var e vigil.Event
	err := row.Scan(&e.ID, s.Dialect.TimeDest(&e.Time), &e.Username, &e.Actor, &e.Category, &e.Event,
		&e.Detail, &e.IP, &e.UserAgent, &e.SessionID)
	return e, err
}

// Revocation reads RevocationColumns.
func (Scan) Revocation(row Row) (vigil.Revocation, error) {
	var r vigil.Revocation
	err := row.Scan(&r.Seq, &r.SessionID, &r.UserID)
	return r, err
}

// How many columns SessionColumns and UserColumns have.
const (
	sessionFields = 19
	userFields    = 11
)

// appendSession appends the destinations of SessionColumns to dest.
func (s Scan) appendSession(dest []any, ses *vigil.Session) []any {
	d := s.Dialect
	return append(dest, &ses.ID, d.HashDest(&ses.TokenHash), &ses.UserID, d.TimeDest(&ses.CreatedAt),
		d.TimeDest(&ses.LastActivity), d.TimeDest(&ses.ReauthAt), &ses.IP, &ses.UserAgent,
		d.TimeDest(&ses.EndedAt), &ses.EndReason, &ses.Binding.Key, &ses.Binding.Thumbprint,
		d.TimeDest(&ses.Binding.BoundAt), d.HashDest(&ses.Binding.CookieHash), d.TimeDest(&ses.Binding.CookieLapse),
		d.HashDest(&ses.Binding.Challenge), d.TimeDest(&ses.Binding.ChallengeExpires), &ses.AAL, FactorsDest(&ses.Factors))
}

// appendUser appends the destinations of UserColumns to dest.
func (s Scan) appendUser(dest []any, u *vigil.User) []any {
	d := s.Dialect
	return append(dest, &u.ID, &u.Username, &u.Role, &u.ClinicianID, &u.PasswordHash,
		&u.Disabled, d.TimeDest(&u.CreatedAt), d.TimeDest(&u.LastLogin), d.TimeDest(&u.PasswordChangedAt),
		&u.Email, &u.DisplayName)
}
