package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"testing"

	_ "modernc.org/sqlite"
)

// TestStolenDatabaseYieldsNoToken: everything the sessions table holds about
// a live session, presented as a cookie, gets 401 — the store keeps only
// the SHA-256 of the token.
func TestStolenDatabaseYieldsNoToken(t *testing.T) {
	srv := startServer(t, "", "--dev")
	srv.addUser(t, "alice", "patient", alicePW)
	d := srv.device(t)
	d.Login("alice", alicePW)

	db, err := sql.Open("sqlite", "file:"+srv.DB+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id string
	var hash []byte
	if err := db.QueryRow(`SELECT id, token_hash FROM sessions`).Scan(&id, &hash); err != nil {
		t.Fatal(err)
	}
	u := mustURL(t, srv.URL)
	for _, guess := range []string{
		base64.RawURLEncoding.EncodeToString(hash), hex.EncodeToString(hash),
		base64.StdEncoding.EncodeToString(hash), id,
	} {
		thief := srv.device(t)
		thief.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_session", Value: guess, Path: "/"}})
		expect(t, "cookie from the dump "+guess, thief.Do("GET", "/api/auth/session", nil), 401, "UNAUTHENTICATED")
	}
	expect(t, "the real device", d.Do("GET", "/api/auth/session", nil), 200)
}
