package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/vigilauth/vigil"
)

var keyTests = []test{
	{"CreatedOnFirstUseThenKept", testKeyKept},
	{"NamesAreIndependent", testKeyNames},
	{"RacingFirstCallsAgree", testKeyRace},
	{"ClosedIsUnavailable", testKeyClosed},
}

// serverKey calls ServerKey and checks the key's size.
func (f *fixture) serverKey(name string) []byte {
	f.Helper()
	k, err := f.s.ServerKey(f.ctx, name)
	f.ok(err, "ServerKey("+name+")")
	if len(k) != vigil.ServerKeyBytes {
		f.Fatalf("ServerKey(%s) = %d bytes, want %d", name, len(k), vigil.ServerKeyBytes)
	}
	return k
}

func testKeyKept(f *fixture) {
	k := f.serverKey("device")
	if bytes.Equal(k, make([]byte, vigil.ServerKeyBytes)) {
		f.Fatal("ServerKey returned zeros, want random bytes")
	}
	for range 3 {
		if again := f.serverKey("device"); !bytes.Equal(again, k) {
			f.Fatalf("ServerKey changed between calls: %x, then %x", k, again)
		}
	}
}

func testKeyNames(f *fixture) {
	a, b := f.serverKey("device"), f.serverKey("other")
	if bytes.Equal(a, b) {
		f.Errorf("two names share the key %x", a)
	}
	if again := f.serverKey("device"); !bytes.Equal(again, a) {
		f.Errorf("creating another key changed the first")
	}
}

func testKeyRace(f *fixture) {
	keysAgree(f.T, "race", []vigil.KeyStore{f.s})
}

func testKeyClosed(f *fixture) {
	f.serverKey("device")
	f.closeNow()
	if _, err := f.s.ServerKey(context.Background(), "device"); !errors.Is(err, vigil.ErrUnavailable) {
		f.Errorf("ServerKey after Close = %v, want ErrUnavailable", err)
	}
}

// TwoStoresOneServerKey is two stores on one database (two instances, or
// the server and the CLI) asking for a key at once, on its first use: both
// get the same key, and keep getting it. A backend calls it with a and b
// opened on the same database.
func TwoStoresOneServerKey(t *testing.T, a, b vigil.KeyStore) {
	t.Helper()
	keysAgree(t, "shared", []vigil.KeyStore{a, b})
}

// keysAgree makes 16 racing first calls for name, spread over stores, and
// checks that every call, and a later one of each store, got one key.
func keysAgree(t *testing.T, name string, stores []vigil.KeyStore) {
	t.Helper()
	ctx := t.Context()
	keys := make([][]byte, 16)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := stores[i%len(stores)].ServerKey(ctx, name)
			if err != nil {
				t.Errorf("ServerKey: %v", err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, s := range stores {
		k, err := s.ServerKey(ctx, name)
		if err != nil {
			t.Fatalf("ServerKey: %v", err)
		}
		keys = append(keys, k)
	}
	for i, k := range keys {
		if len(k) != vigil.ServerKeyBytes || !bytes.Equal(k, keys[0]) {
			t.Fatalf("call %d got key %x, call 0 got %x: want one key of %d bytes", i, k, keys[0], vigil.ServerKeyBytes)
		}
	}
}
