package httpapi_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/dbsc"
	"github.com/vigilauth/vigil/dbsc/dbsctest"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
	"github.com/vigilauth/vigil/vigilhttp"
)

// These tests speak the DBSC protocol to the server by hand, one header
// at a time, to hold its answers to the wire format Chromium expects; the
// end-to-end tests in cmd/vigil drive it with dbsctest.Client instead.

const boundLife = 10 * time.Minute

// bindingHarness is a harness with device binding offered.
func bindingHarness(t testing.TB, opts ...func(*harnessConfig)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*harnessConfig){withEngine(func(o *auth.Options) {
		o.DeviceBinding = auth.DeviceBinding{Offer: true, CookieLifetime: boundLife}
	})}, opts...)...)
}

func newKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// offer reads the registration offer of a sign-in's answer.
func offer(t *testing.T, r testkit.Response) dbsc.Registration {
	t.Helper()
	regs, err := dbsc.ParseRegistrationHeader(r.Header.Get(dbsc.HeaderRegistration))
	if err != nil || len(regs) != 1 || !regs[0].HasChallenge {
		t.Fatalf("Secure-Session-Registration %q: %v, want one offer with a challenge", r.Header.Get(dbsc.HeaderRegistration), err)
	}
	return regs[0]
}

// boundCookie returns the bound cookie r sets, or nil.
func boundCookie(r testkit.Response) *http.Cookie {
	for _, line := range r.Header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil && ck.Name == vigilhttp.DevBoundCookieName {
			return ck
		}
	}
	return nil
}

// challengeOf reads the one Secure-Session-Challenge of r.
func challengeOf(t *testing.T, r testkit.Response) dbsc.Challenge {
	t.Helper()
	chs, err := dbsc.ParseChallengeHeader(r.Header.Get(dbsc.HeaderChallenge))
	if err != nil || len(chs) != 1 {
		t.Fatalf("Secure-Session-Challenge %q: %v, want one", r.Header.Get(dbsc.HeaderChallenge), err)
	}
	return chs[0]
}

// bind signs in as alice with c and binds the session to key, checking the
// registration's answer; it returns the session's id.
func bind(t *testing.T, c *client, key crypto.Signer) string {
	t.Helper()
	login := c.Login("alice", alicePW)
	reg := offer(t, login)
	if reg.Path != vigilhttp.StartPath {
		t.Errorf("registration path %q, want %q", reg.Path, vigilhttp.StartPath)
	}
	proof, err := dbsctest.RegistrationProof(key, reg.Challenge, "")
	if err != nil {
		t.Fatal(err)
	}
	r := must(t, "registration", c.Do("POST", reg.Path, nil, dbsc.HeaderResponse, proof, "X-CSRF-Token", ""), http.StatusOK)
	id := login.Str("session", "id")
	checkConfig(t, r, id, c.URL)
	return id
}

// checkConfig checks a registration's or refresh's answer: the session
// config Chromium accepts, and a bound cookie with the attributes it names.
func checkConfig(t *testing.T, r testkit.Response, id, origin string) {
	t.Helper()
	var cfg dbsc.Config
	if err := json.Unmarshal([]byte(r.Raw), &cfg); err != nil {
		t.Fatalf("session config %s: %v", r.Raw, err)
	}
	if _, err := dbsc.ParseConfig([]byte(r.Raw)); err != nil {
		t.Errorf("Chromium would refuse the config %s: %v", r.Raw, err)
	}
	from, _ := url.Parse(origin + vigilhttp.StartPath)
	if _, _, err := cfg.Check(from); err != nil {
		t.Errorf("Chromium would refuse the config %s: %v", r.Raw, err)
	}
	if cfg.SessionIdentifier != id || cfg.RefreshURL != vigilhttp.RefreshPath || cfg.Scope.Origin != origin ||
		len(cfg.Credentials) != 1 || cfg.Credentials[0].Name != vigilhttp.DevBoundCookieName {
		t.Errorf("session config %+v: want session %s, refresh %s, origin %s, the bound cookie", cfg, id, vigilhttp.RefreshPath, origin)
	}
	ck := boundCookie(r)
	if ck == nil || ck.Value == "" || !ck.HttpOnly || ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("bound cookie %+v, want one HttpOnly, Path=/, SameSite=Lax", ck)
	}
	attrs, err := dbsc.ParseAttributes(cfg.Credentials[0].Attributes, from)
	if err != nil {
		t.Fatalf("credential attributes %q: %v", cfg.Credentials[0].Attributes, err)
	}
	if attrs.Path != ck.Path || attrs.HttpOnly != ck.HttpOnly || attrs.Secure != ck.Secure {
		t.Errorf("credential attributes %+v do not match the Set-Cookie %+v: the browser would refresh without end", attrs, ck)
	}
	if ck.MaxAge <= 0 || ck.MaxAge > int(boundLife/time.Second) {
		t.Errorf("bound cookie Max-Age %d, want up to %v", ck.MaxAge, boundLife)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func TestLoginOffersBindingOnlyWhenOn(t *testing.T) {
	t.Parallel()
	on := bindingHarness(t).client()
	reg := offer(t, on.Login("alice", alicePW))
	if len(reg.Algs) != 2 {
		t.Errorf("algorithms %v, want ES256 and RS256", reg.Algs)
	}
	off := newHarness(t).client()
	if v := off.Login("alice", alicePW).Header.Get(dbsc.HeaderRegistration); v != "" {
		t.Errorf("with device binding off the login offers %q", v)
	}
	r := off.Do("POST", vigilhttp.StartPath, nil, dbsc.HeaderResponse, "x.y.z")
	expect(t, "registration with binding off", r, http.StatusNotFound, vigil.CodeNotFound, "")
}

func TestRegistrationUnderRoutePrefix(t *testing.T) {
	t.Parallel()
	h := bindingHarness(t, withSessions(func(o *vigilhttp.Options) { o.RoutePrefix = "/sso" }),
		withDeps(func(d *httpapi.Deps) { d.RoutePrefix = "/sso" }))
	c := h.client()
	reg := offer(t, c.Do("POST", "/sso/api/auth/login", map[string]string{"username": "alice", "password": alicePW}))
	if reg.Path != "/sso"+vigilhttp.StartPath {
		t.Fatalf("registration path %q, want under the prefix", reg.Path)
	}
	proof, _ := dbsctest.RegistrationProof(newKey(t), reg.Challenge, "")
	r := must(t, "registration", c.Do("POST", reg.Path, nil, dbsc.HeaderResponse, proof), http.StatusOK)
	if !strings.Contains(r.Raw, `"refresh_url":"/sso/auth/dbsc/refresh"`) {
		t.Errorf("config %s, want the refresh URL under the prefix", r.Raw)
	}
}

// TestBoundSessionOverHTTP: registration, the bound cookie required on the
// API and forward auth, a refresh in two rounds, and the answers without
// the cookie.
func TestBoundSessionOverHTTP(t *testing.T) {
	t.Parallel()
	h := bindingHarness(t)
	c := h.client()
	key := newKey(t)
	id := bind(t, c, key)

	s := must(t, "session", c.Do("GET", "/api/auth/session", nil), http.StatusOK)
	if bound, _ := s.Body["session"].(map[string]any)["device_bound"].(bool); !bound {
		t.Errorf("GET /api/auth/session: device_bound false: %s", s.Raw)
	}
	list := must(t, "sessions", c.Do("GET", "/api/auth/sessions", nil), http.StatusOK)
	if !strings.Contains(list.Raw, `"device_bound":true`) {
		t.Errorf("GET /api/auth/sessions does not say the session is bound: %s", list.Raw)
	}
	v := must(t, "verify", c.Do("GET", "/api/auth/verify", nil), http.StatusOK)
	if got := v.Header.Get("Remote-Device-Bound"); got != "true" {
		t.Errorf("Remote-Device-Bound %q, want true", got)
	}

	copied := h.withToken(c.token()) // the session cookie alone
	expect(t, "the session cookie without the bound one", copied.Do("GET", "/api/auth/session", nil),
		http.StatusUnauthorized, vigil.CodeDeviceBindingRequired, "")
	expect(t, "forward auth without the bound cookie", copied.Do("GET", "/api/auth/verify", nil),
		http.StatusUnauthorized, vigil.CodeDeviceBindingRequired, "")

	first := c.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id)
	expect(t, "refresh without a proof", first, http.StatusForbidden, vigil.CodeDeviceProofRequired, "")
	ch := challengeOf(t, first)
	if ch.SessionID != id {
		t.Fatalf("challenge for session %q, want %q", ch.SessionID, id)
	}
	proof, _ := dbsctest.RefreshProof(key, ch.Challenge)
	r := must(t, "refresh", c.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id, dbsc.HeaderResponse, proof), http.StatusOK)
	checkConfig(t, r, id, c.URL)
	replay := c.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id, dbsc.HeaderResponse, proof)
	expect(t, "a replayed refresh", replay, http.StatusForbidden, vigil.CodeDeviceProofRequired, "")
	if next := challengeOf(t, replay); next.Challenge == ch.Challenge {
		t.Error("a replay is answered with the challenge it replayed")
	}
	must(t, "session after the refresh", c.Do("GET", "/api/auth/session", nil), http.StatusOK)
	if n := len(h.events("alice", vigil.EventDeviceBindingRefreshed)); n != 1 {
		t.Errorf("%d device_binding_refreshed events, want 1", n)
	}
	if n := len(h.events("alice", vigil.EventDeviceBindingFailed)); n != 1 {
		t.Errorf("%d device_binding_failed events, want 1 (the replay)", n)
	}
}

// TestLapsedBoundCookie: past its lifetime by the server's clock, the bound
// cookie is refused: an API client gets 401, a browser a 307 that sends it
// to refresh (the cookie expired, a challenge to sign).
func TestLapsedBoundCookie(t *testing.T) {
	t.Parallel()
	h := bindingHarness(t)
	c := h.client()
	id := bind(t, c, newKey(t))
	h.Clock.Advance(boundLife)
	r := c.Do("GET", "/api/auth/session", nil)
	expect(t, "an API client's lapsed bound cookie", r, http.StatusUnauthorized, vigil.CodeDeviceBindingRequired, "")
	if ck := boundCookie(r); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("the lapsed bound cookie is not cleared: %+v", ck)
	}
	c = h.client()
	id = bind(t, c, newKey(t))
	h.Clock.Advance(boundLife)
	r = c.Do("GET", "/api/auth/sessions?x=1", nil, "Sec-Fetch-Mode", "cors")
	if r.Status != http.StatusTemporaryRedirect || r.Header.Get("Location") != "/api/auth/sessions?x=1" {
		t.Fatalf("a browser's lapsed bound cookie: %d to %q, want 307 to the same URL", r.Status, r.Header.Get("Location"))
	}
	if ck := boundCookie(r); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("the 307 does not expire the bound cookie: %+v", ck)
	}
	if ch := challengeOf(t, r); ch.SessionID != id {
		t.Errorf("the 307's challenge names %q, want %q", ch.SessionID, id)
	}
	// The browser comes back without the cookie (it had no key): the 401.
	r = c.Do("GET", "/api/auth/sessions?x=1", nil, "Sec-Fetch-Mode", "cors")
	expect(t, "back without the bound cookie", r, http.StatusUnauthorized, vigil.CodeDeviceBindingRequired, "")
}

// TestForeignKeyRevokesOverHTTP: a refresh signed by another key revokes
// the session and clears both cookies.
func TestForeignKeyRevokesOverHTTP(t *testing.T) {
	t.Parallel()
	h := bindingHarness(t)
	c := h.client()
	id := bind(t, c, newKey(t))
	tok := c.token()
	first := c.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id)
	proof, _ := dbsctest.RefreshProof(newKey(t), challengeOf(t, first).Challenge)
	r := c.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id, dbsc.HeaderResponse, proof)
	expect(t, "a refresh signed by another key", r, http.StatusUnauthorized, vigil.CodeSessionRevoked, vigil.ReasonDeviceBindingFailed)
	if !cleared(r) || boundCookie(r) == nil || boundCookie(r).MaxAge >= 0 {
		t.Errorf("the answer does not clear both cookies: %v", r.Header.Values("Set-Cookie"))
	}
	expect(t, "the session afterwards", h.withToken(tok).Do("GET", "/api/auth/session", nil),
		http.StatusUnauthorized, vigil.CodeSessionRevoked, vigil.ReasonDeviceBindingFailed)
}

// TestBindingRequestsRefused: what a client gets wrong is answered with
// the error table's codes, never 500, and audited.
func TestBindingRequestsRefused(t *testing.T) {
	t.Parallel()
	h := bindingHarness(t)
	c := h.client()
	login := c.Login("alice", alicePW)
	reg := offer(t, login)
	key := newKey(t)
	for _, tc := range []refusal{
		{"no proof", nil, http.StatusBadRequest, vigil.CodeInvalidRequest},
		{"not a JWT", []string{dbsc.HeaderResponse, "not a jwt"}, http.StatusBadRequest, vigil.CodeInvalidRequest},
		{"a refresh proof (no jwk)", []string{dbsc.HeaderResponse, must2(dbsctest.RefreshProof(key, reg.Challenge))}, http.StatusBadRequest, vigil.CodeInvalidRequest},
		{"another challenge", []string{dbsc.HeaderResponse, must2(dbsctest.RegistrationProof(key, vigil.NewToken().String(), ""))}, http.StatusForbidden, vigil.CodeDeviceProofRequired},
		{"a huge proof", []string{dbsc.HeaderResponse, strings.Repeat("a", 20<<10)}, http.StatusBadRequest, vigil.CodeInvalidRequest},
	} {
		expect(t, "registration with "+tc.name, c.Do("POST", vigilhttp.StartPath, nil, tc.hdr...), tc.status, tc.code, "")
	}
	id := login.Str("session", "id")
	// The offer still stands after the refusals: a quoted proof binds.
	proof, _ := dbsctest.RegistrationProof(key, reg.Challenge, "")
	must(t, "registration with a quoted proof", c.Do("POST", vigilhttp.StartPath, nil, dbsc.HeaderResponse, `"`+proof+`"`), http.StatusOK)
	again, _ := dbsctest.RegistrationProof(newKey(t), reg.Challenge, "")
	expect(t, "a second registration", c.Do("POST", vigilhttp.StartPath, nil, dbsc.HeaderResponse, again), http.StatusConflict, vigil.CodeConflict, "")
	for _, tc := range []refusal{
		{"no session id", nil, http.StatusBadRequest, vigil.CodeInvalidRequest},
		{"a malformed session id", []string{dbsc.HeaderSessionID, "a b"}, http.StatusBadRequest, vigil.CodeInvalidRequest},
		{"another session's id", []string{dbsc.HeaderSessionID, vigil.NewID()}, http.StatusNotFound, vigil.CodeNotFound},
		{"a malformed proof", []string{dbsc.HeaderSessionID, `"` + id + `"`, dbsc.HeaderResponse, "x.y.z"}, http.StatusBadRequest, vigil.CodeInvalidRequest},
	} {
		expect(t, "refresh with "+tc.name, c.Do("POST", vigilhttp.RefreshPath, nil, tc.hdr...), tc.status, tc.code, "")
	}
	anon := h.client()
	expect(t, "refresh without a session", anon.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id),
		http.StatusUnauthorized, vigil.CodeUnauthenticated, "")
	cross := c.Do("POST", vigilhttp.RefreshPath, nil, dbsc.HeaderSessionID, id, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	expect(t, "a cross-origin refresh", cross, http.StatusForbidden, vigil.CodeCSRFFailed, "")
	if n := len(h.events("alice", vigil.EventDeviceBindingFailed)); n != 10 {
		t.Errorf("%d device_binding_failed events, want 10 (every refusal but the cross-origin one)", n)
	}
	must(t, "the session is still bound", c.Do("GET", "/api/auth/session", nil), http.StatusOK)
}

// refusal is a request with headers hdr and the error it must get.
type refusal struct {
	name   string
	hdr    []string
	status int
	code   string
}

// must2 returns v, for a value whose error cannot happen in a test.
func must2(v string, err error) string {
	if err != nil {
		panic(err)
	}
	return v
}

// FuzzBindingHeaders: any Sec-Secure-Session-Id and Secure-Session-Response
// to the device-binding routes, with a live session whose challenge is
// outstanding, get a 2xx or 4xx answer of the error table, never a 5xx or a
// panic.
func FuzzBindingHeaders(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, seed := range [][2]string{
		{"", ""},
		{"abc", "x.y.z"},
		{`"abc";x=1`, `"a.b.c"`},
		{"a,b", "eyJhbGciOiJub25lIn0.e30."},
		{"\x00", "\xff.\xfe.\xfd"},
		{strings.Repeat("i", 300), strings.Repeat("j", 9000)},
		{"", must2(dbsctest.RegistrationProof(key, vigil.NewToken().String(), ""))},
		{"", must2(dbsctest.RefreshProof(key, vigil.NewToken().String()))},
	} {
		f.Add(seed[0], seed[1])
	}
	h := bindingHarness(f, func(c *harnessConfig) { c.noCache = true })
	cookie, _ := signIn(f, h, "alice", alicePW)
	f.Fuzz(func(t *testing.T, id, proof string) {
		for _, path := range []string{vigilhttp.StartPath, vigilhttp.RefreshPath} {
			req := httptest.NewRequest("POST", path, nil)
			req.Header.Set("Cookie", cookie)
			if id != "" {
				req.Header[dbsc.HeaderSessionID] = []string{id}
			}
			if proof != "" {
				req.Header[dbsc.HeaderResponse] = []string{proof}
			}
			serve(t, h.Handler, req)
		}
	})
}

// TestBindingRequestsAsChromium150SendsThem: Chromium 150's registration
// and refresh POSTs carry no Origin, no Fetch Metadata and no body (seen
// in a probe of it): the cross-origin check lets them through, and the
// scope origin comes from the request's host (http with --dev).
func TestBindingRequestsAsChromium150SendsThem(t *testing.T) {
	t.Parallel()
	h := bindingHarness(t)
	c := h.client()
	login := c.Login("alice", alicePW)
	reg := offer(t, login)
	key := newKey(t)
	bare := []string{"Origin", "", "Sec-Fetch-Site", "", "Content-Type", ""}
	proof, _ := dbsctest.RegistrationProof(key, reg.Challenge, "")
	r := must(t, "registration", c.Do("POST", reg.Path, nil, append([]string{dbsc.HeaderResponse, proof}, bare...)...), http.StatusOK)
	id := login.Str("session", "id")
	checkConfig(t, r, id, h.URL)
	first := c.Do("POST", vigilhttp.RefreshPath, nil, append([]string{dbsc.HeaderSessionID, id}, bare...)...)
	expect(t, "refresh without a proof", first, http.StatusForbidden, vigil.CodeDeviceProofRequired, "")
	proof, _ = dbsctest.RefreshProof(key, challengeOf(t, first).Challenge)
	r = must(t, "refresh", c.Do("POST", vigilhttp.RefreshPath, nil,
		append([]string{dbsc.HeaderSessionID, id, dbsc.HeaderResponse, proof}, bare...)...), http.StatusOK)
	checkConfig(t, r, id, h.URL)
}
