package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.FactorStore = (*Store)(nil)

// factorSQL is vigil.FactorStore's statements in SQLite's dialect.
var factorSQL = sqlstore.NewFactorQueries(dialect{}, "max")

// Factors returns everything the user has enrolled, read in one
// transaction (one WAL snapshot), so that the three kinds agree.
func (s *Store) Factors(ctx context.Context, userID int64) (*vigil.Factors, error) {
	const op = "factors"
	tx, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap(ctx, op, err)
	}
	defer tx.Rollback() // read only: nothing to commit
	f := &vigil.Factors{}
	totp, err := scan.TOTP(tx.QueryRowContext(ctx, factorSQL.TOTP, userID))
	switch {
	case err == nil:
		f.TOTP = &totp
	case !errors.Is(err, sql.ErrNoRows):
		return nil, wrap(ctx, op, err)
	}
	if f.WebAuthn, err = queryAll(ctx, tx, factorSQL.Credentials, userID, scan.WebAuthn); err != nil {
		return nil, wrap(ctx, op, err)
	}
	if f.Recovery, err = queryAll(ctx, tx, factorSQL.Recovery, userID, scan.Recovery); err != nil {
		return nil, wrap(ctx, op, err)
	}
	return f, nil
}

// queryAll runs a query of one parameter on q and reads every row.
func queryAll[T any](ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, arg any, read func(sqlstore.Row) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	return collect(rows, read)
}

// AddTOTP stores f as the user's pending TOTP, replacing a pending one, in
// one statement. ErrConflict if a confirmed one exists; ErrNotFound if
// there is no such user.
func (s *Store) AddTOTP(ctx context.Context, f *vigil.TOTPFactor) error {
	res, err := s.write.ExecContext(ctx, factorSQL.AddTOTP, f.UserID, f.Secret, dbTime(f.CreatedAt), f.LastStep)
	if err == nil {
		err = rowsOr(res, vigil.ErrConflict)
	}
	return wrap(ctx, "add totp", err)
}

// ConfirmTOTP confirms the user's pending TOTP and writes a
// vigil.WebhookMFAChanged message, in one transaction. ErrNotFound if
// there is none pending.
func (s *Store) ConfirmTOTP(ctx context.Context, userID int64, step int64, at time.Time) error {
	return s.changeFactors(ctx, "confirm totp", userID, vigil.MFAChangeTOTPAdded, at,
		factorSQL.ConfirmTOTP, userID, step, dbTime(at))
}

// RecordTOTPStep records step if it is greater than the stored one, by a
// conditional UPDATE on the single write connection. ErrConflict if it is
// not; ErrNotFound if the user has no confirmed TOTP.
func (s *Store) RecordTOTPStep(ctx context.Context, userID int64, step int64, at time.Time) error {
	const op = "record totp step"
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, factorSQL.RecordStep, userID, step, dbTime(at))
		if err != nil {
			return err
		}
		if rowsOr(res, errNone) == nil {
			return nil
		}
		var one int
		if err := tx.QueryRowContext(ctx, factorSQL.TOTPConfirmed, userID).Scan(&one); err != nil {
			return err // sql.ErrNoRows: no confirmed TOTP
		}
		return vigil.ErrConflict
	})
}

// ResealTOTP replaces the user's sealed secret if it is still old.
// ErrNotFound if it is not.
func (s *Store) ResealTOTP(ctx context.Context, userID int64, old, sealed string) error {
	return s.updateUser(ctx, "reseal totp", factorSQL.ResealTOTP, userID, old, sealed)
}

// RemoveTOTP deletes the user's TOTP and writes a vigil.WebhookMFAChanged
// message, in one transaction. ErrNotFound if there is none.
func (s *Store) RemoveTOTP(ctx context.Context, userID int64) error {
	return s.changeFactors(ctx, "remove totp", userID, vigil.MFAChangeTOTPRemoved, time.Now(),
		factorSQL.RemoveTOTP, userID)
}

// AddWebAuthnCredential stores c and writes a vigil.WebhookMFAChanged
// message, in one transaction. ErrConflict if its id is taken;
// ErrNotFound if its user does not exist.
func (s *Store) AddWebAuthnCredential(ctx context.Context, c *vigil.WebAuthnCredential) error {
	return s.changeFactors(ctx, "add webauthn credential", c.UserID, vigil.MFAChangePasskeyAdded, c.CreatedAt,
		factorSQL.AddCredential, sqlstore.WebAuthnArgs(dialect{}, c)...)
}

// WebAuthnCredentials returns the user's credentials, oldest first.
func (s *Store) WebAuthnCredentials(ctx context.Context, userID int64) ([]vigil.WebAuthnCredential, error) {
	list, err := queryAll(ctx, s.read, factorSQL.Credentials, userID, scan.WebAuthn)
	return list, wrap(ctx, "webauthn credentials", err)
}

// WebAuthnCredential returns the credential with id, or ErrNotFound.
func (s *Store) WebAuthnCredential(ctx context.Context, id []byte) (*vigil.WebAuthnCredential, error) {
	c, err := scan.WebAuthn(s.read.QueryRowContext(ctx, factorSQL.Credential, id))
	if err != nil {
		return nil, wrap(ctx, "webauthn credential", err)
	}
	return &c, nil
}

// RenameWebAuthnCredential names the user's credential. ErrNotFound if
// the user has no credential with id.
func (s *Store) RenameWebAuthnCredential(ctx context.Context, userID int64, id []byte, name string) error {
	return s.updateUser(ctx, "rename webauthn credential", factorSQL.RenameCredential, userID, id, name)
}

// RecordWebAuthnUse records an assertion of credential id. ErrNotFound if
// there is no such credential.
func (s *Store) RecordWebAuthnUse(ctx context.Context, id []byte, signCount uint32, backupState bool, at time.Time) error {
	return s.updateUser(ctx, "record webauthn use", factorSQL.RecordUse, id, int64(signCount), backupState, dbTime(at))
}

// RemoveWebAuthnCredential deletes the user's credential and writes a
// vigil.WebhookMFAChanged message, in one transaction. ErrNotFound if the
// user has no credential with id.
func (s *Store) RemoveWebAuthnCredential(ctx context.Context, userID int64, id []byte) error {
	return s.changeFactors(ctx, "remove webauthn credential", userID, vigil.MFAChangePasskeyRemoved, time.Now(),
		factorSQL.RemoveCredential, userID, id)
}

// changeFactors runs query, which changes the user's factors, and writes
// the vigil.WebhookMFAChanged message of change, in one transaction;
// ErrNotFound if the statement changed no row (and then nothing is
// written).
func (s *Store) changeFactors(ctx context.Context, op string, userID int64, change string, at time.Time, query string, args ...any) error {
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return writeMFAWebhook(ctx, tx, userID, change, at)
	})
}

// writeMFAWebhook adds the vigil.WebhookMFAChanged message of change to
// the outbox within tx.
func writeMFAWebhook(ctx context.Context, tx *sql.Tx, userID int64, change string, at time.Time) error {
	return writeUserWebhook(ctx, tx, vigil.WebhookMFAChanged, at, sqlstore.UserData{UserID: userID, Change: change})
}

// ReplaceRecoveryCodes replaces the user's recovery set and writes a
// vigil.WebhookMFAChanged message, in one transaction. ErrConflict if hashes repeat; ErrNotFound if there is no
// such user.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []vigil.TokenHash, at time.Time) error {
	return s.inTx(ctx, "replace recovery codes", func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, factorSQL.UserExists, userID).Scan(&one); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, factorSQL.DeleteRecovery, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := tx.ExecContext(ctx, factorSQL.InsertRecovery, userID, h[:], dbTime(at)); err != nil {
				return err
			}
		}
		return writeMFAWebhook(ctx, tx, userID, vigil.MFAChangeRecoveryReplaced, at)
	})
}

// ConsumeRecoveryCode marks the user's unused code h used and counts the
// unused ones left, in one transaction. ErrNotFound if the user has no
// unused code h.
func (s *Store) ConsumeRecoveryCode(ctx context.Context, userID int64, h vigil.TokenHash, at time.Time) (int, error) {
	var left int
	err := s.inTx(ctx, "consume recovery code", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, factorSQL.ConsumeRecovery, userID, h[:], dbTime(at))
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, factorSQL.RecoveryLeft, userID).Scan(&left)
	})
	return left, err
}

// RemoveFactors deletes every factor of the user, and reports whether
// there was any, writing a vigil.WebhookMFAChanged message if there was,
// in one transaction.
func (s *Store) RemoveFactors(ctx context.Context, userID int64) (bool, error) {
	var removed bool
	err := s.inTx(ctx, "remove factors", func(tx *sql.Tx) error {
		for _, q := range factorSQL.RemoveAll {
			res, err := tx.ExecContext(ctx, q, userID)
			if err != nil {
				return err
			}
			removed = removed || rowsOr(res, errNone) == nil
		}
		if !removed {
			return nil
		}
		return writeMFAWebhook(ctx, tx, userID, vigil.MFAChangeFactorsRemoved, time.Now())
	})
	return removed, err
}

// rowsOr returns none when the statement changed no row, else the
// driver's error (nil).
func rowsOr(res sql.Result, none error) error {
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return none
	}
	return err
}

// errNone is what rowsOr reports for no row where no sentinel applies.
var errNone = errors.New("no row changed")
