package web

import (
	"github.com/vigilauth/vigil/auth"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                               "Firefox on Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1":        "Safari on iPhone",
		"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1":                 "Safari on iPad",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15":                          "Safari on macOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                                "Chrome on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0":                  "Edge on Windows",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":                          "Chrome on Android",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36":     "Samsung Internet on Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1": "Chrome on iPhone",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15":      "Firefox on iPhone",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0":                            "Opera on Linux",
		"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0":                                                                 "Firefox on Ubuntu",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                                 "Chrome on ChromeOS",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36":                                  "Headless Chrome on Linux",
		"curl/8.5.0":                        "curl",
		"Go-http-client/1.1":                "Go program",
		"python-requests/2.32.3":            "Python program",
		"":                                  "Unknown device",
		"   ":                               "Unknown device",
		"vigil-test":                        "Unknown device",
		"Mozilla/5.0 (Windows NT 10.0) Foo": "Unknown browser on Windows",
	} {
		if got := Device(ua); got != want {
			t.Errorf("Device(%q) = %q, want %q", ua, got, want)
		}
	}
}

func FuzzDevice(f *testing.F) {
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Version/18.1 Safari/604.1")
	f.Add("curl/8.5.0")
	f.Add("")
	f.Fuzz(func(t *testing.T, ua string) {
		if got := Device(ua); got == "" || len(got) > 64 {
			t.Errorf("Device(%q) = %q", ua, got)
		}
	})
}

func TestSafeReturn(t *testing.T) {
	for rd, want := range map[string]string{
		"/auth/admin":                   "/auth/admin",
		"/auth/admin/audit?event=x":     "/auth/admin/audit?event=x",
		"/":                             "/",
		"/app/a%2Fb":                    "/app/a%2Fb",
		"//evil.example":                "/d",
		`/\evil.example`:                "/d",
		"/\\/evil":                      "/d",
		"https://evil.example":          "/d",
		"javascript:alert(1)":           "/d",
		"/\t/evil.example":              "/d",
		"/a\r\nSet-Cookie: x=y":         "/d",
		"/auth/login":                   "/d",
		"/auth/login/?rd=/x":            "/d",
		"/auth/logout":                  "/d",
		"/caf\u00e9":                    "/d",
		"":                              "/d",
		"x":                             "/d",
		"/" + strings.Repeat("a", 3000): "/d",
	} {
		if got := safeReturn("", rd, "/d"); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", rd, got, want)
		}
	}
	for rd, want := range map[string]string{
		"/auth/admin/users/bob": "/auth/admin/users/bob",
		"/auth/admin?done=x":    "/auth/admin?done=x",
		"/auth/account":         "/auth/admin",
		"/auth/administrator":   "/auth/admin",
		"//evil.example":        "/auth/admin",
	} {
		if got := adminReturn("", rd); got != want {
			t.Errorf("adminReturn(%q) = %q, want %q", rd, got, want)
		}
	}
}

// FuzzSafeReturn: whatever rd is, the answer is the default or a path a
// browser resolves on this origin.
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/a", "//evil", `/\evil`, "https://x", "/\t/x", "javascript:x", "/%2F%2Fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rd string) {
		got := safeReturn("", rd, "/default")
		if got == "/default" {
			return
		}
		base, _ := url.Parse("https://vigil.example/auth/login")
		u, err := base.Parse(got)
		if err != nil || u.Host != "vigil.example" || u.Scheme != "https" {
			t.Errorf("safeReturn(%q) = %q leaves the origin (%v)", rd, got, u)
		}
		if strings.ContainsAny(got, "\\\t\r\n ") || strings.HasPrefix(got, "//") {
			t.Errorf("safeReturn(%q) = %q", rd, got)
		}
	})
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30 minutes",
		time.Minute:      "1 minute",
		6 * time.Second:  "6 seconds",
		90 * time.Minute: "1 hour 30 minutes",
		168 * time.Hour:  "7 days",
		12 * time.Hour:   "12 hours",
		0:                "0 seconds",
		time.Millisecond: "less than a second",
	} {
		if got := auth.HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{time.Second: "1 minute", 60 * time.Second: "1 minute", 61 * time.Second: "2 minutes", 8 * time.Minute: "8 minutes"} {
		if got := waitMinutes(d); got != want {
			t.Errorf("waitMinutes(%v) = %q, want %q", d, got, want)
		}
	}
}
