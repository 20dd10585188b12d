package vigilhttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/password"
	"github.com/vigilauth/vigil/sqlite"
	"github.com/vigilauth/vigil/vigilhttp"
)

// A Go app protects its own handler with vigil's sessions, in-process.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "vigil-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// The engine: a SQLite store, argon2id hashing, the NIST password policy.
	store, err := sqlite.Open(ctx, filepath.Join(dir, "vigil.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	engine := auth.New(store,
		password.NewHasher(password.DefaultParams(), 0),
		password.NewPolicy(15),
		auth.Options{Policy: vigil.Policy{Lifetime: 12 * time.Hour, IdleTimeout: 30 * time.Minute}})
	if _, err := engine.CreateUser(ctx, auth.NewUser{Username: "alice", Role: vigil.RolePatient, Password: "quiet-lantern-harbor-5821"}, auth.Actor{Username: "setup"}); err != nil {
		log.Fatal(err)
	}

	// The app's handler reads the signed-in user from the request context.
	s := vigilhttp.New(engine, vigilhttp.Options{Dev: true})
	notes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := vigilhttp.UserFrom(r.Context())
		fmt.Fprintf(w, "hello %s (%s)", u.Username, u.Role)
	})
	mux := http.NewServeMux()
	mux.Handle("/notes", s.Require(notes))

	// Log in (the app's login page would do this) to get a session token.
	cur, err := engine.Login(ctx, "alice", "quiet-lantern-harbor-5821", nil, auth.Actor{IP: "192.0.2.1"})
	if err != nil {
		log.Fatal(err)
	}

	// A request with the session cookie reaches the handler.
	req := httptest.NewRequest("GET", "/notes", nil)
	req.AddCookie(&http.Cookie{Name: s.Cookies().Name(), Value: cur.Token.String()})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Body.String())

	// A request without one gets 401.
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/notes", nil))
	fmt.Println(rec.Code)

	// Output:
	// hello alice (patient)
	// 401
}
