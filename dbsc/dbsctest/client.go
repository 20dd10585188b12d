// Package dbsctest is a Go client that behaves as Chromium does with Device
// Bound Session Credentials, for tests: it holds its own key (ECDSA P-256,
// or RSA when given one), registers when a response offers it, defers a
// request whose bound cookie is missing or lapsed (by its own clock) and
// refreshes first, answers a 403 challenge, caches challenges sent ahead of
// time, and drops a session the way Chromium does when the server refuses.
// See /work/notes/dbsc-findings.md in the project notes for the rules it
// follows and where they come from.
package dbsctest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigilauth/vigil/dbsc"
)

// Chromium's limits.
const (
	maxChallenges        = 5               // 403 rounds in one refresh
	defaultSigningQuota  = 6               // signings per site...
	signingQuotaInterval = 9 * time.Minute // ...in this window
	maxRedirects         = 20
	maxConfigBody        = 64 << 10
)

// Event kinds, in Client.Events.
const (
	EventRegistered         = "registered"
	EventRegistrationFailed = "registration_failed"
	EventRefreshed          = "refreshed"
	EventRefreshSkipped     = "refresh_skipped" // transient: the request went without the cookie
	EventSessionEnded       = "session_ended"   // fatal: the client dropped the session
)

// Event is something the client did on its own, as DevTools would show.
type Event struct {
	Kind      string
	SessionID string
	Status    int    // the HTTP status that decided it, 0 if none
	Reason    string // why, for failures: Chromium's error name where there is one
}

// Client is a browser with DBSC. The zero value is not usable: NewClient.
type Client struct {
	// HTTP sends every request; its Jar is the client's cookie jar and its
	// CheckRedirect stops at each hop (the Client follows redirects itself,
	// since the browser checks its sessions before every hop). Set its
	// Transport for a TLS test server, keep the rest.
	HTTP *http.Client
	// Now is the client's clock for cookie lifetimes and the signing quota;
	// set it to a test clock to let a bound cookie lapse without sleeping.
	Now func() time.Time
	// Signer signs every proof. Replace it to sign with a wrong key: a
	// refresh proof carries no jwk, so the server sees another key's proof.
	Signer crypto.Signer
	// ProactiveRefresh, if positive, refreshes before a request when the
	// bound cookie has less than this left (Chromium: about 2 minutes).
	ProactiveRefresh time.Duration
	// SigningQuota is how many proofs may be signed per 9 minutes (by Now);
	// 0 is Chromium's 6, negative is no limit. Refresh ignores it.
	SigningQuota int
	// ReplayLastProof makes every refresh send the last proof signed instead
	// of signing the challenge it was given.
	ReplayLastProof bool

	jar       *jar
	refreshMu sync.Mutex // one refresh at a time, as Chromium per session

	mu        sync.Mutex
	sessions  []*session
	lastProof string
	signings  []time.Time
	events    []Event
}

type session struct {
	id          string
	origin      *url.URL
	includeSite bool
	rules       []dbsc.ScopeRule
	refresh     *url.URL
	creds       []craving
	challenge   string // cached, for the next proof
	config      dbsc.Config
	proactive   bool // a proactive refresh failed since the last success
}

// craving is a credential as Chromium keeps it: the cookie that satisfies it
// must have this name and these attributes.
type craving struct {
	name     string
	domain   string
	hostOnly bool
	attrs    dbsc.CookieAttributes
}

// NewClient returns a client holding key (nil: a fresh ECDSA P-256 key).
func NewClient(key crypto.Signer) *Client {
	if key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		key = k
	}
	c := &Client{Signer: key}
	c.jar = newJar(c.now)
	c.HTTP = &http.Client{
		Jar:           c.jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Registered returns the id of the client's bound session, if it has one.
func (c *Client) Registered() (sessionID string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sessions) == 0 {
		return "", false
	}
	return c.sessions[0].id, true
}

// Config returns the session config the client last accepted.
func (c *Client) Config() (dbsc.Config, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sessions) == 0 {
		return dbsc.Config{}, false
	}
	return c.sessions[0].config, true
}

// Cookies returns the cookies the client would send to u, with their
// attributes (Domain empty for a host-only cookie), to copy them to a client
// without the key.
func (c *Client) Cookies(u *url.URL) []*http.Cookie {
	var out []*http.Cookie
	for _, k := range c.jar.matching(u) {
		hc := &http.Cookie{Name: k.name, Value: k.value, Path: k.path, Secure: k.secure, HttpOnly: k.httpOnly, Expires: k.expires}
		if !k.hostOnly {
			hc.Domain = k.domain
		}
		out = append(out, hc)
	}
	return out
}

// Events returns what the client did on its own so far.
func (c *Client) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// Count returns how many events of kind happened.
func (c *Client) Count(kind string) int {
	n := 0
	for _, e := range c.Events() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// LastProof returns the last JWT the client signed.
func (c *Client) LastProof() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastProof
}

func (c *Client) event(e Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

// Do sends req as the browser would: before it (and before each redirect
// hop) a bound session whose scope covers the URL and whose bound cookie is
// missing or lapsed is refreshed first, once per request; if that fails the
// request goes without the cookie, with Secure-Session-Skipped when the
// failure was transient. After every response it registers when offered
// (Secure-Session-Registration) and caches Secure-Session-Challenge. A
// request with a body is followed through a 307/308 only if it has GetBody.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	deferred := map[string]bool{}
	skipped := map[string]string{}
	cur := req
	for hop := 0; ; hop++ {
		if hop > maxRedirects {
			return nil, fmt.Errorf("dbsctest: stopped after %d redirects", maxRedirects)
		}
		c.beforeRequest(ctx, cur.URL, deferred, skipped)
		out := cur.Clone(ctx)
		if h := skippedHeader(c, cur.URL, skipped); h != "" {
			out.Header.Set(dbsc.HeaderSkipped, h)
		}
		if out.Method != http.MethodGet && out.Method != http.MethodHead && out.Header.Get("Origin") == "" {
			out.Header.Set("Origin", originOf(cur.URL).String())
		}
		resp, err := c.HTTP.Do(out)
		if err != nil {
			return nil, err
		}
		c.afterResponse(ctx, resp, true)
		next := redirect(cur, resp)
		if next == nil {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		cur = next
	}
}

// Get is Do for a GET of rawURL.
func (c *Client) Get(ctx context.Context, rawURL string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

// beforeRequest is Chromium's deferral: refresh each in-scope session whose
// cookie is missing, at most once per request, restarting the check after
// each refresh.
func (c *Client) beforeRequest(ctx context.Context, u *url.URL, deferred map[string]bool, skipped map[string]string) {
	for {
		s, left, missing := c.needsRefresh(u, deferred)
		if s == nil {
			break
		}
		if missing {
			deferred[s.id] = true
			if r := c.refresh(ctx, s.id, u, false); r != "" && r != resultFatal {
				skipped[s.id] = r
			}
			continue
		}
		// Proactive: the cookie is there but about to lapse.
		if left > c.ProactiveRefresh || c.ProactiveRefresh <= 0 {
			break
		}
		deferred[s.id] = true
		if r := c.refresh(ctx, s.id, nil, false); r != "" {
			if cur := c.session(s.id); cur != nil {
				c.mu.Lock()
				cur.proactive = true
				c.mu.Unlock()
			}
		}
	}
}

// needsRefresh finds a session, not yet deferred for this request, whose
// scope includes u and whose cookie is missing (missing) or, if proactive
// refresh is on, lapses within ProactiveRefresh (left).
func (c *Client) needsRefresh(u *url.URL, deferred map[string]bool) (*session, time.Duration, bool) {
	c.mu.Lock()
	sessions := append([]*session(nil), c.sessions...)
	c.mu.Unlock()
	for _, s := range sessions {
		if deferred[s.id] || !c.inScope(s, u) {
			continue
		}
		left, ok := c.satisfied(s, u)
		if !ok {
			return s, 0, true
		}
		c.mu.Lock()
		tried := s.proactive
		c.mu.Unlock()
		if c.ProactiveRefresh > 0 && left <= c.ProactiveRefresh && !tried {
			return s, left, false
		}
	}
	return nil, 0, false
}

// satisfied reports whether every credential that applies to u has its
// cookie in the jar with the same attributes, and the shortest time left.
func (c *Client) satisfied(s *session, u *url.URL) (time.Duration, bool) {
	host := canonHost(u.Hostname())
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	live := c.jar.matching(u)
	now := c.now()
	left := time.Duration(1<<63 - 1)
	for _, cr := range s.creds {
		if !domainMatch(host, cr.domain, cr.hostOnly) || !pathMatch(path, cr.attrs.Path) || (cr.attrs.Secure && !dbsc.IsSecure(u)) {
			continue // a cookie like this would not be sent here anyway
		}
		found := false
		for _, k := range live {
			if k.name == cr.name && k.domain == cr.domain && k.hostOnly == cr.hostOnly && k.path == cr.attrs.Path &&
				k.secure == cr.attrs.Secure && k.httpOnly == cr.attrs.HttpOnly && k.sameSite == cr.attrs.SameSite {
				found = true
				if !k.expires.IsZero() && k.expires.Sub(now) < left {
					left = k.expires.Sub(now)
				}
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return left, true
}

// inScope is the draft's "URL is in scope" with Chromium's implicit
// exclusion of the refresh endpoint.
func (c *Client) inScope(s *session, u *url.URL) bool {
	if s.includeSite {
		if !dbsc.SameSite(u, s.origin) {
			return false
		}
	} else if originOf(u).String() != originOf(s.origin).String() {
		return false
	}
	host := canonHost(u.Hostname())
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if host == canonHost(s.refresh.Hostname()) && pathMatch(path, s.refresh.EscapedPath()) {
		return false
	}
	for i := len(s.rules) - 1; i >= 0; i-- {
		r := s.rules[i]
		if !hostPattern(host, r.Domain) {
			continue
		}
		if path == r.Path || (strings.HasSuffix(r.Path, "/") && strings.HasPrefix(path, r.Path)) || strings.HasPrefix(path, r.Path+"/") {
			return r.Type == "include"
		}
	}
	return true
}

// hostPattern is the draft's "host matches a pattern".
func hostPattern(host, pattern string) bool {
	pattern = strings.ToLower(pattern)
	if pattern == "*" {
		return true
	}
	if strings.HasPrefix(pattern, "*") {
		return strings.HasPrefix(pattern, "*.") && strings.HasSuffix(host, pattern[1:])
	}
	return host == pattern
}

// afterResponse is Chromium's handling of response headers: registration
// (only for pages, not for DBSC's own fetches) and challenges.
func (c *Client) afterResponse(ctx context.Context, resp *http.Response, page bool) {
	u := resp.Request.URL
	if v := strings.Join(resp.Header.Values(dbsc.HeaderRegistration), ", "); page && v != "" {
		regs, err := dbsc.ParseRegistrationHeader(v)
		if err == nil {
			for _, r := range regs {
				c.register(ctx, u, r)
			}
		}
	}
	c.cacheChallenges(resp, "")
}

// cacheChallenges stores each challenge for the session its id names, if
// the response could set that session's bound cookie. only, if set, limits
// it to one session id.
func (c *Client) cacheChallenges(resp *http.Response, only string) {
	v := strings.Join(resp.Header.Values(dbsc.HeaderChallenge), ", ")
	if v == "" {
		return
	}
	chs, err := dbsc.ParseChallengeHeader(v)
	if err != nil {
		return
	}
	u := resp.Request.URL
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range chs {
		if ch.SessionID == "" || (only != "" && ch.SessionID != only) {
			continue
		}
		for _, s := range c.sessions {
			if s.id == ch.SessionID && canSetBound(s.creds, u) {
				s.challenge = ch.Challenge
			}
		}
	}
}

// canSetBound reports whether a response from u could set one of the
// session's bound cookies.
func canSetBound(creds []craving, u *url.URL) bool {
	host := canonHost(u.Hostname())
	for _, cr := range creds {
		if domainMatch(host, cr.domain, cr.hostOnly) && (!cr.attrs.Secure || dbsc.IsSecure(u)) {
			return true
		}
	}
	return false
}

// register runs one registration offered by a response from base.
func (c *Client) register(ctx context.Context, base *url.URL, r dbsc.Registration) {
	fail := func(status int, reason string) {
		c.event(Event{Kind: EventRegistrationFailed, Status: status, Reason: reason})
	}
	alg := Alg(c.Signer)
	offered := false
	for _, a := range r.Algs {
		offered = offered || a == alg
	}
	if !offered {
		fail(0, "no algorithm in common")
		return
	}
	path, err := url.PathUnescape(r.Path)
	if err != nil {
		path = r.Path
	}
	ref, err := url.Parse(path)
	if err != nil {
		fail(0, "bad path")
		return
	}
	endpoint := base.ResolveReference(ref)
	if !dbsc.IsSecure(endpoint) || !dbsc.SameSite(endpoint, base) {
		fail(0, "registration endpoint neither secure nor same-site")
		return
	}
	hdr := http.Header{}
	if r.HasChallenge || r.Authorization != "" {
		if !c.spendSigning() {
			fail(0, "kSigningQuotaExceeded")
			return
		}
		proof, err := RegistrationProof(c.Signer, r.Challenge, r.Authorization)
		if err != nil {
			fail(0, "kSigningError: "+err.Error())
			return
		}
		c.mu.Lock()
		c.lastProof = proof
		c.mu.Unlock()
		hdr.Set(dbsc.HeaderResponse, proof)
	}
	if r.Authorization != "" {
		hdr.Set("Authorization", r.Authorization)
	}
	resp, body, err := c.fetch(ctx, endpoint, originOf(base), hdr)
	if err != nil {
		fail(0, "kNetError: "+err.Error())
		return
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fail(resp.StatusCode, "registration refused")
		return
	}
	if len(body) == 0 {
		fail(resp.StatusCode, "kEmptySessionConfig")
		return
	}
	s, reason := c.newSession(resp.Request.URL, body)
	if s == nil {
		fail(resp.StatusCode, reason)
		return
	}
	c.mu.Lock()
	kept := c.sessions[:0]
	for _, o := range c.sessions {
		if o.id != s.id {
			kept = append(kept, o)
		}
	}
	c.sessions = append(kept, s)
	c.mu.Unlock()
	c.cacheChallenges(resp, s.id)
	c.event(Event{Kind: EventRegistered, SessionID: s.id, Status: resp.StatusCode})
}

// newSession builds a session from a config body received from u, with
// Chromium's checks; on refusal it returns the reason.
func (c *Client) newSession(u *url.URL, body []byte) (*session, string) {
	cfg, err := dbsc.ParseConfig(body)
	if errors.Is(err, dbsc.ErrEnded) {
		return nil, "kServerRequestedTermination"
	}
	if err != nil {
		return nil, err.Error()
	}
	origin, refresh, err := cfg.Check(u)
	if err != nil {
		return nil, err.Error()
	}
	s := &session{id: cfg.SessionIdentifier, origin: origin, includeSite: cfg.Scope.IncludeSite,
		rules: cfg.Scope.ScopeSpecification, refresh: refresh, config: cfg}
	for _, cr := range cfg.Credentials {
		a, err := dbsc.ParseAttributes(cr.Attributes, u)
		if err != nil {
			return nil, err.Error()
		}
		k := craving{name: cr.Name, domain: a.Domain, attrs: a}
		if a.Domain == "" {
			k.domain, k.hostOnly = canonHost(u.Hostname()), true
		}
		s.creds = append(s.creds, k)
	}
	if !canSetBound(s.creds, u) {
		return nil, "kBoundCookieSetForbidden"
	}
	return s, ""
}

// Refresh results; "" is refreshed.
const (
	resultFatal       = "fatal"
	resultServerError = "server_error"
	resultUnreachable = "unreachable"
	resultQuota       = "quota_exceeded"
)

// Refresh forces one refresh of the client's session now, ignoring the
// signing quota. It returns nil when the server issued a new cookie.
func (c *Client) Refresh(ctx context.Context) error {
	c.mu.Lock()
	if len(c.sessions) == 0 {
		c.mu.Unlock()
		return errors.New("dbsctest: no bound session")
	}
	s := c.sessions[0]
	c.mu.Unlock()
	if r := c.refresh(ctx, s.id, nil, true); r != "" {
		return fmt.Errorf("dbsctest: refresh failed: %s", r)
	}
	return nil
}

// refresh is Chromium's refresh fetch for the session with this id. When
// waiting is set (a request found the cookie missing), a refresh that
// another request finished meanwhile is not repeated: the cookie is checked
// again for that URL first.
func (c *Client) refresh(ctx context.Context, id string, waiting *url.URL, forced bool) string {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	s := c.session(id)
	if s == nil {
		return resultFatal
	}
	if waiting != nil {
		if _, ok := c.satisfied(s, waiting); ok {
			return ""
		}
	}
	c.mu.Lock()
	challenge := s.challenge
	s.challenge = ""
	c.mu.Unlock()
	skip := func(status int, result, reason string) string {
		c.event(Event{Kind: EventRefreshSkipped, SessionID: s.id, Status: status, Reason: reason})
		return result
	}
	end := func(status int, reason string) string {
		c.dropSession(s)
		c.event(Event{Kind: EventSessionEnded, SessionID: s.id, Status: status, Reason: reason})
		return resultFatal
	}
	for round := 0; ; round++ {
		hdr := http.Header{dbsc.HeaderSessionID: {s.id}}
		if challenge != "" {
			if round >= maxChallenges {
				return end(0, "kTooManyChallenges")
			}
			proof := c.LastProof()
			if !c.ReplayLastProof || proof == "" {
				if !forced && !c.spendSigning() {
					return skip(0, resultQuota, "kSigningQuotaExceeded")
				}
				var err error
				if proof, err = RefreshProof(c.Signer, challenge); err != nil {
					return end(0, "kSigningError: "+err.Error())
				}
				c.mu.Lock()
				c.lastProof = proof
				c.mu.Unlock()
			}
			hdr.Set(dbsc.HeaderResponse, proof)
		}
		resp, body, err := c.fetch(ctx, s.refresh, originOf(s.origin), hdr)
		if err != nil {
			return skip(0, resultUnreachable, "kNetError: "+err.Error())
		}
		c.cacheChallenges(resp, s.id)
		switch code := resp.StatusCode; {
		case code == http.StatusForbidden:
			c.mu.Lock()
			challenge = s.challenge
			s.challenge = ""
			c.mu.Unlock()
			if challenge == "" {
				return end(code, "kInvalidChallenge")
			}
			continue
		case code >= 500:
			return skip(code, resultServerError, "kTransientHttpError")
		case code < 200 || code > 299:
			return end(code, "kPersistentHttpError")
		}
		if len(body) > 0 {
			ns, reason := c.newSession(resp.Request.URL, body)
			if ns == nil {
				return end(resp.StatusCode, reason)
			}
			if ns.id != s.id {
				return end(resp.StatusCode, "kMismatchedSessionId")
			}
			c.mu.Lock()
			ns.challenge = s.challenge
			for i, o := range c.sessions {
				if o == s {
					c.sessions[i] = ns
				}
			}
			c.mu.Unlock()
			c.cacheChallenges(resp, ns.id)
		} else {
			c.mu.Lock()
			s.proactive = false
			c.mu.Unlock()
		}
		c.event(Event{Kind: EventRefreshed, SessionID: s.id, Status: resp.StatusCode})
		return ""
	}
}

// session returns the current session with this id, nil if none.
func (c *Client) session(id string) *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sessions {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (c *Client) dropSession(s *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.sessions[:0]
	for _, o := range c.sessions {
		if o != s {
			kept = append(kept, o)
		}
	}
	c.sessions = kept
}

// spendSigning takes one signing from the quota, false if none is left.
func (c *Client) spendSigning() bool {
	limit := c.SigningQuota
	if limit < 0 {
		return true
	}
	if limit == 0 {
		limit = defaultSigningQuota
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.signings[:0]
	for _, t := range c.signings {
		if now.Sub(t) < signingQuotaInterval {
			kept = append(kept, t)
		}
	}
	c.signings = kept
	if len(c.signings) >= limit {
		return false
	}
	c.signings = append(c.signings, now)
	return true
}

// fetch POSTs to a DBSC endpoint as Chromium's registration fetcher: no
// body, the cookies of the endpoint, Origin and Fetch Metadata, no cache,
// redirects followed.
func (c *Client) fetch(ctx context.Context, endpoint, referrer *url.URL, hdr http.Header) (*http.Response, []byte, error) {
	u := endpoint
	method := http.MethodPost
	for hop := 0; hop <= maxRedirects; hop++ {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.Header.Set("Origin", referrer.String())
		req.Header.Set("Sec-Fetch-Mode", "no-cors")
		req.Header.Set("Sec-Fetch-Dest", "empty")
		req.Header.Set("Sec-Fetch-Site", fetchSite(referrer, u))
		req.Header.Set("Cache-Control", "no-cache")
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return nil, nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxConfigBody))
		resp.Body.Close()
		if err != nil {
			return nil, nil, err
		}
		loc, lerr := resp.Location()
		if resp.StatusCode < 300 || resp.StatusCode > 399 || lerr != nil {
			return resp, body, nil
		}
		if resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusPermanentRedirect {
			method = http.MethodGet
		}
		u = loc
	}
	return nil, nil, fmt.Errorf("dbsctest: stopped after %d redirects", maxRedirects)
}

// redirect returns the next hop of req after resp, or nil to stop.
func redirect(req *http.Request, resp *http.Response) *http.Request {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil
	}
	loc, err := resp.Location()
	if err != nil {
		return nil
	}
	next := req.Clone(req.Context())
	next.URL = loc
	next.Host = ""
	keep := resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusPermanentRedirect
	if !keep && req.Method != http.MethodGet && req.Method != http.MethodHead {
		next.Method = http.MethodGet
		next.Body, next.GetBody, next.ContentLength = nil, nil, 0
		next.Header.Del("Content-Type")
		next.Header.Del("Content-Length")
	} else if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil
		}
		body, err := req.GetBody()
		if err != nil {
			return nil
		}
		next.Body = body
	}
	if originOf(loc).String() != originOf(req.URL).String() {
		next.Header.Del("Authorization")
	}
	return next
}

// skippedHeader is Chromium's Secure-Session-Skipped for the sessions whose
// refresh for this request failed transiently and whose cookie is still
// missing.
func skippedHeader(c *Client, u *url.URL, skipped map[string]string) string {
	var parts []string
	c.mu.Lock()
	sessions := append([]*session(nil), c.sessions...)
	c.mu.Unlock()
	for _, s := range sessions {
		reason, ok := skipped[s.id]
		if !ok || !c.inScope(s, u) {
			continue
		}
		if _, fine := c.satisfied(s, u); fine {
			continue
		}
		parts = append(parts, string(quoteParam(reason, s.id)))
	}
	return strings.Join(parts, ", ")
}

func quoteParam(token, id string) []byte {
	b := []byte(token + ";session_identifier=\"")
	b = append(b, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(id)...)
	return append(b, '"')
}

func originOf(u *url.URL) *url.URL {
	return &url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host)}
}

func fetchSite(from, to *url.URL) string {
	switch {
	case originOf(from).String() == originOf(to).String():
		return "same-origin"
	case dbsc.SameSite(from, to):
		return "same-site"
	}
	return "cross-site"
}
