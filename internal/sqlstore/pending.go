package sqlstore

import "github.com/vigilauth/vigil"

// PendingQueries are vigil.PendingSignInStore's statements in one
// dialect. Each reads or returns PendingColumns.
type PendingQueries struct {
	DeleteUser, Insert, Get, Consume string
}

// PendingColumns is a pending sign-in's columns, in PendingSignIn's order.
const PendingColumns = `hash, user_id, enrol, password_at, expires_at`

// NewPendingQueries returns the statements in dialect d.
func NewPendingQueries(d Dialect) PendingQueries {
	p := d.Param
	return PendingQueries{
		DeleteUser: `DELETE FROM pending_signins WHERE user_id = ` + p(1),
		Insert:     insert(d, `pending_signins (`+PendingColumns+`)`, 5),
		Get:        `SELECT ` + PendingColumns + ` FROM pending_signins WHERE hash = ` + p(1) + ` AND expires_at > ` + p(2),
		Consume: `DELETE FROM pending_signins WHERE hash = ` + p(1) + ` AND expires_at > ` + p(2) +
			` RETURNING ` + PendingColumns,
	}
}

// PendingArgs returns Insert's parameters for p.
func PendingArgs(d Dialect, p *vigil.PendingSignIn) []any {
	return []any{p.Hash[:], p.UserID, p.Enrol, d.Time(p.PasswordAt), d.Time(p.ExpiresAt)}
}

// Pending reads PendingColumns.
func (s Scan) Pending(row Row) (*vigil.PendingSignIn, error) {
	var p vigil.PendingSignIn
	d := s.Dialect
	err := row.Scan(d.HashDest(&p.Hash), &p.UserID, &p.Enrol, d.TimeDest(&p.PasswordAt), d.TimeDest(&p.ExpiresAt))
	if err != nil {
		return nil, err
	}
	return &p, nil
}
