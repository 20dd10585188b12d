package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

var _ vigil.FactorStore = (*Store)(nil)

// factorSQL is vigil.FactorStore's statements in PostgreSQL's dialect.
var factorSQL = sqlstore.NewFactorQueries(dialect{}, "GREATEST")

// lockUser locks the user's row against another lockUser until the
// transaction ends (FOR NO KEY UPDATE: inserts that reference the user
// still go on), so that replacing a user's recovery set is serialized:
// without it, two concurrent replacements would each delete only the
// rows they saw and leave both new sets. pgx.ErrNoRows if there is no
// such user.
const lockUser = `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`

// Factors returns everything the user has enrolled, read in one
// REPEATABLE READ transaction, so that the three kinds agree.
func (s *Store) Factors(ctx context.Context, userID int64) (*vigil.Factors, error) {
	f := &vigil.Factors{}
	err := s.run(ctx, "factors", func(ctx context.Context) error {
		opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
		return pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
			totp, err := scan.TOTP(tx.QueryRow(ctx, factorSQL.TOTP, userID))
			switch {
			case err == nil:
				f.TOTP = &totp
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
			if f.WebAuthn, err = queryAll(ctx, tx, factorSQL.Credentials, userID, scan.WebAuthn); err != nil {
				return err
			}
			f.Recovery, err = queryAll(ctx, tx, factorSQL.Recovery, userID, scan.Recovery)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// queryAll runs a query of one parameter on q and reads every row.
func queryAll[T any](ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, arg any, read func(sqlstore.Row) (T, error)) ([]T, error) {
	rows, err := q.Query(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	return collect(rows, read)
}

// exec runs one statement and returns none when it changed no row.
func (s *Store) exec(ctx context.Context, op string, none error, query string, args ...any) error {
	return s.run(ctx, op, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, query, args...)
		return rowsOr(tag, err, none)
	})
}

// rowsOr returns err, or none when the statement changed no row.
func rowsOr(tag pgconn.CommandTag, err, none error) error {
	if err == nil && tag.RowsAffected() == 0 {
		return none
	}
	return err
}

// AddTOTP stores f as the user's pending TOTP, replacing a pending one, in
// one statement. ErrConflict if a confirmed one exists; ErrNotFound if
// there is no such user.
func (s *Store) AddTOTP(ctx context.Context, f *vigil.TOTPFactor) error {
	return s.exec(ctx, "add totp", vigil.ErrConflict, factorSQL.AddTOTP, f.UserID, f.Secret, dbTime(f.CreatedAt), f.LastStep)
}

// ConfirmTOTP confirms the user's pending TOTP and writes a
// vigil.WebhookMFAChanged message, in one transaction. ErrNotFound if
// there is none pending; of concurrent calls, the others wait for the row
// lock and then find it confirmed (and write nothing).
func (s *Store) ConfirmTOTP(ctx context.Context, userID int64, step int64, at time.Time) error {
	return s.changeFactors(ctx, "confirm totp", userID, vigil.MFAChangeTOTPAdded, at,
		factorSQL.ConfirmTOTP, userID, step, dbTime(at))
}

// RecordTOTPStep records step if it is greater than the stored one: a
// conditional UPDATE, which a concurrent one with the same step waits for
// and then, re-reading the row, finds not greater. ErrConflict if it is
// not greater; ErrNotFound if the user has no confirmed TOTP.
func (s *Store) RecordTOTPStep(ctx context.Context, userID int64, step int64, at time.Time) error {
	return s.run(ctx, "record totp step", func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, factorSQL.RecordStep, userID, step, dbTime(at))
		if err != nil || tag.RowsAffected() > 0 {
			return err
		}
		var one int
		if err := s.pool.QueryRow(ctx, factorSQL.TOTPConfirmed, userID).Scan(&one); err != nil {
			return err // pgx.ErrNoRows: no confirmed TOTP
		}
		return vigil.ErrConflict
	})
}

// ResealTOTP replaces the user's sealed secret if it is still old.
// ErrNotFound if it is not.
func (s *Store) ResealTOTP(ctx context.Context, userID int64, old, sealed string) error {
	return s.exec(ctx, "reseal totp", pgx.ErrNoRows, factorSQL.ResealTOTP, userID, old, sealed)
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
	var list []vigil.WebAuthnCredential
	err := s.run(ctx, "webauthn credentials", func(ctx context.Context) (err error) {
		list, err = queryAll(ctx, s.pool, factorSQL.Credentials, userID, scan.WebAuthn)
		return err
	})
	return list, err
}

// WebAuthnCredential returns the credential with id, or ErrNotFound.
func (s *Store) WebAuthnCredential(ctx context.Context, id []byte) (*vigil.WebAuthnCredential, error) {
	var c vigil.WebAuthnCredential
	err := s.run(ctx, "webauthn credential", func(ctx context.Context) (err error) {
		c, err = scan.WebAuthn(s.pool.QueryRow(ctx, factorSQL.Credential, id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// RenameWebAuthnCredential names the user's credential. ErrNotFound if
// the user has no credential with id.
func (s *Store) RenameWebAuthnCredential(ctx context.Context, userID int64, id []byte, name string) error {
	return s.exec(ctx, "rename webauthn credential", pgx.ErrNoRows, factorSQL.RenameCredential, userID, id, name)
}

// RecordWebAuthnUse records an assertion of credential id. ErrNotFound if
// there is no such credential.
func (s *Store) RecordWebAuthnUse(ctx context.Context, id []byte, signCount uint32, backupState bool, at time.Time) error {
	return s.exec(ctx, "record webauthn use", pgx.ErrNoRows, factorSQL.RecordUse, id, int64(signCount), backupState, dbTime(at))
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
	return s.inTx(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err := oneRow(tag, err); err != nil {
			return err
		}
		return writeMFAWebhook(ctx, tx, userID, change, at)
	})
}

// ReplaceRecoveryCodes replaces the user's recovery set and writes a
// vigil.WebhookMFAChanged message in one transaction, under the user's row lock (lockUser). ErrConflict if
// hashes repeat; ErrNotFound if there is no such user.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []vigil.TokenHash, at time.Time) error {
	return s.inTx(ctx, "replace recovery codes", func(ctx context.Context, tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, lockUser, userID).Scan(&one); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, factorSQL.DeleteRecovery, userID); err != nil {
			return err
		}
		var batch pgx.Batch
		for _, h := range hashes {
			batch.Queue(factorSQL.InsertRecovery, userID, h[:], dbTime(at))
		}
		if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
			return err
		}
		return writeMFAWebhook(ctx, tx, userID, vigil.MFAChangeRecoveryReplaced, at)
	})
}

// ConsumeRecoveryCode marks the user's unused code h used and counts the
// unused ones left, in one transaction: the conditional UPDATE makes
// exactly one of concurrent calls change the row (the others wait for its
// lock, then find it used). The user's row lock (lockUser) is taken
// first, so that uses of different codes queue too and each counts what
// the ones before it left. ErrNotFound if the user has no unused code h.
func (s *Store) ConsumeRecoveryCode(ctx context.Context, userID int64, h vigil.TokenHash, at time.Time) (int, error) {
	var left int
	err := s.inTx(ctx, "consume recovery code", func(ctx context.Context, tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, lockUser, userID).Scan(&one); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, factorSQL.ConsumeRecovery, userID, h[:], dbTime(at))
		if err := rowsOr(tag, err, pgx.ErrNoRows); err != nil {
			return err
		}
		return tx.QueryRow(ctx, factorSQL.RecoveryLeft, userID).Scan(&left)
	})
	return left, err
}

// RemoveFactors deletes every factor of the user, and reports whether
// there was any, writing a vigil.WebhookMFAChanged message if there was,
// in one transaction.
func (s *Store) RemoveFactors(ctx context.Context, userID int64) (bool, error) {
	var removed bool
	err := s.inTx(ctx, "remove factors", func(ctx context.Context, tx pgx.Tx) error {
		for _, q := range factorSQL.RemoveAll {
			tag, err := tx.Exec(ctx, q, userID)
			if err != nil {
				return err
			}
			removed = removed || tag.RowsAffected() > 0
		}
		if !removed {
			return nil
		}
		return writeMFAWebhook(ctx, tx, userID, vigil.MFAChangeFactorsRemoved, time.Now())
	})
	return removed && err == nil, err
}
