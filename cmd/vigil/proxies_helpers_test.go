package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil/internal/testkit"
)

// Helpers for proxies_test.go: vigil, an app and a real proxy, each proxy
// run as a process of the test's own, in the foreground, with every file
// it writes in a temporary directory, and killed at cleanup.

// forwardAuth is vigil and an app behind a proxy configured from
// docs/proxies/.
type forwardAuth struct {
	t          *testing.T
	vigil      *server
	app        *echoApp
	URL        string         // the proxy's origin, as a browser sees it
	ports      [2]int         // the proxy's (HTTPS) port, and nginx's plain-HTTP one
	roots      *x509.CertPool // trusts the proxy's certificate (nginx)
	cookieName string         // vigil's session cookie
}

// newForwardAuth starts vigil (with flags) and the app; the proxy is
// started by nginx or caddy.
func newForwardAuth(t *testing.T, flags ...string) *forwardAuth {
	f := &forwardAuth{t: t, app: newEchoApp(t), ports: [2]int{freePort(t), freePort(t)}}
	f.start(flags...)
	return f
}

// start runs vigil, trusting the proxy's address, with a patient and a
// clinician.
func (f *forwardAuth) start(flags ...string) {
	t := f.t
	f.vigil = startServer(t, "", append([]string{"--trusted-proxies", "127.0.0.1/32"}, flags...)...)
	f.cookieName = "__Host-vigil_session"
	if slices.Contains(flags, "--dev") {
		f.cookieName = sessionCookie
	}
	f.vigil.addUser(t, "alice", "patient", patientPW)
	if code, _, errs := f.vigil.cli(t, clinicianPW+"\n", "user", "add", "dr.bob", "--role", "clinician",
		"--clinician-id", "GMC-7012345", "--password-stdin"); code != 0 {
		t.Fatalf("user add dr.bob: exit %d: %s", code, errs)
	}
}

// nginx starts Debian's nginx with docs/proxies/nginx.conf, its addresses
// and certificate paths replaced (then edit applied, if any), included in
// a main configuration that keeps the process in the foreground, as one
// process (so no worker outlives it and none changes user), with its pid,
// logs and temporary files in a temporary directory.
func (f *forwardAuth) nginx(edit func(string) string) {
	t := f.t
	bin := proxyBinary(t, "nginx", "/usr/sbin/nginx")
	dir := t.TempDir()
	cert, key := f.certificate(dir)
	site := fromDocs(t, docsNginx,
		"listen 443 ssl http2;", fmt.Sprintf("listen 127.0.0.1:%d ssl http2;", f.ports[0]),
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", f.ports[1]),
		"127.0.0.1:8080", strings.TrimPrefix(f.vigil.URL, "http://"),
		"127.0.0.1:5000", f.app.addr,
		"/etc/ssl/certs/care.example.pem", cert,
		"/etc/ssl/private/care.example.key", key)
	if edit != nil {
		site = edit(site)
	}
	in := func(name string) string { return filepath.Join(dir, name) }
	writeFile(t, in("vigil.conf"), site)
	writeFile(t, in("nginx.conf"), fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log notice;
events { worker_connections 64; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/vigil.conf;
}
`, dir))
	f.URL = httpsOrigin(f.ports[0])
	runProxy(t, bin, []string{"-p", dir + "/", "-c", in("nginx.conf"), "-e", in("error.log")}, nil, f.ports[0], in("error.log"))
}

// caddy starts Debian's Caddy with docs/proxies/Caddyfile, its addresses
// replaced and its site served over plain HTTP, its admin endpoint off
// (it would listen on localhost:2019, one for the whole machine), and its
// data and configuration in a temporary directory. Each edit, if any, is
// applied to the site after that.
func (f *forwardAuth) caddy(edits ...func(string) string) {
	t := f.t
	bin := proxyBinary(t, "caddy", "/usr/bin/caddy")
	dir := t.TempDir()
	site := fromDocs(t, docsCaddy,
		"care.example {", fmt.Sprintf("http://127.0.0.1:%d {", f.ports[0]),
		"127.0.0.1:8080", strings.TrimPrefix(f.vigil.URL, "http://"),
		"127.0.0.1:5000", f.app.addr)
	for _, edit := range edits {
		site = edit(site)
	}
	conf := filepath.Join(dir, "Caddyfile")
	writeFile(t, conf, "{\n\tadmin off\n}\n\n"+site)
	env := append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	f.URL = httpOrigin(f.ports[0])
	runProxy(t, bin, []string{"run", "--config", conf, "--adapter", "caddyfile"}, env, f.ports[0], "")
}

// runProxy starts a proxy's process, kills it at cleanup, and returns once
// it accepts connections on port.
func runProxy(t *testing.T, bin string, args, env []string, port int, logFile string) {
	t.Helper()
	out := &testkit.SyncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = out, out, env
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	logs := func() string {
		text := out.String()
		if logFile != "" {
			b, _ := os.ReadFile(logFile)
			text += string(b)
		}
		return text
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("%s exited before listening: %v\n%s", bin, err, logs())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not listening on %s:\n%s", bin, addr, logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// proxyBinary is Debian's path of a proxy, or else the one on PATH; the
// test is skipped only when there is neither.
func proxyBinary(t *testing.T, name, debian string) string {
	t.Helper()
	if _, err := os.Stat(debian); err == nil {
		return debian
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Skipf("%s is not installed (apt-get install %s): docs/proxies/ for it is not tested", name, name)
	return ""
}

// fromDocs returns a file of the repository with each old string replaced
// by its new one; each must be there, so a changed file cannot silently
// escape the test.
func fromDocs(t *testing.T, path string, oldNew ...string) string {
	t.Helper()
	s := readFile(t, path)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(s, oldNew[i]) {
			t.Fatalf("%s no longer contains %q: update the test's replacements", path, oldNew[i])
		}
		s = strings.ReplaceAll(s, oldNew[i], oldNew[i+1])
	}
	return s
}

// certificate writes a self-signed certificate for 127.0.0.1 and its key
// into dir, and trusts it in the test's clients.
func (f *forwardAuth) certificate(dir string) (certFile, keyFile string) {
	t := f.t
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	f.roots = x509.NewCertPool()
	f.roots.AddCert(cert)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	return certFile, keyFile
}

// client is a client of the proxy (HTTP/1.1, or HTTP/2 when h2) that does
// not follow redirects.
func (f *forwardAuth) client(jar http.CookieJar, h2 bool) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.roots}, ForceAttemptHTTP2: h2}
	f.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// browser is a browser on the proxy's origin, with a cookie jar.
func (f *forwardAuth) browser(t *testing.T) *testkit.Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &testkit.Browser{T: t, URL: f.URL, Client: f.client(jar, false)}
}

// bare is a client on the proxy's origin that sends the Cookie header
// given, and keeps none.
func (f *forwardAuth) bare(t *testing.T, cookie string) *testkit.Browser {
	return &testkit.Browser{T: t, URL: f.URL, Client: f.client(nil, false), Cookie: cookie}
}

// signIn signs in through the proxy as a browser that sends Origin but no
// Sec-Fetch-Site (so vigil must see the host the browser used), and
// returns the browser, the session's public id and its token.
func (f *forwardAuth) signIn(t *testing.T, user, pw string) (b *testkit.Browser, sid, token string) {
	t.Helper()
	b = f.browser(t)
	r := b.Do("POST", "/api/auth/login", map[string]string{"username": user, "password": pw}, "Sec-Fetch-Site", "")
	expect(t, "sign-in through the proxy as "+user, r, 200)
	for _, c := range b.Client.Jar.Cookies(mustURL(t, f.URL)) {
		if c.Name == f.cookieName {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatalf("sign-in through the proxy set no %s cookie: %v", f.cookieName, r.Header.Values("Set-Cookie"))
	}
	return b, r.Str("session", "id"), token
}

// newEchoApp starts the app: it answers every request with what it was
// sent, as JSON, and counts them.
func newEchoApp(t *testing.T) *echoApp {
	a := &echoApp{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(appView{Method: r.Method, URI: r.RequestURI, Header: r.Header})
	}))
	t.Cleanup(srv.Close)
	a.addr = strings.TrimPrefix(srv.URL, "http://")
	return a
}

// freePort is a port nothing listens on just now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func httpsOrigin(port int) string { return fmt.Sprintf("https://127.0.0.1:%d", port) }
func httpOrigin(port int) string  { return fmt.Sprintf("http://127.0.0.1:%d", port) }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
