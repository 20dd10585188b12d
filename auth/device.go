package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigilauth/vigil"
)

// Known devices (OWASP "Slow down online guessing attacks with device
// cookies"; ASVS 5.0 6.1.1: the throttle must not let an attacker lock
// users out). Every successful login gives the client a device
// credential: a random device id, the username and the time it was
// issued, signed with HMAC-SHA256 under a key the store keeps for every
// instance. A login that presents a credential valid for its username is
// throttled under the device's own key ("device:<id>", the username rule)
// instead of the username's: an attacker who locks the username from
// elsewhere does not lock out the devices its user has signed in on, and a
// stolen credential still gets only the username rule's guesses. The
// address rule applies as always.
const (
	// DeviceLifetime is how long a device credential is valid; each
	// successful login through it issues a new one, with the same device.
	DeviceLifetime = 180 * 24 * time.Hour
	// deviceKeyName names the signing key in the store (vigil.KeyStore).
	deviceKeyName = "device"
	// maxDeviceValue bounds what is read of a presented credential: one
	// vigil issues has about 200 bytes.
	maxDeviceValue = 512
	// deviceClockSkew is how far in the future a credential's issue time
	// may lie (another instance's clock runs ahead).
	deviceClockSkew = 5 * time.Minute
)

// DeviceCredential is a known-device credential, for the client to keep
// (as a cookie) until Expires and present at its next login.
type DeviceCredential struct {
	Value   string // "" when none was issued
	Expires time.Time
}

func deviceKey(id string) string { return "device:" + id }

// devices issues and checks device credentials. The signing key is read
// from the store once, on first need, and then kept.
type devices struct {
	store vigil.KeyStore
	key   atomic.Pointer[[]byte]
}

// signingKey returns the key, reading (or creating) it on first use.
func (d *devices) signingKey(ctx context.Context) ([]byte, error) {
	if k := d.key.Load(); k != nil {
		return *k, nil
	}
	k, err := d.store.ServerKey(ctx, deviceKeyName)
	if err != nil {
		return nil, err
	}
	if len(k) != vigil.ServerKeyBytes {
		return nil, fmt.Errorf("device signing key has %d bytes, want %d", len(k), vigil.ServerKeyBytes)
	}
	d.key.Store(&k)
	return k, nil
}

// issue returns a credential of device id for username, issued at now.
func (d *devices) issue(ctx context.Context, id, username string, now time.Time) (DeviceCredential, error) {
	key, err := d.signingKey(ctx)
	if err != nil {
		return DeviceCredential{}, err
	}
	payload := strings.Join([]string{"v1", id, username, strconv.FormatInt(now.Unix(), 10)}, "|")
	value := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(sign(key, payload))
	return DeviceCredential{Value: value, Expires: now.Add(DeviceLifetime)}, nil
}

// credentialAlphabet is every character of a credential vigil issues:
// unpadded base64url and the dot between payload and signature.
const credentialAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

// errNotKnown is a presented credential that does not make its device
// known: malformed, forged, expired or another user's.
var errNotKnown = errors.New("not a known device")

// known returns the device id of value if it is a credential vigil issued
// for username that is valid at now; errNotKnown otherwise, or the error
// that kept the key from being read.
func (d *devices) known(ctx context.Context, value, username string, now time.Time) (string, error) {
	if len(value) > maxDeviceValue || strings.Trim(value, credentialAlphabet) != "" {
		return "", errNotKnown // (the base64 decoder would skip line breaks)
	}
	p64, m64, ok := strings.Cut(value, ".")
	payload, perr := base64.RawURLEncoding.Strict().DecodeString(p64)
	mac, merr := base64.RawURLEncoding.Strict().DecodeString(m64)
	if !ok || perr != nil || merr != nil {
		return "", errNotKnown
	}
	key, err := d.signingKey(ctx)
	if err != nil {
		return "", err
	}
	if !hmac.Equal(mac, sign(key, string(payload))) {
		return "", errNotKnown
	}
	f := strings.Split(string(payload), "|")
	if len(f) != 4 || f[0] != "v1" || f[2] != username {
		return "", errNotKnown
	}
	secs, err := strconv.ParseInt(f[3], 10, 64)
	issued := time.Unix(secs, 0)
	if err != nil || !now.Before(issued.Add(DeviceLifetime)) || issued.After(now.Add(deviceClockSkew)) {
		return "", errNotKnown
	}
	return f[1], nil
}

// sign is the HMAC-SHA256 of payload under key.
func sign(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}
