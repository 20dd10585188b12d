package main

import (
	"slices"
	"testing"
)

// TestPasskeyOptions: the relying party serve derives from --public-url,
// or from the listen address in --dev; none where no browser could use a
// passkey.
func TestPasskeyOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		public     string
		dev        bool
		addr       string
		rpID, orig string // "" rpID: passkeys off
	}{
		{"https://Auth.Clinic.Example", false, ":8080", "auth.clinic.example", "https://auth.clinic.example"},
		{"https://auth.clinic.example:443/", false, ":8080", "auth.clinic.example", "https://auth.clinic.example"},
		{"https://auth.clinic.example:8443", true, ":8080", "auth.clinic.example", "https://auth.clinic.example:8443"},
		{"https://192.0.2.7", false, ":8080", "", ""},
		{"", false, ":8080", "", ""},
		{"", true, "127.0.0.1:8080", "localhost", "http://localhost:8080"},
		{"", true, ":80", "localhost", "http://localhost"},
		{"", true, "127.0.0.1:0", "", ""},
	}
	for _, c := range cases {
		p, err := passkeyOptions(c.public, c.dev, c.addr)
		if err != nil {
			t.Errorf("passkeyOptions(%q, %t, %q): %v", c.public, c.dev, c.addr, err)
			continue
		}
		if p.RPID != c.rpID || (c.rpID != "" && !slices.Equal(p.Origins, []string{c.orig})) || (c.rpID == "" && p.Enabled()) {
			t.Errorf("passkeyOptions(%q, %t, %q) = %+v, want RP ID %q origin %q", c.public, c.dev, c.addr, p, c.rpID, c.orig)
		}
	}
	for _, bad := range []string{"auth.clinic.example", "ftp://auth.clinic.example", "https://", "https://klinik-münchen.example"} {
		if _, err := passkeyOptions(bad, false, ":8080"); err == nil {
			t.Errorf("passkeyOptions(%q) accepted", bad)
		}
	}
	if _, err := passkeyOptions("", true, "8080"); err == nil {
		t.Error("a listen address without a port accepted")
	}
}
