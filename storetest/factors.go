package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
)

// RunFactors runs the behaviour suite of vigil.FactorStore, one store per
// leaf test. open must return a fresh, empty, migrated store that is also
// a vigil.UserStore (factors belong to users) and an io.Closer;
// RunFactors closes it when the leaf test ends.
func RunFactors(t *testing.T, open func(t *testing.T) vigil.FactorStore) {
	areas := []struct {
		name  string
		tests []factorTest
	}{
		{"TOTP", totpTests},
		{"WebAuthn", webauthnTests},
		{"Recovery", recoveryTests},
		{"RemoveFactors", []factorTest{{"All", testRemoveFactors}}},
		{"Concurrency", factorConcurrencyTests},
		{"Errors", factorErrorTests},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			for _, tc := range a.tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(newFactorFixture(t, open(t))) })
			}
		})
	}
}

// factorTest is one leaf test of RunFactors.
type factorTest struct {
	name string
	fn   func(f *factorFixture)
}

// factorFixture is a leaf test's store, as a FactorStore and a UserStore.
type factorFixture struct {
	*fixture // for ok and isErr; its s is unused (nil)
	fs       vigil.FactorStore
	us       vigil.UserStore
	closer   io.Closer
}

func newFactorFixture(t *testing.T, s vigil.FactorStore) *factorFixture {
	t.Helper()
	us, ok1 := s.(vigil.UserStore)
	c, ok2 := s.(io.Closer)
	if !ok1 || !ok2 {
		t.Fatalf("the store is a %T: RunFactors needs a vigil.UserStore and an io.Closer too", s)
	}
	f := &factorFixture{fixture: &fixture{T: t, ctx: t.Context(), closed: true}, fs: s, us: us, closer: c}
	t.Cleanup(func() { f.closeNow() })
	return f
}

// closeNow closes the store once.
func (f *factorFixture) closeNow() {
	if f.closer != nil {
		if err := f.closer.Close(); err != nil {
			f.Errorf("Close: %v", err)
		}
		f.closer = nil
	}
}

// user creates a patient named name.
func (f *factorFixture) user(name string) int64 {
	f.Helper()
	return createUser(f.T, f.us, name)
}

// createUser creates a patient named name on s and returns its id.
func createUser(t *testing.T, s vigil.UserStore, name string) int64 {
	t.Helper()
	u := &vigil.User{Username: name, Role: vigil.RolePatient, CreatedAt: t0}
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	return u.ID
}

// factors reads a user's factors.
func (f *factorFixture) factors(userID int64) *vigil.Factors {
	f.Helper()
	got, err := f.fs.Factors(f.ctx, userID)
	f.ok(err, "Factors")
	if got == nil {
		f.Fatal("Factors returned nil and no error")
	}
	return got
}

// totp returns the user's TOTP, failing the test if there is none.
func (f *factorFixture) totp(userID int64) *vigil.TOTPFactor {
	f.Helper()
	t := f.factors(userID).TOTP
	if t == nil {
		f.Fatalf("user %d has no TOTP", userID)
	}
	return t
}

// confirmedTOTP gives the user a TOTP confirmed at step 100.
func (f *factorFixture) confirmedTOTP(userID int64) {
	f.Helper()
	f.ok(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: userID, Secret: "v1:k:sealed", CreatedAt: t0}), "AddTOTP")
	f.ok(f.fs.ConfirmTOTP(f.ctx, userID, 100, at(time.Minute)), "ConfirmTOTP")
}

var totpTests = []factorTest{
	{"NoneAtFirst", testNoFactors},
	{"PendingThenConfirmed", testTOTPConfirm},
	{"AddReplacesPendingNotConfirmed", testTOTPReplace},
	{"StepOnlyForward", testTOTPStep},
	{"ResealOnlyTheSameSecret", testTOTPReseal},
	{"Remove", testTOTPRemove},
}

func testNoFactors(f *factorFixture) {
	alice := f.user("alice")
	for _, id := range []int64{alice, alice + 1000} {
		got := f.factors(id)
		if got.TOTP != nil || len(got.WebAuthn) != 0 || len(got.Recovery) != 0 || got.RecoveryLeft() != 0 {
			f.Errorf("Factors(%d) of a user with none = %+v, want empty", id, got)
		}
		list, err := f.fs.WebAuthnCredentials(f.ctx, id)
		if err != nil || len(list) != 0 {
			f.Errorf("WebAuthnCredentials(%d) = %v, %v; want none", id, list, err)
		}
	}
}

func testTOTPConfirm(f *factorFixture) {
	alice := f.user("alice")
	f.ok(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice, Secret: "v1:k:one", CreatedAt: t0.In(elsewhere),
		ConfirmedAt: t0, LastUsedAt: t0}), "AddTOTP")
	got := f.totp(alice)
	if got.UserID != alice || got.Secret != "v1:k:one" || got.Confirmed() || got.LastStep != 0 {
		f.Errorf("pending TOTP = %+v; want alice's, unconfirmed (ConfirmedAt and LastUsedAt ignored)", got)
	}
	sameTime(f, "CreatedAt", got.CreatedAt, t0)
	sameTime(f, "LastUsedAt", got.LastUsedAt, time.Time{})
	f.isErr(f.fs.RecordTOTPStep(f.ctx, alice, 5, t0), vigil.ErrNotFound, "RecordTOTPStep on a pending TOTP")

	f.ok(f.fs.ConfirmTOTP(f.ctx, alice, 100, at(time.Minute).In(elsewhere)), "ConfirmTOTP")
	got = f.totp(alice)
	if !got.Confirmed() || got.LastStep != 100 {
		f.Errorf("confirmed TOTP = %+v; want confirmed with LastStep 100", got)
	}
	sameTime(f, "ConfirmedAt", got.ConfirmedAt, at(time.Minute))
	sameTime(f, "LastUsedAt", got.LastUsedAt, at(time.Minute))
	f.isErr(f.fs.ConfirmTOTP(f.ctx, alice, 101, at(time.Hour)), vigil.ErrNotFound, "ConfirmTOTP twice")
	f.isErr(f.fs.RecordTOTPStep(f.ctx, alice, 100, at(time.Hour)), vigil.ErrConflict, "RecordTOTPStep of the confirming step")
	f.isErr(f.fs.ConfirmTOTP(f.ctx, f.user("bob"), 1, t0), vigil.ErrNotFound, "ConfirmTOTP with none")
}

func testTOTPReplace(f *factorFixture) {
	alice := f.user("alice")
	f.ok(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice, Secret: "v1:k:a", CreatedAt: t0}), "AddTOTP a")
	f.ok(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice, Secret: "v1:k:b", CreatedAt: at(time.Hour), LastStep: 7}), "AddTOTP b")
	got := f.totp(alice)
	if got.Secret != "v1:k:b" || got.LastStep != 7 || got.Confirmed() {
		f.Errorf("after restarting enrolment: %+v; want the second secret, pending", got)
	}
	sameTime(f, "CreatedAt", got.CreatedAt, at(time.Hour))
	f.ok(f.fs.ConfirmTOTP(f.ctx, alice, 100, at(2*time.Hour)), "ConfirmTOTP")
	f.isErr(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice, Secret: "v1:k:c", CreatedAt: at(3 * time.Hour)}),
		vigil.ErrConflict, "AddTOTP over a confirmed one")
	if got := f.totp(alice); got.Secret != "v1:k:b" || !got.Confirmed() || got.LastStep != 100 {
		f.Errorf("the refused AddTOTP changed the confirmed TOTP: %+v", got)
	}
	f.isErr(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice + 1000, Secret: "v1:k:x", CreatedAt: t0}),
		vigil.ErrNotFound, "AddTOTP for a missing user")
}

func testTOTPStep(f *factorFixture) {
	alice := f.user("alice")
	f.confirmedTOTP(alice)
	for _, step := range []int64{100, 99, -1} {
		f.isErr(f.fs.RecordTOTPStep(f.ctx, alice, step, at(time.Hour)), vigil.ErrConflict, "RecordTOTPStep not forward")
	}
	f.ok(f.fs.RecordTOTPStep(f.ctx, alice, 101, at(time.Hour).In(elsewhere)), "RecordTOTPStep 101")
	got := f.totp(alice)
	if got.LastStep != 101 {
		f.Errorf("LastStep = %d, want 101", got.LastStep)
	}
	sameTime(f, "LastUsedAt", got.LastUsedAt, at(time.Hour))
	f.isErr(f.fs.RecordTOTPStep(f.ctx, alice, 101, at(2*time.Hour)), vigil.ErrConflict, "RecordTOTPStep replayed")
	f.ok(f.fs.RecordTOTPStep(f.ctx, alice, 1<<40, at(2*time.Hour)), "RecordTOTPStep far ahead")
	if got := f.totp(alice); got.LastStep != 1<<40 {
		f.Errorf("LastStep = %d, want %d", got.LastStep, int64(1<<40))
	}
	f.isErr(f.fs.RecordTOTPStep(f.ctx, f.user("bob"), 1, t0), vigil.ErrNotFound, "RecordTOTPStep without a TOTP")
}

func testTOTPReseal(f *factorFixture) {
	alice, bob := f.user("alice"), f.user("bob")
	f.confirmedTOTP(alice)
	f.ok(f.fs.RecordTOTPStep(f.ctx, alice, 120, at(time.Hour)), "RecordTOTPStep")
	before := f.totp(alice)
	f.ok(f.fs.ResealTOTP(f.ctx, alice, "v1:k:sealed", "v1:k2:resealed"), "ResealTOTP")
	after := f.totp(alice)
	if after.Secret != "v1:k2:resealed" || after.LastStep != 120 || !after.Confirmed() {
		f.Errorf("after ResealTOTP: %+v; want the new sealed value and nothing else changed", after)
	}
	sameTime(f, "LastUsedAt", after.LastUsedAt, before.LastUsedAt)
	f.isErr(f.fs.ResealTOTP(f.ctx, alice, "v1:k:sealed", "v1:k3:again"), vigil.ErrNotFound, "ResealTOTP of a value re-sealed meanwhile")
	f.isErr(f.fs.ResealTOTP(f.ctx, bob, "v1:k:sealed", "v1:k2:x"), vigil.ErrNotFound, "ResealTOTP without a TOTP")
	if got := f.totp(alice).Secret; got != "v1:k2:resealed" {
		f.Errorf("a refused ResealTOTP changed the secret to %q", got)
	}
}

func testTOTPRemove(f *factorFixture) {
	alice, bob := f.user("alice"), f.user("bob")
	f.confirmedTOTP(alice)
	f.confirmedTOTP(bob)
	f.ok(f.fs.RemoveTOTP(f.ctx, alice), "RemoveTOTP")
	if got := f.factors(alice).TOTP; got != nil {
		f.Errorf("TOTP after RemoveTOTP = %+v", got)
	}
	f.isErr(f.fs.RemoveTOTP(f.ctx, alice), vigil.ErrNotFound, "RemoveTOTP twice")
	f.isErr(f.fs.RecordTOTPStep(f.ctx, alice, 200, t0), vigil.ErrNotFound, "RecordTOTPStep after RemoveTOTP")
	if f.totp(bob).LastStep != 100 {
		f.Error("removing alice's TOTP changed bob's")
	}
	// Enrolling again starts afresh.
	f.ok(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice, Secret: "v1:k:new", CreatedAt: at(time.Hour)}), "AddTOTP again")
	if got := f.totp(alice); got.Confirmed() || got.Secret != "v1:k:new" {
		f.Errorf("re-enrolled TOTP = %+v", got)
	}
}

var webauthnTests = []factorTest{
	{"RoundTrip", testWebAuthnRoundTrip},
	{"IDUniqueAmongAllUsers", testWebAuthnUnique},
	{"OnlyTheOwnerRenamesOrRemoves", testWebAuthnOwner},
	{"RecordUse", testWebAuthnUse},
}

// credential returns a credential of userID with every field set.
func credential(userID int64, id string, created time.Time) *vigil.WebAuthnCredential {
	return &vigil.WebAuthnCredential{
		ID: []byte(id), UserID: userID, PublicKey: []byte("\xa5\x01\x02\x03\x26" + id), AttestationType: "packed",
		AAGUID: bytes.Repeat([]byte{0xad}, 16), SignCount: 7, Transports: []string{"usb", "nfc", `odd "one", here`},
		BackupEligible: true, BackupState: true, Name: "Zoë's YubiKey 5 — 工作", CreatedAt: created,
	}
}

// sameCredential compares every field of a credential the store returned.
func sameCredential(t testing.TB, what string, got, want *vigil.WebAuthnCredential) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil credential", what)
	}
	if !bytes.Equal(got.ID, want.ID) || got.UserID != want.UserID || !bytes.Equal(got.PublicKey, want.PublicKey) ||
		got.AttestationType != want.AttestationType || !bytes.Equal(got.AAGUID, want.AAGUID) ||
		got.SignCount != want.SignCount || !slices.Equal(got.Transports, want.Transports) ||
		got.BackupEligible != want.BackupEligible || got.BackupState != want.BackupState || got.Name != want.Name {
		t.Errorf("%s = %+v\nwant %+v", what, *got, *want)
	}
	sameTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, what+".LastUsedAt", got.LastUsedAt, want.LastUsedAt)
}

func testWebAuthnRoundTrip(f *factorFixture) {
	alice := f.user("alice")
	key := credential(alice, "\x00\xffkey-1", t0.In(elsewhere))
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, key), "AddWebAuthnCredential")
	got, err := f.fs.WebAuthnCredential(f.ctx, key.ID)
	f.ok(err, "WebAuthnCredential")
	sameCredential(f, "WebAuthnCredential", got, key)

	// A bare one: no AAGUID, no transports, no flags, no name.
	bare := &vigil.WebAuthnCredential{ID: bytes.Repeat([]byte{1}, 1023), UserID: alice, PublicKey: []byte{1},
		SignCount: 1<<32 - 1, CreatedAt: at(time.Hour)}
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, bare), "AddWebAuthnCredential (bare, longest id, largest count)")
	got, err = f.fs.WebAuthnCredential(f.ctx, bare.ID)
	f.ok(err, "WebAuthnCredential (bare)")
	sameCredential(f, "bare credential", got, bare)
	if got.AAGUID != nil || got.Transports != nil {
		f.Errorf("bare credential: AAGUID %#v, Transports %#v; want nil", got.AAGUID, got.Transports)
	}
	// An older one, added last, lists first.
	old := credential(alice, "key-0", t0.Add(-time.Hour))
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, old), "AddWebAuthnCredential (older)")
	list, err := f.fs.WebAuthnCredentials(f.ctx, alice)
	f.ok(err, "WebAuthnCredentials")
	if len(list) != 3 {
		f.Fatalf("WebAuthnCredentials = %d credentials, want 3", len(list))
	}
	for i, want := range []*vigil.WebAuthnCredential{old, key, bare} {
		sameCredential(f, "listed credential", &list[i], want)
	}
	if all := f.factors(alice).WebAuthn; len(all) != 3 || !bytes.Equal(all[0].ID, old.ID) {
		f.Errorf("Factors.WebAuthn = %d credentials, want the 3, oldest first", len(all))
	}
	_, err = f.fs.WebAuthnCredential(f.ctx, []byte("missing"))
	f.isErr(err, vigil.ErrNotFound, "WebAuthnCredential of an unknown id")
	_, err = f.fs.WebAuthnCredential(f.ctx, nil)
	f.isErr(err, vigil.ErrNotFound, "WebAuthnCredential of no id")
}

func testWebAuthnUnique(f *factorFixture) {
	alice, bob := f.user("alice"), f.user("bob")
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, credential(alice, "k", t0)), "AddWebAuthnCredential")
	f.isErr(f.fs.AddWebAuthnCredential(f.ctx, credential(bob, "k", t0)), vigil.ErrConflict, "another user's credential id")
	f.isErr(f.fs.AddWebAuthnCredential(f.ctx, credential(alice, "k", t0)), vigil.ErrConflict, "the same credential twice")
	f.isErr(f.fs.AddWebAuthnCredential(f.ctx, credential(bob+1000, "other", t0)), vigil.ErrNotFound, "a missing user's credential")
	got, err := f.fs.WebAuthnCredential(f.ctx, []byte("k"))
	if err != nil || got.UserID != alice {
		f.Errorf("credential k = %+v, %v; want alice's", got, err)
	}
	if list, _ := f.fs.WebAuthnCredentials(f.ctx, bob); len(list) != 0 {
		f.Errorf("bob has %d credentials after the refused adds", len(list))
	}
}

func testWebAuthnOwner(f *factorFixture) {
	alice, bob := f.user("alice"), f.user("bob")
	c := credential(alice, "k", t0)
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, c), "AddWebAuthnCredential")
	f.isErr(f.fs.RenameWebAuthnCredential(f.ctx, bob, c.ID, "mine"), vigil.ErrNotFound, "another user renames")
	f.isErr(f.fs.RenameWebAuthnCredential(f.ctx, alice, []byte("x"), "x"), vigil.ErrNotFound, "rename an unknown id")
	f.ok(f.fs.RenameWebAuthnCredential(f.ctx, alice, c.ID, "phone"), "RenameWebAuthnCredential")
	f.ok(f.fs.RenameWebAuthnCredential(f.ctx, alice, c.ID, "phone"), "RenameWebAuthnCredential to the same name")
	got, _ := f.fs.WebAuthnCredential(f.ctx, c.ID)
	if got == nil || got.Name != "phone" {
		f.Errorf("after rename: %+v", got)
	}
	f.isErr(f.fs.RemoveWebAuthnCredential(f.ctx, bob, c.ID), vigil.ErrNotFound, "another user removes")
	f.ok(f.fs.RemoveWebAuthnCredential(f.ctx, alice, c.ID), "RemoveWebAuthnCredential")
	_, err := f.fs.WebAuthnCredential(f.ctx, c.ID)
	f.isErr(err, vigil.ErrNotFound, "WebAuthnCredential after remove")
	f.isErr(f.fs.RemoveWebAuthnCredential(f.ctx, alice, c.ID), vigil.ErrNotFound, "remove twice")
	f.isErr(f.fs.RecordWebAuthnUse(f.ctx, c.ID, 9, false, t0), vigil.ErrNotFound, "RecordWebAuthnUse after remove")
	// The id is free again.
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, credential(bob, "k", t0)), "AddWebAuthnCredential of a removed id")
}

func testWebAuthnUse(f *factorFixture) {
	alice := f.user("alice")
	c := credential(alice, "k", t0)
	f.ok(f.fs.AddWebAuthnCredential(f.ctx, c), "AddWebAuthnCredential")
	f.ok(f.fs.RecordWebAuthnUse(f.ctx, c.ID, 12, false, at(time.Hour).In(elsewhere)), "RecordWebAuthnUse")
	c.SignCount, c.BackupState, c.LastUsedAt = 12, false, at(time.Hour)
	got, _ := f.fs.WebAuthnCredential(f.ctx, c.ID)
	sameCredential(f, "after a use", got, c)
	// A lower count (an assertion that finished late, or a clone the caller
	// was warned of) leaves the higher one, and records the use.
	f.ok(f.fs.RecordWebAuthnUse(f.ctx, c.ID, 3, true, at(2*time.Hour)), "RecordWebAuthnUse with a lower count")
	c.BackupState, c.LastUsedAt = true, at(2*time.Hour)
	got, _ = f.fs.WebAuthnCredential(f.ctx, c.ID)
	sameCredential(f, "after a lower count", got, c)
	f.ok(f.fs.RecordWebAuthnUse(f.ctx, c.ID, 1<<32-1, true, at(3*time.Hour)), "RecordWebAuthnUse with the largest count")
	if got, _ := f.fs.WebAuthnCredential(f.ctx, c.ID); got.SignCount != 1<<32-1 {
		f.Errorf("SignCount = %d, want %d", got.SignCount, uint32(1<<32-1))
	}
	f.isErr(f.fs.RecordWebAuthnUse(f.ctx, []byte("x"), 1, false, t0), vigil.ErrNotFound, "RecordWebAuthnUse of an unknown id")
}

var recoveryTests = []factorTest{
	{"ReplaceAndConsume", testRecovery},
	{"ReplaceRevokesTheOldSet", testRecoveryReplace},
	{"RepeatedHashesConflict", testRecoveryDuplicate},
	{"MissingUserIsNotFound", testRecoveryMissingUser},
}

// hashes returns n distinct recovery hashes.
func hashes(n int) []vigil.TokenHash {
	out := make([]vigil.TokenHash, n)
	for i := range out {
		out[i] = vigil.NewToken().Hash()
	}
	return out
}

// recoverySet gives the user a set of 10 codes and returns their hashes.
func (f *factorFixture) recoverySet(userID int64, created time.Time) []vigil.TokenHash {
	f.Helper()
	hs := hashes(10)
	f.ok(f.fs.ReplaceRecoveryCodes(f.ctx, userID, hs, created), "ReplaceRecoveryCodes")
	return hs
}

func testRecovery(f *factorFixture) {
	alice, bob := f.user("alice"), f.user("bob")
	hs := f.recoverySet(alice, t0.In(elsewhere))
	got := f.factors(alice)
	if len(got.Recovery) != 10 || got.RecoveryLeft() != 10 {
		f.Fatalf("Factors.Recovery = %d codes, %d left; want 10, 10", len(got.Recovery), got.RecoveryLeft())
	}
	stored := map[vigil.TokenHash]bool{}
	for _, c := range got.Recovery {
		stored[c.Hash] = true
		sameTime(f, "RecoveryCode.CreatedAt", c.CreatedAt, t0)
		sameTime(f, "RecoveryCode.UsedAt", c.UsedAt, time.Time{})
	}
	for _, h := range hs {
		if !stored[h] {
			f.Errorf("hash %x is not in the stored set", h)
		}
	}
	left, err := f.fs.ConsumeRecoveryCode(f.ctx, alice, hs[3], at(time.Hour).In(elsewhere))
	if err != nil || left != 9 {
		f.Errorf("ConsumeRecoveryCode = %d, %v; want 9 left", left, err)
	}
	_, err = f.fs.ConsumeRecoveryCode(f.ctx, alice, hs[3], at(2*time.Hour))
	f.isErr(err, vigil.ErrNotFound, "ConsumeRecoveryCode of a used code")
	_, err = f.fs.ConsumeRecoveryCode(f.ctx, bob, hs[4], at(time.Hour))
	f.isErr(err, vigil.ErrNotFound, "ConsumeRecoveryCode of another user's code")
	_, err = f.fs.ConsumeRecoveryCode(f.ctx, alice, vigil.NewToken().Hash(), at(time.Hour))
	f.isErr(err, vigil.ErrNotFound, "ConsumeRecoveryCode of a wrong code")
	got = f.factors(alice)
	for _, c := range got.Recovery {
		if c.Hash == hs[3] {
			sameTime(f, "used code's UsedAt", c.UsedAt, at(time.Hour))
		} else if !c.UsedAt.IsZero() {
			f.Errorf("code %x used too", c.Hash)
		}
	}
	for i, h := range hs {
		if i == 3 {
			continue
		}
		left, err = f.fs.ConsumeRecoveryCode(f.ctx, alice, h, at(3*time.Hour))
		f.ok(err, "ConsumeRecoveryCode")
	}
	if left != 0 || f.factors(alice).RecoveryLeft() != 0 || len(f.factors(alice).Recovery) != 10 {
		f.Errorf("after using all: %d left; want 0, with the 10 used codes still listed", left)
	}
}

func testRecoveryReplace(f *factorFixture) {
	alice := f.user("alice")
	old := f.recoverySet(alice, t0)
	_, err := f.fs.ConsumeRecoveryCode(f.ctx, alice, old[0], at(time.Minute))
	f.ok(err, "ConsumeRecoveryCode")
	fresh := f.recoverySet(alice, at(time.Hour))
	for _, h := range old {
		_, err := f.fs.ConsumeRecoveryCode(f.ctx, alice, h, at(2*time.Hour))
		f.isErr(err, vigil.ErrNotFound, "ConsumeRecoveryCode of a replaced code")
	}
	got := f.factors(alice)
	if len(got.Recovery) != 10 || got.RecoveryLeft() != 10 {
		f.Errorf("after replacing: %d codes, %d left; want only the new 10", len(got.Recovery), got.RecoveryLeft())
	}
	for _, c := range got.Recovery {
		sameTime(f, "new code's CreatedAt", c.CreatedAt, at(time.Hour))
	}
	if left, err := f.fs.ConsumeRecoveryCode(f.ctx, alice, fresh[9], at(2*time.Hour)); err != nil || left != 9 {
		f.Errorf("ConsumeRecoveryCode of a new code = %d, %v", left, err)
	}
	f.ok(f.fs.ReplaceRecoveryCodes(f.ctx, alice, nil, at(3*time.Hour)), "ReplaceRecoveryCodes with none")
	if got := f.factors(alice); got.Recovery != nil {
		f.Errorf("after replacing with none: %d codes", len(got.Recovery))
	}
}

func testRecoveryDuplicate(f *factorFixture) {
	alice := f.user("alice")
	hs := f.recoverySet(alice, t0)
	dup := hashes(10)
	dup[9] = dup[2]
	f.isErr(f.fs.ReplaceRecoveryCodes(f.ctx, alice, dup, at(time.Hour)), vigil.ErrConflict, "ReplaceRecoveryCodes with a repeated hash")
	if left, err := f.fs.ConsumeRecoveryCode(f.ctx, alice, hs[0], at(time.Hour)); err != nil || left != 9 {
		f.Errorf("the refused replace changed the set: ConsumeRecoveryCode = %d, %v", left, err)
	}
}

func testRecoveryMissingUser(f *factorFixture) {
	f.isErr(f.fs.ReplaceRecoveryCodes(f.ctx, 4242, hashes(10), t0), vigil.ErrNotFound, "ReplaceRecoveryCodes for a missing user")
	f.isErr(f.fs.ReplaceRecoveryCodes(f.ctx, 4242, nil, t0), vigil.ErrNotFound, "ReplaceRecoveryCodes of none for a missing user")
}

// enrolAll gives the user a confirmed TOTP, two credentials and a
// recovery set, named after prefix.
func enrolAll(t *testing.T, s vigil.FactorStore, userID int64, prefix string) {
	t.Helper()
	ctx := t.Context()
	for _, err := range []error{
		s.AddTOTP(ctx, &vigil.TOTPFactor{UserID: userID, Secret: "v1:k:" + prefix, CreatedAt: t0}),
		s.ConfirmTOTP(ctx, userID, 100, t0),
		s.AddWebAuthnCredential(ctx, credential(userID, prefix+"-1", t0)),
		s.AddWebAuthnCredential(ctx, credential(userID, prefix+"-2", t0)),
		s.ReplaceRecoveryCodes(ctx, userID, hashes(10), t0),
	} {
		if err != nil {
			t.Fatalf("enrolling %s: %v", prefix, err)
		}
	}
}

// checkNoFactors checks that the user has no factor and that the
// credential ids are gone.
func checkNoFactors(t *testing.T, s vigil.FactorStore, userID int64, credIDs ...string) {
	t.Helper()
	got, err := s.Factors(t.Context(), userID)
	if err != nil || got.TOTP != nil || len(got.WebAuthn) != 0 || len(got.Recovery) != 0 {
		t.Errorf("Factors of a user whose factors went = %+v, %v; want none", got, err)
	}
	for _, id := range credIDs {
		if _, err := s.WebAuthnCredential(t.Context(), []byte(id)); !errors.Is(err, vigil.ErrNotFound) {
			t.Errorf("credential %s: %v, want ErrNotFound", id, err)
		}
	}
}

func testRemoveFactors(f *factorFixture) {
	alice, bob := f.user("alice"), f.user("bob")
	enrolAll(f.T, f.fs, alice, "alice")
	enrolAll(f.T, f.fs, bob, "bob")
	removed, err := f.fs.RemoveFactors(f.ctx, alice)
	if err != nil || !removed {
		f.Errorf("RemoveFactors = %v, %v; want true", removed, err)
	}
	checkNoFactors(f.T, f.fs, alice, "alice-1", "alice-2")
	if removed, err := f.fs.RemoveFactors(f.ctx, alice); err != nil || removed {
		f.Errorf("RemoveFactors again = %v, %v; want false, nil", removed, err)
	}
	if removed, err := f.fs.RemoveFactors(f.ctx, 4242); err != nil || removed {
		f.Errorf("RemoveFactors of a missing user = %v, %v; want false, nil", removed, err)
	}
	if got := f.factors(bob); got.TOTP == nil || len(got.WebAuthn) != 2 || got.RecoveryLeft() != 10 {
		f.Errorf("alice's reset touched bob's factors: %+v", got)
	}
	// Only a recovery set is "any" too.
	f.recoverySet(alice, t0)
	if removed, err := f.fs.RemoveFactors(f.ctx, alice); err != nil || !removed {
		f.Errorf("RemoveFactors of a recovery set = %v, %v; want true", removed, err)
	}
}

// FactorsGoWithTheirUser checks that deleting a user deletes their
// factors and nobody else's. No contract deletes users, so a backend
// passes deleteUser, which deletes the row as an operator would. s must be
// a vigil.UserStore too.
func FactorsGoWithTheirUser(t *testing.T, s vigil.FactorStore, deleteUser func(userID int64)) {
	t.Helper()
	us, ok := s.(vigil.UserStore)
	if !ok {
		t.Fatalf("the store is a %T, not a vigil.UserStore", s)
	}
	alice, bob := createUser(t, us, "alice"), createUser(t, us, "bob")
	enrolAll(t, s, alice, "alice")
	enrolAll(t, s, bob, "bob")
	deleteUser(alice)
	checkNoFactors(t, s, alice, "alice-1", "alice-2")
	got, err := s.Factors(t.Context(), bob)
	if err != nil || got.TOTP == nil || len(got.WebAuthn) != 2 || got.RecoveryLeft() != 10 {
		t.Errorf("deleting alice touched bob's factors: %+v, %v", got, err)
	}
}

var factorConcurrencyTests = []factorTest{
	{"TOTPStepAcceptedOnce", func(f *factorFixture) { raceTOTPStep(f.T, []vigil.FactorStore{f.fs}, f.user("alice")) }},
	{"TOTPStepsOnlyForward", testRaceStepsForward},
	{"TOTPConfirmedOnce", testRaceConfirm},
	{"RecoveryCodeUsedOnce", func(f *factorFixture) { raceRecoveryCode(f.T, []vigil.FactorStore{f.fs}, f.user("alice")) }},
	{"RecoveryCodesAllUsed", testRaceRecoveryAll},
	{"RecoverySetsReplacedWhole", testRaceReplace},
}

// raceTOTPStep records one step from 32 goroutines spread over stores:
// exactly one succeeds, the others get ErrConflict (a replay).
func raceTOTPStep(t *testing.T, stores []vigil.FactorStore, userID int64) {
	t.Helper()
	ctx := t.Context()
	if err := stores[0].AddTOTP(ctx, &vigil.TOTPFactor{UserID: userID, Secret: "v1:k:s", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := stores[0].ConfirmTOTP(ctx, userID, 100, t0); err != nil {
		t.Fatal(err)
	}
	exactlyOne(t, "uses of one TOTP code", 32, vigil.ErrConflict, func(i int) error {
		return stores[i%len(stores)].RecordTOTPStep(ctx, userID, 101, at(time.Duration(i)*time.Millisecond))
	})
}

// exactlyOne calls call from n goroutines at once and checks that exactly
// one gets nil and the others lose.
func exactlyOne(t *testing.T, what string, n int, lose error, call func(i int) error) {
	t.Helper()
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			switch err := call(i); {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, lose):
				t.Errorf("%s: %v, want nil or %v", what, err, lose)
			}
		})
	}
	wg.Wait()
	if w := won.Load(); w != 1 {
		t.Errorf("%d of %d concurrent %s succeeded, want exactly 1", w, n, what)
	}
}

// testRaceStepsForward: steps recorded concurrently in any order leave the
// greatest, and every accepted step was greater than all accepted before.
func testRaceStepsForward(f *factorFixture) {
	alice := f.user("alice")
	f.confirmedTOTP(alice)
	var mu sync.Mutex
	var accepted []int64
	var wg sync.WaitGroup
	for i := range 32 {
		step := int64(101 + (i*7)%32) // 101..132, shuffled
		wg.Go(func() {
			mu.Lock() // records in the order the store accepted them
			defer mu.Unlock()
			err := f.fs.RecordTOTPStep(f.ctx, alice, step, at(time.Duration(step)*time.Second))
			switch {
			case err == nil:
				accepted = append(accepted, step)
			case !errors.Is(err, vigil.ErrConflict):
				f.Errorf("RecordTOTPStep(%d): %v", step, err)
			}
		})
	}
	wg.Wait()
	if !slices.IsSorted(accepted) || len(accepted) == 0 || slices.Contains(accepted[1:], accepted[0]) {
		f.Errorf("accepted steps in order: %v; want strictly increasing", accepted)
	}
	if got := f.totp(alice).LastStep; got != slices.Max(accepted) {
		f.Errorf("LastStep = %d, want the greatest accepted, %d", got, slices.Max(accepted))
	}
	// Unlocked: only the number accepted is checked.
	bob := f.user("bob")
	f.confirmedTOTP(bob)
	var n atomic.Int32
	for i := range 32 {
		wg.Go(func() {
			if err := f.fs.RecordTOTPStep(f.ctx, bob, int64(101+i%8), t0); err == nil {
				n.Add(1)
			} else if !errors.Is(err, vigil.ErrConflict) {
				f.Errorf("RecordTOTPStep: %v", err)
			}
		})
	}
	wg.Wait()
	if got := f.totp(bob).LastStep; got != 108 || n.Load() < 1 || n.Load() > 8 {
		f.Errorf("8 steps raced 4 times each: LastStep %d, %d accepted; want 108, 1 to 8", got, n.Load())
	}
}

func testRaceConfirm(f *factorFixture) {
	alice := f.user("alice")
	f.ok(f.fs.AddTOTP(f.ctx, &vigil.TOTPFactor{UserID: alice, Secret: "v1:k:s", CreatedAt: t0}), "AddTOTP")
	exactlyOne(f.T, "confirmations", 16, vigil.ErrNotFound, func(i int) error {
		return f.fs.ConfirmTOTP(f.ctx, alice, int64(100+i), t0)
	})
}

// raceRecoveryCode uses one recovery code from 32 goroutines spread over
// stores: exactly one signs in, with 9 codes left.
func raceRecoveryCode(t *testing.T, stores []vigil.FactorStore, userID int64) {
	t.Helper()
	ctx := t.Context()
	hs := hashes(10)
	if err := stores[0].ReplaceRecoveryCodes(ctx, userID, hs, t0); err != nil {
		t.Fatal(err)
	}
	exactlyOne(t, "uses of one recovery code", 32, vigil.ErrNotFound, func(i int) error {
		left, err := stores[i%len(stores)].ConsumeRecoveryCode(ctx, userID, hs[5], at(time.Minute))
		if err == nil && left != 9 {
			t.Errorf("the winner was told %d left, want 9", left)
		}
		return err
	})
}

// testRaceRecoveryAll: ten codes used at once all succeed, and the counts
// left that they report are 0 to 9, each once.
func testRaceRecoveryAll(f *factorFixture) {
	alice := f.user("alice")
	hs := f.recoverySet(alice, t0)
	lefts := make([]int, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() {
			left, err := f.fs.ConsumeRecoveryCode(f.ctx, alice, h, at(time.Minute))
			if err != nil {
				f.Errorf("ConsumeRecoveryCode: %v", err)
			}
			lefts[i] = left
		})
	}
	wg.Wait()
	slices.Sort(lefts)
	if !slices.Equal(lefts, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		f.Errorf("codes left as reported = %v; want 0 to 9, each once", lefts)
	}
}

// testRaceReplace: sets replacing each other concurrently leave one whole
// set, never a mix or two.
func testRaceReplace(f *factorFixture) {
	alice := f.user("alice")
	sets := make([][]vigil.TokenHash, 8)
	var wg sync.WaitGroup
	for i := range sets {
		sets[i] = hashes(10)
		wg.Go(func() {
			if err := f.fs.ReplaceRecoveryCodes(f.ctx, alice, sets[i], at(time.Duration(i)*time.Second)); err != nil {
				f.Errorf("ReplaceRecoveryCodes: %v", err)
			}
		})
	}
	wg.Wait()
	got := f.factors(alice).Recovery
	stored := map[vigil.TokenHash]bool{}
	for _, c := range got {
		stored[c.Hash] = true
	}
	whole := 0
	for _, set := range sets {
		n := 0
		for _, h := range set {
			if stored[h] {
				n++
			}
		}
		if n == len(set) {
			whole++
		} else if n != 0 {
			f.Errorf("%d of a set's codes are stored, want all or none", n)
		}
	}
	if len(got) != 10 || whole != 1 {
		f.Errorf("after 8 concurrent replacements: %d codes, %d whole sets; want one set of 10", len(got), whole)
	}
}

// TwoStoresFactorRaces is two stores on one database (two instances)
// taking one TOTP code and one recovery code at once: each is accepted
// once. a must be a vigil.UserStore too.
func TwoStoresFactorRaces(t *testing.T, a, b vigil.FactorStore) {
	t.Helper()
	us, ok := a.(vigil.UserStore)
	if !ok {
		t.Fatalf("the store is a %T, not a vigil.UserStore", a)
	}
	stores := []vigil.FactorStore{a, b}
	raceTOTPStep(t, stores, createUser(t, us, "alice"))
	raceRecoveryCode(t, stores, createUser(t, us, "bob"))
}

var factorErrorTests = []factorTest{
	{"ClosedIsUnavailable", testFactorsClosed},
	{"ContextErrorStaysContextError", testFactorsContext},
}

func testFactorsClosed(f *factorFixture) {
	alice := f.user("alice")
	f.closeNow()
	ctx := context.Background()
	_, err := f.fs.Factors(ctx, alice)
	f.isErr(err, vigil.ErrUnavailable, "Factors after Close")
	_, err = f.fs.ConsumeRecoveryCode(ctx, alice, vigil.NewToken().Hash(), t0)
	f.isErr(err, vigil.ErrUnavailable, "ConsumeRecoveryCode after Close")
	f.isErr(f.fs.RecordTOTPStep(ctx, alice, 1, t0), vigil.ErrUnavailable, "RecordTOTPStep after Close")
}

func testFactorsContext(f *factorFixture) {
	alice := f.user("alice")
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	for what, err := range map[string]error{
		"Factors":             func() error { _, err := f.fs.Factors(ctx, alice); return err }(),
		"RecordTOTPStep":      f.fs.RecordTOTPStep(ctx, alice, 1, t0),
		"ConsumeRecoveryCode": func() error { _, err := f.fs.ConsumeRecoveryCode(ctx, alice, vigil.TokenHash{}, t0); return err }(),
	} {
		if !errors.Is(err, context.Canceled) || errors.Is(err, vigil.ErrUnavailable) {
			f.Errorf("%s with a cancelled context = %v, want context.Canceled", what, err)
		}
	}
}
