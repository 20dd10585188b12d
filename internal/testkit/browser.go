package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Response is an answer read in full.
type Response struct {
	Status int
	Header http.Header
	Body   map[string]any // the body as a JSON object; nil when it is not one
	Raw    string         // the body as sent
}

// ReadResponse reads resp's body (the caller closes it) and decodes it as
// a JSON object when it is one.
func ReadResponse(resp *http.Response) Response {
	raw, _ := io.ReadAll(resp.Body)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// Code returns the error body's "code", or "".
func (r Response) Code() string { return r.Str("code") }

// Reason returns the error body's "reason", or "".
func (r Response) Reason() string { return r.Str("reason") }

// Str returns the string at a path of object keys, or "".
func (r Response) Str(path ...string) string {
	var v any = r.Body
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// Browser sends requests to one server as a same-origin page of it would.
type Browser struct {
	T      testing.TB
	URL    string       // the server: paths are relative to it, and it is the Origin of unsafe requests
	Client *http.Client // its Jar, if any, keeps the session cookie
	// CSRF is sent as X-CSRF-Token on unsafe requests when not empty; every
	// answer with a "csrf_token" replaces it.
	CSRF      string
	UserAgent string // sent when not empty (else Go's default)
	Cookie    string // sent as the Cookie header when not empty, for a client without a jar
}

// Do sends a request as a same-origin page would: Origin and
// Sec-Fetch-Site on unsafe methods (all but GET and HEAD), the CSRF token
// attached. body is JSON encoded unless it is nil, a string, []byte or
// io.Reader (sent as is, the last chunked). hdr are name/value pairs that
// override; "" deletes; a name given twice sends two header lines. A
// failed exchange fails the test.
func (b *Browser) Do(method, path string, body any, hdr ...string) Response {
	b.T.Helper()
	req, err := http.NewRequest(method, b.URL+path, b.reader(body))
	if err != nil {
		b.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.UserAgent != "" {
		req.Header.Set("User-Agent", b.UserAgent)
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", b.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if b.CSRF != "" {
			req.Header.Set("X-CSRF-Token", b.CSRF)
		}
	}
	if b.Cookie != "" {
		req.Header.Set("Cookie", b.Cookie)
	}
	override(req.Header, hdr)
	resp, err := b.Client.Do(req)
	if err != nil {
		b.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := ReadResponse(resp)
	if tok, ok := out.Body["csrf_token"].(string); ok {
		b.CSRF = tok
	}
	return out
}

// reader returns body as a request body (see Do).
func (b *Browser) reader(body any) io.Reader {
	switch v := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(v)
	case []byte:
		return bytes.NewReader(v)
	case io.Reader:
		return v
	}
	raw, err := json.Marshal(body)
	if err != nil {
		b.T.Fatal(err)
	}
	return bytes.NewReader(raw)
}

// override applies name/value pairs to h: "" deletes, a name given again
// adds a line.
func override(h http.Header, pairs []string) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(pairs); i += 2 {
		switch name := http.CanonicalHeaderKey(pairs[i]); {
		case pairs[i+1] == "":
			h.Del(name)
		case seen[name]:
			h.Add(name, pairs[i+1])
		default:
			h.Set(name, pairs[i+1])
		}
		seen[http.CanonicalHeaderKey(pairs[i])] = true
	}
}

// Login signs in with the JSON API and fails the test unless it answers
// 200.
func (b *Browser) Login(user, pw string) Response {
	b.T.Helper()
	r := b.Do("POST", "/api/auth/login", map[string]string{"username": user, "password": pw})
	if r.Status != http.StatusOK {
		b.T.Fatalf("login %s: %d %s", user, r.Status, r.Raw)
	}
	return r
}
