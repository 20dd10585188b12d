package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/testkit"
)

// errorCase is one row of SPEC §3's error table, driven by a real request.
type errorCase struct {
	name   string
	opts   []func(*harnessConfig)
	run    func(t *testing.T, h *harness) testkit.Response
	status int
	code   string
	reason vigil.Reason
	// clears: the answer must clear the session cookie (every 401 for an
	// ended session does).
	clears bool
	check  func(t *testing.T, h *harness, r testkit.Response)
}

// revokedBy logs alice in on a victim device, lets act end that session,
// and returns the victim's next answer.
func revokedBy(act func(t *testing.T, h *harness, victim *client)) func(t *testing.T, h *harness) testkit.Response {
	return func(t *testing.T, h *harness) testkit.Response {
		victim := h.client()
		victim.Login("alice", alicePW)
		act(t, h, victim)
		return victim.Do("GET", "/api/auth/session", nil)
	}
}

// loggedIn returns a client signed in as user.
func loggedIn(h *harness, user, pw string) *client {
	c := h.client()
	c.Login(user, pw)
	return c
}

var pwFor = map[string]string{"alice": alicePW, "bob": bobPW, "root": rootPW}

func errorTable() []errorCase {
	big := `{"username":"alice","password":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`
	return []errorCase{
		// 400 INVALID_REQUEST
		{name: "invalid_request/malformed_json", status: 400, code: vigil.CodeInvalidRequest,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", `{"username": "alice", "password":`)
			}},
		{name: "invalid_request/missing_field", status: 400, code: vigil.CodeInvalidRequest,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", `{"username": "alice"}`)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if !strings.Contains(r.Str("error"), "password") {
					t.Errorf("message does not name the missing field: %s", r.Raw)
				}
			}},
		{name: "invalid_request/wrong_type", status: 400, code: vigil.CodeInvalidRequest,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", `{"username": "alice", "password": 12345}`)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if !strings.Contains(r.Str("error"), "password") {
					t.Errorf("message does not name the mistyped field: %s", r.Raw)
				}
			}},
		{name: "invalid_request/missing_field_with_session", status: 400, code: vigil.CodeInvalidRequest,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/change-password", map[string]string{"current_password": alicePW})
			}},

		// 400 PASSWORD_MISMATCH
		{name: "password_mismatch", status: 400, code: vigil.CodePasswordMismatch,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": alicePW, "new_password": "tidal-copper-orchard-3319", "confirm_password": "tidal-copper-orchard-3318"})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if cleared(r) {
					t.Error("a refused password change cleared the cookie")
				}
			}},

		// 400 WEAK_PASSWORD, with every problem listed
		{name: "weak_password/every_problem", status: 400, code: vigil.CodeWeakPassword,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				weak := "alice\x01"
				return c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": alicePW, "new_password": weak, "confirm_password": weak})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				want := testkit.Policy().Check("alice\x01", "alice")
				if len(want) < 3 {
					t.Fatalf("test premise: policy finds %q", want)
				}
				if got := problems(r); !slices.Equal(got, want) {
					t.Errorf("problems = %q, want every problem %q", got, want)
				}
			}},
		{name: "weak_password/same_as_current", status: 400, code: vigil.CodeWeakPassword,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": alicePW, "new_password": alicePW, "confirm_password": alicePW})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if got := problems(r); !slices.Equal(got, []string{"must not be the current password"}) {
					t.Errorf("problems = %q", got)
				}
			}},
		{name: "weak_password/5000_characters", status: 400, code: vigil.CodeWeakPassword,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				long := strings.Repeat("kq7", 1700)[:5000]
				return c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": alicePW, "new_password": long, "confirm_password": long})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if !slices.Contains(problems(r), "must be at most 256 characters") {
					t.Errorf("problems = %q", problems(r))
				}
			}},

		// 400 INVALID_RESET_TOKEN: unknown, malformed, used, expired
		{name: "invalid_reset_token/unknown", status: 400, code: vigil.CodeInvalidResetToken,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/password-reset", resetBody(vigil.NewToken().String()))
			}},
		{name: "invalid_reset_token/malformed", status: 400, code: vigil.CodeInvalidResetToken,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/password-reset", resetBody("not-a-token"))
			}},
		{name: "invalid_reset_token/used", status: 400, code: vigil.CodeInvalidResetToken,
			run: func(t *testing.T, h *harness) testkit.Response {
				tok := issueReset(t, h, "alice")
				c := h.client()
				must(t, "first use", c.Do("POST", "/api/auth/password-reset", resetBody(tok)), 200)
				return c.Do("POST", "/api/auth/password-reset", map[string]string{
					"reset_token": tok, "new_password": "gentle-walrus-ticket-6620", "confirm_password": "gentle-walrus-ticket-6620"})
			}},
		{name: "invalid_reset_token/expired", status: 400, code: vigil.CodeInvalidResetToken,
			run: func(t *testing.T, h *harness) testkit.Response {
				tok := issueReset(t, h, "alice")
				h.Clock.Advance(31 * time.Minute)
				return h.client().Do("POST", "/api/auth/password-reset", resetBody(tok))
			}},

		// 401 UNAUTHENTICATED
		{name: "unauthenticated/no_cookie", status: 401, code: vigil.CodeUnauthenticated,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("GET", "/api/auth/session", nil)
			}},
		{name: "unauthenticated/garbage_cookie", status: 401, code: vigil.CodeUnauthenticated, clears: true,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.withToken("garbage!").Do("GET", "/api/auth/session", nil)
			}},
		{name: "unauthenticated/unknown_token", status: 401, code: vigil.CodeUnauthenticated, clears: true,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.withToken(vigil.NewToken().String()).Do("GET", "/api/auth/sessions", nil)
			}},

		// 401 INVALID_CREDENTIALS
		{name: "invalid_credentials/wrong_password", status: 401, code: vigil.CodeInvalidCredentials,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": bobPW})
			}},
		{name: "invalid_credentials/unknown_user", status: 401, code: vigil.CodeInvalidCredentials,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "mallory", "password": alicePW})
			}},
		{name: "invalid_credentials/disabled_user", status: 401, code: vigil.CodeInvalidCredentials,
			run: func(t *testing.T, h *harness) testkit.Response {
				if _, err := h.Engine.SetDisabled(context.Background(), "alice", true, auth.Actor{Username: "test"}); err != nil {
					t.Fatal(err)
				}
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
			}},
		{name: "invalid_credentials/wrong_current_password", status: 401, code: vigil.CodeInvalidCredentials,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": bobPW, "new_password": "tidal-copper-orchard-3319", "confirm_password": "tidal-copper-orchard-3319"})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if len(h.events("alice", vigil.EventInvalidCurrentPassword)) != 1 {
					t.Error("no invalid_current_password audit event")
				}
			}},

		// 401 SESSION_EXPIRED
		{name: "session_expired/inactivity", status: 401, code: vigil.CodeSessionExpired, reason: vigil.ReasonInactivity, clears: true,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				h.Clock.Advance(30*time.Minute - time.Second)
				must(t, "just before the idle timeout", c.Do("GET", "/api/auth/session", nil), 200)
				h.Clock.Advance(time.Second)
				return c.Do("GET", "/api/auth/session", nil)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if len(h.events("alice", vigil.EventSessionExpiredInactivity)) != 1 {
					t.Error("want one session_expired_inactivity event")
				}
			}},
		{name: "session_expired/lifetime", status: 401, code: vigil.CodeSessionExpired, reason: vigil.ReasonLifetime, clears: true,
			opts: []func(*harnessConfig){withPolicy(func(p *vigil.Policy) { p.Lifetime = time.Hour })},
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				// Stay active: the idle timeout never passes, the lifetime does.
				for range 2 {
					h.Clock.Advance(25 * time.Minute)
					must(t, "refresh", c.Do("POST", "/api/auth/session/refresh", nil), 200)
				}
				h.Clock.Advance(10 * time.Minute)
				return c.Do("POST", "/api/auth/session/refresh", nil)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if len(h.events("alice", vigil.EventSessionExpiredLifetime)) != 1 {
					t.Error("want one session_expired_lifetime event")
				}
			}},

		// 401 SESSION_REVOKED, each reason reachable over HTTP
		{name: "session_revoked/logout", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonLogout, clears: true,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				tok := c.token()
				must(t, "logout", c.Do("POST", "/api/auth/logout", nil), 200)
				return h.withToken(tok).Do("GET", "/api/auth/session", nil)
			}},
		{name: "session_revoked/logout_by_new_login", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonLogout, clears: true,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				old := c.token()
				c.Login("alice", alicePW) // presents the old cookie: it is revoked (no fixation)
				if c.token() == old {
					t.Fatal("login kept the session token")
				}
				return h.withToken(old).Do("GET", "/api/auth/session", nil)
			}},
		{name: "session_revoked/password_changed", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonPasswordChanged, clears: true,
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				c := loggedIn(h, "alice", alicePW)
				r := must(t, "change password", c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": alicePW, "new_password": "tidal-copper-orchard-3319", "confirm_password": "tidal-copper-orchard-3319"}), 200)
				if !cleared(r) {
					t.Error("change-password did not clear the cookie")
				}
				expect(t, "the changing device", c.Do("GET", "/api/auth/session", nil), 401, vigil.CodeUnauthenticated, "")
			})},
		{name: "session_revoked/password_reset", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonPasswordReset, clears: true,
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				tok := issueReset(t, h, "alice")
				must(t, "reset", h.client().Do("POST", "/api/auth/password-reset", resetBody(tok)), 200)
			})},
		{name: "session_revoked/revoked_by_device_list", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonRevoked, clears: true,
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				id := victim.Do("GET", "/api/auth/session", nil).Str("session", "id")
				c := loggedIn(h, "alice", alicePW)
				r := must(t, "revoke", c.Do("DELETE", "/api/auth/sessions/"+id, nil), 200)
				if r.Body["revoked"] != 1.0 {
					t.Errorf("revoke answered %s", r.Raw)
				}
			})},
		{name: "session_revoked/revoked_by_revoke_others", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonRevoked, clears: true,
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				c := loggedIn(h, "alice", alicePW)
				r := must(t, "revoke-others", c.Do("POST", "/api/auth/sessions/revoke-others", nil), 200)
				if r.Body["revoked"] != 1.0 {
					t.Errorf("revoke-others answered %s", r.Raw)
				}
				must(t, "the revoking session", c.Do("GET", "/api/auth/session", nil), 200)
			})},
		{name: "session_revoked/revoked_by_admin", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonRevoked, clears: true,
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				admin := loggedIn(h, "root", rootPW)
				r := must(t, "admin revoke", admin.Do("POST", "/api/admin/users/alice/revoke-sessions", nil), 200)
				if r.Body["revoked"] != 1.0 {
					t.Errorf("admin revoke answered %s", r.Raw)
				}
			})},
		{name: "session_revoked/user_disabled", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonUserDisabled, clears: true,
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				admin := loggedIn(h, "root", rootPW)
				must(t, "disable", admin.Do("POST", "/api/admin/users/alice/disable", nil), 200)
			})},
		{name: "session_revoked/session_limit", status: 401, code: vigil.CodeSessionRevoked, reason: vigil.ReasonSessionLimit, clears: true,
			opts: []func(*harnessConfig){withPolicy(func(p *vigil.Policy) { p.MaxSessions = 1 })},
			run: revokedBy(func(t *testing.T, h *harness, victim *client) {
				h.Clock.Advance(time.Second)
				loggedIn(h, "alice", alicePW)
			})},

		// 401 REAUTH_REQUIRED: then re-authentication lets the change through
		{name: "reauth_required", status: 401, code: vigil.CodeReauthRequired,
			run: func(t *testing.T, h *harness) testkit.Response {
				admin := loggedIn(h, "root", rootPW)
				h.Clock.Advance(11 * time.Minute)
				r := admin.Do("POST", "/api/admin/users", map[string]string{"username": "carol", "role": "patient"})
				if cleared(r) {
					t.Error("REAUTH_REQUIRED cleared the cookie of a live session")
				}
				oldTok, oldCSRF := admin.token(), admin.CSRF
				re := must(t, "reauthenticate", admin.Do("POST", "/api/auth/reauthenticate", map[string]string{"password": rootPW}), 200)
				ck := sessionCookie(re)
				if ck == nil || ck.Value == "" || ck.Value == oldTok {
					t.Fatalf("reauthenticate did not rotate the cookie: %v", re.Header.Values("Set-Cookie"))
				}
				if admin.CSRF == oldCSRF || admin.CSRF == "" {
					t.Error("reauthenticate did not issue a new CSRF token")
				}
				if re.Str("session", "id") == "" {
					t.Errorf("reauthenticate body: %s", re.Raw)
				}
				expect(t, "old token after rotation", h.withToken(oldTok).Do("GET", "/api/auth/session", nil), 401, vigil.CodeUnauthenticated, "")
				created := must(t, "create after reauth", admin.Do("POST", "/api/admin/users", map[string]string{"username": "carol", "role": "patient"}), 201)
				if created.Str("user", "username") != "carol" || created.Str("reset_token") == "" {
					t.Errorf("create answered %s", created.Raw)
				}
				return r
			}},

		// 403 CSRF_FAILED
		{name: "csrf_failed/missing_token", status: 403, code: vigil.CodeCSRFFailed,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/session/refresh", nil, "X-CSRF-Token", "")
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if len(h.events("alice", vigil.EventCSRFRejected)) != 1 {
					t.Error("want one csrf_rejected event")
				}
			}},
		{name: "csrf_failed/wrong_token", status: 403, code: vigil.CodeCSRFFailed,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/sessions/revoke-others", nil, "X-CSRF-Token", c.CSRF+"x")
			}},
		{name: "csrf_failed/another_sessions_token", status: 403, code: vigil.CodeCSRFFailed,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				other := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/change-password", map[string]string{
					"current_password": alicePW, "new_password": "tidal-copper-orchard-3319", "confirm_password": "tidal-copper-orchard-3319"},
					"X-CSRF-Token", other.CSRF)
			}},
		{name: "csrf_failed/cross_origin_login", status: 403, code: vigil.CodeCSRFFailed,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW},
					"Origin", "https://evil.example", "Sec-Fetch-Site", "")
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if sessionCookie(r) != nil {
					t.Error("a refused login set a cookie")
				}
				if len(h.events("", vigil.EventCSRFRejected)) != 1 {
					t.Error("want one csrf_rejected event")
				}
			}},
		{name: "csrf_failed/sec_fetch_site_cross_site", status: 403, code: vigil.CodeCSRFFailed,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW},
					"Sec-Fetch-Site", "cross-site", "Origin", "")
			}},
		{name: "csrf_failed/cross_origin_with_session_and_token", status: 403, code: vigil.CodeCSRFFailed,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				return c.Do("POST", "/api/auth/sessions/revoke-others", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
			}},

		// 403 FORBIDDEN
		{name: "forbidden/patient_on_admin", status: 403, code: vigil.CodeForbidden,
			run: func(t *testing.T, h *harness) testkit.Response {
				return loggedIn(h, "alice", alicePW).Do("GET", "/api/admin/users", nil)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if len(h.events("alice", vigil.EventAccessForbidden)) != 1 {
					t.Error("want one access_forbidden event")
				}
			}},
		{name: "forbidden/clinician_admin_post", status: 403, code: vigil.CodeForbidden,
			run: func(t *testing.T, h *harness) testkit.Response {
				return loggedIn(h, "bob", bobPW).Do("POST", "/api/admin/users/alice/disable", nil)
			}},

		// 404 NOT_FOUND
		{name: "not_found/someone_elses_session", status: 404, code: vigil.CodeNotFound,
			run: func(t *testing.T, h *harness) testkit.Response {
				bob := loggedIn(h, "bob", bobPW)
				id := bob.Do("GET", "/api/auth/session", nil).Str("session", "id")
				r := loggedIn(h, "alice", alicePW).Do("DELETE", "/api/auth/sessions/"+id, nil)
				must(t, "bob's session after alice's attempt", bob.Do("GET", "/api/auth/session", nil), 200)
				return r
			}},
		{name: "not_found/unknown_session_id", status: 404, code: vigil.CodeNotFound,
			run: func(t *testing.T, h *harness) testkit.Response {
				return loggedIn(h, "alice", alicePW).Do("DELETE", "/api/auth/sessions/"+vigil.NewID(), nil)
			}},
		{name: "not_found/unknown_api_path", status: 404, code: vigil.CodeNotFound,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("GET", "/api/auth/nope", nil)
			}},

		// 413 PAYLOAD_TOO_LARGE
		{name: "payload_too_large/content_length", status: 413, code: vigil.CodePayloadTooLarge,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", big)
			}},
		{name: "payload_too_large/chunked", status: 413, code: vigil.CodePayloadTooLarge,
			run: func(t *testing.T, h *harness) testkit.Response {
				// A reader of unknown length is sent chunked, without Content-Length.
				return h.client().Do("POST", "/api/auth/login", io.MultiReader(strings.NewReader(big)))
			}},
		{name: "payload_too_large/chunked_with_session", status: 413, code: vigil.CodePayloadTooLarge,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				body := `{"current_password":"` + strings.Repeat("y", httpapi.MaxBody) + `"}`
				return c.Do("POST", "/api/auth/change-password", io.MultiReader(strings.NewReader(body)))
			}},

		// 415 UNSUPPORTED_MEDIA_TYPE
		{name: "unsupported_media_type/text_plain", status: 415, code: vigil.CodeUnsupportedMediaType,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", `{"username":"alice","password":"`+alicePW+`"}`, "Content-Type", "text/plain")
			}},
		{name: "unsupported_media_type/form", status: 415, code: vigil.CodeUnsupportedMediaType,
			run: func(t *testing.T, h *harness) testkit.Response {
				return h.client().Do("POST", "/api/auth/login", "username=alice&password="+alicePW, "Content-Type", "application/x-www-form-urlencoded")
			}},

		// 429 RATE_LIMITED, Retry-After in whole seconds
		{name: "rate_limited/username", status: 429, code: vigil.CodeRateLimited,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := h.client()
				for i := range 5 {
					expect(t, fmt.Sprintf("failure %d", i+1), c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": bobPW}),
						401, vigil.CodeInvalidCredentials, "")
				}
				// Throttled even with the right password.
				return c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if got := r.Header.Get("Retry-After"); got != "60" {
					t.Errorf("Retry-After = %q, want 60 (one minute, whole seconds)", got)
				}
				if sessionCookie(r) != nil {
					t.Error("a throttled login set a cookie")
				}
				if len(h.events("alice", vigil.EventLoginThrottled)) != 1 {
					t.Error("want one login_throttled event")
				}
				h.Clock.Advance(61 * time.Second)
				h.client().Login("alice", alicePW)
			}},
		{name: "rate_limited/client_address", status: 429, code: vigil.CodeRateLimited,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := h.client()
				for i := range 30 {
					expect(t, "failure", c.Do("POST", "/api/auth/login", map[string]string{"username": fmt.Sprintf("nobody%d", i), "password": bobPW}),
						401, vigil.CodeInvalidCredentials, "")
				}
				return c.Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
				if err != nil || secs != 300 {
					t.Errorf("Retry-After = %q, want 300 whole seconds", r.Header.Get("Retry-After"))
				}
			}},

		// 500 INTERNAL: generic, with a request id, the cause only in the log
		{name: "internal/store_failure", status: 500, code: vigil.CodeInternal,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				h.Store.set("SessionByToken", errors.New("disk on fire at /var/secret/vigil.db"))
				return c.Do("GET", "/api/auth/session", nil)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) { checkOpaque(t, h, r, "disk on fire") }},
		{name: "internal/login_store_failure", status: 500, code: vigil.CodeInternal,
			run: func(t *testing.T, h *harness) testkit.Response {
				h.Store.set("UserByUsername", errors.New("disk on fire at /var/secret/vigil.db"))
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) { checkOpaque(t, h, r, "disk on fire") }},

		// 503 UNAVAILABLE: fail closed
		{name: "unavailable/session_check", status: 503, code: vigil.CodeUnavailable,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				h.Store.set("SessionByToken", fmt.Errorf("sqlite: look up: %w: database is locked", vigil.ErrUnavailable))
				return c.Do("GET", "/api/auth/session", nil)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) { checkOpaque(t, h, r, "database is locked") }},
		{name: "unavailable/forward_auth", status: 503, code: vigil.CodeUnavailable,
			run: func(t *testing.T, h *harness) testkit.Response {
				c := loggedIn(h, "alice", alicePW)
				h.Store.set("SessionByToken", fmt.Errorf("sqlite: look up: %w", vigil.ErrUnavailable))
				return c.Do("GET", "/api/auth/verify", nil)
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if r.Header.Get("Remote-User") != "" {
					t.Error("forward auth named a user while the store was down")
				}
			}},
		{name: "unavailable/login", status: 503, code: vigil.CodeUnavailable,
			run: func(t *testing.T, h *harness) testkit.Response {
				h.Store.set("UserByUsername", fmt.Errorf("sqlite: find user: %w", vigil.ErrUnavailable))
				return h.client().Do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": alicePW})
			},
			check: func(t *testing.T, h *harness, r testkit.Response) {
				if sessionCookie(r) != nil {
					t.Error("a failed login set a cookie")
				}
			}},
	}
}

// TestErrorTable drives every row of SPEC §3's error table with a real
// request and checks status, code, reason, shape and the cookie.
func TestErrorTable(t *testing.T) {
	t.Parallel()
	for _, tc := range errorTable() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.opts...)
			r := tc.run(t, h)
			expect(t, tc.name, r, tc.status, tc.code, tc.reason)
			if tc.clears && !cleared(r) {
				t.Errorf("the answer does not clear the session cookie: Set-Cookie %q", r.Header.Values("Set-Cookie"))
			}
			if !tc.clears && r.Status != 401 && cleared(r) {
				t.Errorf("a %d answer cleared the cookie", r.Status)
			}
			if tc.check != nil {
				tc.check(t, h, r)
			}
		})
	}
}

// TestErrorTableCoversSpec keeps the table honest: every code of SPEC §3
// has at least one row.
func TestErrorTableCoversSpec(t *testing.T) {
	seen := map[string]bool{}
	reasons := map[vigil.Reason]bool{}
	for _, tc := range errorTable() {
		seen[tc.code] = true
		reasons[tc.reason] = true
	}
	for _, code := range []string{vigil.CodeInvalidRequest, vigil.CodePasswordMismatch, vigil.CodeWeakPassword, vigil.CodeInvalidResetToken,
		vigil.CodeUnauthenticated, vigil.CodeInvalidCredentials, vigil.CodeSessionExpired, vigil.CodeSessionRevoked, vigil.CodeReauthRequired,
		vigil.CodeCSRFFailed, vigil.CodeForbidden, vigil.CodeNotFound, vigil.CodePayloadTooLarge, vigil.CodeUnsupportedMediaType,
		vigil.CodeRateLimited, vigil.CodeInternal, vigil.CodeUnavailable} {
		if !seen[code] {
			t.Errorf("no row for %s", code)
		}
	}
	for _, r := range []vigil.Reason{vigil.ReasonInactivity, vigil.ReasonLifetime, vigil.ReasonLogout, vigil.ReasonPasswordChanged,
		vigil.ReasonPasswordReset, vigil.ReasonRevoked, vigil.ReasonUserDisabled, vigil.ReasonSessionLimit} {
		if !reasons[r] {
			t.Errorf("no row for reason %s", r)
		}
	}
}

// TestInvalidCredentialsOneAnswer: unknown user, wrong password and
// disabled user get the same status and body (no enumeration).
func TestInvalidCredentialsOneAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.Engine.SetDisabled(context.Background(), "bob", true, auth.Actor{Username: "test"}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, in := range [][2]string{{"alice", bobPW}, {"mallory", alicePW}, {"bob", bobPW}} {
		r := h.client().Do("POST", "/api/auth/login", map[string]string{"username": in[0], "password": in[1]})
		expect(t, in[0], r, 401, vigil.CodeInvalidCredentials, "")
		bodies = append(bodies, r.Raw)
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("the answers differ:\n%s", strings.Join(bodies, ""))
	}
}

// TestReadyz: 200 while the store answers, 503 UNAVAILABLE while Ready
// fails.
func TestReadyz(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	h := newHarness(t, withDeps(func(d *httpapi.Deps) {
		d.Ready = func(context.Context) error {
			if down.Load() {
				return fmt.Errorf("ping: %w", vigil.ErrUnavailable)
			}
			return nil
		}
	}))
	c := h.client()
	must(t, "healthz", c.Do("GET", "/healthz", nil), 200)
	if r := must(t, "readyz up", c.Do("GET", "/readyz", nil), 200); r.Str("status") != "ready" {
		t.Errorf("readyz: %s", r.Raw)
	}
	down.Store(true)
	r := c.Do("GET", "/readyz", nil)
	expect(t, "readyz down", r, 503, "", "")
	if r.Code() != vigil.CodeUnavailable {
		t.Errorf("readyz down: %s", r.Raw)
	}
	must(t, "healthz while not ready", c.Do("GET", "/healthz", nil), 200)
}

func problems(r testkit.Response) []string {
	raw, _ := r.Body["problems"].([]any)
	out := make([]string, 0, len(raw))
	for _, p := range raw {
		s, _ := p.(string)
		out = append(out, s)
	}
	return out
}

func resetBody(tok string) map[string]string {
	return map[string]string{"reset_token": tok, "new_password": "tidal-copper-orchard-3319", "confirm_password": "tidal-copper-orchard-3319"}
}

func issueReset(t *testing.T, h *harness, user string) string {
	t.Helper()
	tok, _, err := h.Engine.IssueResetToken(context.Background(), user, auth.Actor{Username: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// checkOpaque: a 5xx answer carries a request id (also in X-Request-Id)
// and a generic message; the cause is only in the log, under that id.
func checkOpaque(t *testing.T, h *harness, r testkit.Response, cause string) {
	t.Helper()
	id := r.Str("request_id")
	if id == "" || id != r.Header.Get("X-Request-Id") {
		t.Errorf("request_id %q, X-Request-Id %q", id, r.Header.Get("X-Request-Id"))
	}
	if strings.Contains(r.Raw, cause) || strings.Contains(r.Raw, "sqlite") || strings.Contains(r.Raw, "auth:") {
		t.Errorf("the answer leaks the cause: %s", r.Raw)
	}
	logs := h.Logs.String()
	if !strings.Contains(logs, cause) || !strings.Contains(logs, id) {
		t.Errorf("the log lacks the cause or the request id %s:\n%s", id, logs)
	}
	if r.Status == http.StatusInternalServerError && r.Str("error") != "Internal error." {
		t.Errorf("message %q, want the generic one", r.Str("error"))
	}
}
