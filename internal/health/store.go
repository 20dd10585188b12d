package health

import (
	"context"
	"time"

	"github.com/vigilauth/vigil"
)

// watched is a store whose writes report their outcome to m. Reads, Ping
// and Close go to the store unchanged.
type watched struct {
	vigil.Store
	m *Monitor
}

// notifying is watched for a store that pushes revocation notices.
type notifying struct {
	*watched
	vigil.RevocationNotifier
}

var (
	_ vigil.Store              = (*watched)(nil)
	_ vigil.RevocationNotifier = notifying{}
)

// done records err and returns it.
func (s *watched) done(err error) error {
	s.m.record(err)
	return err
}

func (s *watched) CreateUser(ctx context.Context, u *vigil.User) error {
	return s.done(s.Store.CreateUser(ctx, u))
}

func (s *watched) SetPassword(ctx context.Context, userID int64, hash string, at time.Time) error {
	return s.done(s.Store.SetPassword(ctx, userID, hash, at))
}

func (s *watched) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.done(s.Store.SetDisabled(ctx, userID, disabled))
}

func (s *watched) RecordLogin(ctx context.Context, userID int64, at time.Time) error {
	return s.done(s.Store.RecordLogin(ctx, userID, at))
}

func (s *watched) CreateSession(ctx context.Context, sess *vigil.Session) error {
	return s.done(s.Store.CreateSession(ctx, sess))
}

func (s *watched) TouchSessions(ctx context.Context, touches []vigil.Touch) error {
	return s.done(s.Store.TouchSessions(ctx, touches))
}

func (s *watched) EndSession(ctx context.Context, id string, reason vigil.Reason, at time.Time) (bool, error) {
	ended, err := s.Store.EndSession(ctx, id, reason, at)
	return ended, s.done(err)
}

func (s *watched) EndUserSessions(ctx context.Context, userID int64, exceptID string, reason vigil.Reason, at time.Time) ([]string, error) {
	ids, err := s.Store.EndUserSessions(ctx, userID, exceptID, reason, at)
	return ids, s.done(err)
}

func (s *watched) RotateSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time) error {
	return s.done(s.Store.RotateSession(ctx, id, h, reauthAt))
}

func (s *watched) RaiseSession(ctx context.Context, id string, h vigil.TokenHash, reauthAt time.Time, aal int, factors vigil.FactorSet) error {
	return s.done(s.Store.RaiseSession(ctx, id, h, reauthAt, aal, factors))
}

func (s *watched) DeleteRevocationsBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.Store.DeleteRevocationsBefore(ctx, before, limit)
	return n, s.done(err)
}

func (s *watched) DeleteEndedSessions(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.Store.DeleteEndedSessions(ctx, before, limit)
	return n, s.done(err)
}

func (s *watched) DeleteSessionsCreatedBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.Store.DeleteSessionsCreatedBefore(ctx, before, limit)
	return n, s.done(err)
}

func (s *watched) CreateResetToken(ctx context.Context, t vigil.ResetToken) error {
	return s.done(s.Store.CreateResetToken(ctx, t))
}

func (s *watched) ConsumeResetToken(ctx context.Context, h vigil.TokenHash, now time.Time) (int64, error) {
	id, err := s.Store.ConsumeResetToken(ctx, h, now)
	return id, s.done(err)
}

func (s *watched) AppendEvent(ctx context.Context, e *vigil.Event) error {
	return s.done(s.Store.AppendEvent(ctx, e))
}

func (s *watched) UpdateThrottle(ctx context.Context, key string, fn func(vigil.ThrottleState) vigil.ThrottleState) (vigil.ThrottleState, error) {
	st, err := s.Store.UpdateThrottle(ctx, key, fn)
	return st, s.done(err)
}

func (s *watched) ResetThrottle(ctx context.Context, key string) error {
	return s.done(s.Store.ResetThrottle(ctx, key))
}

func (s *watched) DeleteThrottleBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := s.Store.DeleteThrottleBefore(ctx, before, limit)
	return n, s.done(err)
}

// ServerKey writes only the first time a key is asked for: its failure
// counts, its success proves nothing about writes.
func (s *watched) ServerKey(ctx context.Context, name string) ([]byte, error) {
	k, err := s.Store.ServerKey(ctx, name)
	if err != nil {
		s.m.record(err)
	}
	return k, err
}

func (s *watched) CreatePendingSignIn(ctx context.Context, p vigil.PendingSignIn) error {
	return s.done(s.Store.CreatePendingSignIn(ctx, p))
}

func (s *watched) ConsumePendingSignIn(ctx context.Context, h vigil.TokenHash, now time.Time) (*vigil.PendingSignIn, error) {
	p, err := s.Store.ConsumePendingSignIn(ctx, h, now)
	return p, s.done(err)
}

// The writes of vigil.FactorStore.

func (s *watched) AddTOTP(ctx context.Context, f *vigil.TOTPFactor) error {
	return s.done(s.Store.AddTOTP(ctx, f))
}

func (s *watched) ConfirmTOTP(ctx context.Context, userID int64, step int64, at time.Time) error {
	return s.done(s.Store.ConfirmTOTP(ctx, userID, step, at))
}

func (s *watched) RecordTOTPStep(ctx context.Context, userID int64, step int64, at time.Time) error {
	return s.done(s.Store.RecordTOTPStep(ctx, userID, step, at))
}

func (s *watched) ResealTOTP(ctx context.Context, userID int64, old, sealed string) error {
	return s.done(s.Store.ResealTOTP(ctx, userID, old, sealed))
}

func (s *watched) RemoveTOTP(ctx context.Context, userID int64) error {
	return s.done(s.Store.RemoveTOTP(ctx, userID))
}

func (s *watched) AddWebAuthnCredential(ctx context.Context, c *vigil.WebAuthnCredential) error {
	return s.done(s.Store.AddWebAuthnCredential(ctx, c))
}

func (s *watched) RenameWebAuthnCredential(ctx context.Context, userID int64, id []byte, name string) error {
	return s.done(s.Store.RenameWebAuthnCredential(ctx, userID, id, name))
}

func (s *watched) RecordWebAuthnUse(ctx context.Context, id []byte, signCount uint32, backupState bool, at time.Time) error {
	return s.done(s.Store.RecordWebAuthnUse(ctx, id, signCount, backupState, at))
}

func (s *watched) RemoveWebAuthnCredential(ctx context.Context, userID int64, id []byte) error {
	return s.done(s.Store.RemoveWebAuthnCredential(ctx, userID, id))
}

func (s *watched) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []vigil.TokenHash, at time.Time) error {
	return s.done(s.Store.ReplaceRecoveryCodes(ctx, userID, hashes, at))
}

func (s *watched) ConsumeRecoveryCode(ctx context.Context, userID int64, h vigil.TokenHash, at time.Time) (int, error) {
	n, err := s.Store.ConsumeRecoveryCode(ctx, userID, h, at)
	return n, s.done(err)
}

func (s *watched) RemoveFactors(ctx context.Context, userID int64) (bool, error) {
	had, err := s.Store.RemoveFactors(ctx, userID)
	return had, s.done(err)
}
