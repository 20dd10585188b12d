package sqlstore

import "github.com/vigilauth/vigil"

// CeremonyQueries are vigil.CeremonyStore's statements in one dialect
// (migration 0011). Get and Consume return CeremonyColumns.
type CeremonyQueries struct {
	// DeleteUserExpired deletes the user's ceremonies that expire at or
	// before now, and the oldest beyond keep. (userID, now, keep)
	DeleteUserExpired string
	// DeletePasswordlessExpired deletes the expired passwordless ones. (now)
	DeletePasswordlessExpired string
	Insert                    string // CeremonyArgs
	Consume                   string // (hash, now)
}

// CeremonyColumns is a ceremony's columns, in Ceremony's order; a
// passwordless one's user_id reads as 0.
const CeremonyColumns = `hash, kind, COALESCE(user_id, 0), bound, data, expires_at`

// NewCeremonyQueries returns the statements in dialect d.
func NewCeremonyQueries(d Dialect) CeremonyQueries {
	p := d.Param
	return CeremonyQueries{
		DeleteUserExpired: `DELETE FROM webauthn_ceremonies WHERE user_id = ` + p(1) + ` AND (expires_at <= ` + p(2) +
			` OR hash NOT IN (SELECT hash FROM webauthn_ceremonies WHERE user_id = ` + p(1) +
			` ORDER BY expires_at DESC, hash LIMIT ` + p(3) + `))`,
		DeletePasswordlessExpired: `DELETE FROM webauthn_ceremonies WHERE user_id IS NULL AND expires_at <= ` + p(1),
		Insert:                    insert(d, `webauthn_ceremonies (hash, kind, user_id, bound, data, expires_at)`, 6),
		Consume: `DELETE FROM webauthn_ceremonies WHERE hash = ` + p(1) + ` AND expires_at > ` + p(2) +
			` RETURNING ` + CeremonyColumns,
	}
}

// CeremonyArgs returns Insert's parameters for c: a user id of 0 is NULL.
func CeremonyArgs(d Dialect, c *vigil.Ceremony) []any {
	var user any
	if c.UserID != 0 {
		user = c.UserID
	}
	data := c.Data
	if data == nil {
		data = []byte{}
	}
	return []any{c.Hash[:], string(c.Kind), user, c.Bound, data, d.Time(c.ExpiresAt)}
}

// Ceremony reads CeremonyColumns.
func (s Scan) Ceremony(row Row) (*vigil.Ceremony, error) {
	var c vigil.Ceremony
	var kind string
	d := s.Dialect
	if err := row.Scan(d.HashDest(&c.Hash), &kind, &c.UserID, &c.Bound, &c.Data, d.TimeDest(&c.ExpiresAt)); err != nil {
		return nil, err
	}
	c.Kind = vigil.CeremonyKind(kind)
	return &c, nil
}
