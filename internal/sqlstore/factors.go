package sqlstore

import (
	"encoding/json"
	"fmt"

	"github.com/vigilauth/vigil"
)

// What the stores say alike of vigil.FactorStore (migration 0007): the
// column lists, the statements in a dialect, and the scanning of rows.

// The column lists of the factor tables, each in the order its Scan
// method reads it.
const (
	TOTPColumns     = `user_id, secret, created_at, confirmed_at, last_step, last_used_at`
	WebAuthnColumns = `id, user_id, public_key, attestation_type, aaguid, sign_count, transports,
	backup_eligible, backup_state, name, created_at, last_used_at`
	RecoveryColumns = `hash, created_at, used_at`
)

// FactorQueries are vigil.FactorStore's statements in one dialect. Each
// names its parameters in the order of the comment beside it.
type FactorQueries struct {
	TOTP        string // userID → TOTPColumns
	Credentials string // userID → WebAuthnColumns, oldest first
	Credential  string // id → WebAuthnColumns
	Recovery    string // userID → RecoveryColumns

	// AddTOTP inserts, or replaces a pending one; it changes no row when
	// the user's TOTP is confirmed. (userID, secret, createdAt, lastStep)
	AddTOTP string
	// ConfirmTOTP changes no row unless the TOTP is pending.
	// (userID, step, at)
	ConfirmTOTP string
	// RecordStep changes no row unless the TOTP is confirmed with a lower
	// LastStep. (userID, step, at)
	RecordStep    string
	TOTPConfirmed string // userID → one row if the user has a confirmed TOTP
	ResealTOTP    string // (userID, old, sealed)
	RemoveTOTP    string // userID

	AddCredential    string // InsertWebAuthn's parameters
	RenameCredential string // (userID, id, name)
	// RecordUse keeps the greater sign count. (id, signCount, backupState, at)
	RecordUse        string
	RemoveCredential string // (userID, id)

	UserExists     string // userID → one row if the user exists
	DeleteRecovery string // userID
	InsertRecovery string // (userID, hash, createdAt)
	// ConsumeRecovery changes no row unless the code is unused.
	// (userID, hash, at)
	ConsumeRecovery string
	RecoveryLeft    string // userID → the count of unused codes

	// RemoveAll deletes every factor of a user, one table a statement.
	// (userID)
	RemoveAll []string
}

// NewFactorQueries returns the statements in dialect d; greatest is its
// function of the greater of two values (max in SQLite, GREATEST in
// PostgreSQL).
func NewFactorQueries(d Dialect, greatest string) FactorQueries {
	p := d.Param
	return FactorQueries{
		TOTP:        `SELECT ` + TOTPColumns + ` FROM totp_factors WHERE user_id = ` + p(1),
		Credentials: `SELECT ` + WebAuthnColumns + ` FROM webauthn_credentials WHERE user_id = ` + p(1) + ` ORDER BY created_at, id`,
		Credential:  `SELECT ` + WebAuthnColumns + ` FROM webauthn_credentials WHERE id = ` + p(1),
		Recovery:    `SELECT ` + RecoveryColumns + ` FROM recovery_codes WHERE user_id = ` + p(1),

		AddTOTP: `INSERT INTO totp_factors (user_id, secret, created_at, last_step) VALUES (` +
			p(1) + `, ` + p(2) + `, ` + p(3) + `, ` + p(4) + `)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
			last_step = excluded.last_step, last_used_at = NULL WHERE totp_factors.confirmed_at IS NULL`,
		ConfirmTOTP: `UPDATE totp_factors SET confirmed_at = ` + p(3) + `, last_used_at = ` + p(3) +
			`, last_step = ` + p(2) + ` WHERE user_id = ` + p(1) + ` AND confirmed_at IS NULL`,
		RecordStep: `UPDATE totp_factors SET last_step = ` + p(2) + `, last_used_at = ` + p(3) +
			` WHERE user_id = ` + p(1) + ` AND confirmed_at IS NOT NULL AND last_step < ` + p(2),
		TOTPConfirmed: `SELECT 1 FROM totp_factors WHERE user_id = ` + p(1) + ` AND confirmed_at IS NOT NULL`,
		ResealTOTP:    `UPDATE totp_factors SET secret = ` + p(3) + ` WHERE user_id = ` + p(1) + ` AND secret = ` + p(2),
		RemoveTOTP:    `DELETE FROM totp_factors WHERE user_id = ` + p(1),

		AddCredential: insert(d, `webauthn_credentials (id, user_id, public_key, attestation_type, aaguid,
			sign_count, transports, backup_eligible, backup_state, name, created_at, last_used_at)`, 12),
		RenameCredential: `UPDATE webauthn_credentials SET name = ` + p(3) + ` WHERE user_id = ` + p(1) + ` AND id = ` + p(2),
		RecordUse: `UPDATE webauthn_credentials SET sign_count = ` + greatest + `(sign_count, ` + p(2) +
			`), backup_state = ` + p(3) + `, last_used_at = ` + p(4) + ` WHERE id = ` + p(1),
		RemoveCredential: `DELETE FROM webauthn_credentials WHERE user_id = ` + p(1) + ` AND id = ` + p(2),

		UserExists:     `SELECT 1 FROM users WHERE id = ` + p(1),
		DeleteRecovery: `DELETE FROM recovery_codes WHERE user_id = ` + p(1),
		InsertRecovery: `INSERT INTO recovery_codes (user_id, hash, created_at) VALUES (` + p(1) + `, ` + p(2) + `, ` + p(3) + `)`,
		ConsumeRecovery: `UPDATE recovery_codes SET used_at = ` + p(3) + ` WHERE user_id = ` + p(1) +
			` AND hash = ` + p(2) + ` AND used_at IS NULL`,
		RecoveryLeft: `SELECT count(*) FROM recovery_codes WHERE user_id = ` + p(1) + ` AND used_at IS NULL`,

		RemoveAll: []string{
			`DELETE FROM totp_factors WHERE user_id = ` + p(1),
			`DELETE FROM webauthn_credentials WHERE user_id = ` + p(1),
			`DELETE FROM recovery_codes WHERE user_id = ` + p(1),
		},
	}
}

// WebAuthnArgs returns AddCredential's parameters for c.
func WebAuthnArgs(d Dialect, c *vigil.WebAuthnCredential) []any {
	return []any{bytesArg(c.ID), c.UserID, bytesArg(c.PublicKey), c.AttestationType, bytesArg(c.AAGUID),
		int64(c.SignCount), TransportsText(c.Transports), c.BackupEligible, c.BackupState, c.Name,
		d.Time(c.CreatedAt), d.Time(c.LastUsedAt)}
}

// bytesArg passes b, an empty value rather than NULL when b is nil.
func bytesArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// TransportsText returns transports as the stores keep them: a JSON array
// of strings ("[]" for none).
func TransportsText(transports []string) string {
	if len(transports) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(transports) // a []string always marshals
	return string(b)
}

// TOTP reads TOTPColumns.
func (s Scan) TOTP(row Row) (vigil.TOTPFactor, error) {
	var f vigil.TOTPFactor
	d := s.Dialect
	err := row.Scan(&f.UserID, &f.Secret, d.TimeDest(&f.CreatedAt), d.TimeDest(&f.ConfirmedAt), &f.LastStep,
		d.TimeDest(&f.LastUsedAt))
	return f, err
}

// WebAuthn reads WebAuthnColumns.
func (s Scan) WebAuthn(row Row) (vigil.WebAuthnCredential, error) {
	var c vigil.WebAuthnCredential
	var signCount int64
	d := s.Dialect
	err := row.Scan(bytesDest{&c.ID}, &c.UserID, bytesDest{&c.PublicKey}, &c.AttestationType, bytesDest{&c.AAGUID},
		&signCount, transportsDest{&c.Transports}, &c.BackupEligible, &c.BackupState, &c.Name,
		d.TimeDest(&c.CreatedAt), d.TimeDest(&c.LastUsedAt))
	if err == nil && (signCount < 0 || signCount > 1<<32-1) {
		err = fmt.Errorf("sign_count column holds %d, out of a uint32's range", signCount)
	}
	c.SignCount = uint32(signCount)
	return c, err
}

// Recovery reads RecoveryColumns.
func (s Scan) Recovery(row Row) (vigil.RecoveryCode, error) {
	var c vigil.RecoveryCode
	d := s.Dialect
	err := row.Scan(d.HashDest(&c.Hash), d.TimeDest(&c.CreatedAt), d.TimeDest(&c.UsedAt))
	return c, err
}

// bytesDest scans a BLOB or bytea into a copy of its bytes; nil when empty.
type bytesDest struct{ b *[]byte }

// Scan implements sql.Scanner (pgx scans through it too).
func (d bytesDest) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d.b = nil
	case []byte:
		*d.b = nil
		if len(v) > 0 {
			*d.b = append([]byte(nil), v...)
		}
	default:
		return fmt.Errorf("bytes column holds %T, want bytes", v)
	}
	return nil
}

// transportsDest scans TransportsText's JSON back; nil for none.
type transportsDest struct{ t *[]string }

// Scan implements sql.Scanner (pgx scans through it too).
func (d transportsDest) Scan(v any) error {
	var text []byte
	switch v := v.(type) {
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return fmt.Errorf("transports column holds %T, want text", v)
	}
	var ts []string
	if err := json.Unmarshal(text, &ts); err != nil {
		return fmt.Errorf("transports column: %w", err)
	}
	*d.t = nil
	if len(ts) > 0 {
		*d.t = ts
	}
	return nil
}
