// Command scsserver is the bench's peer: github.com/alexedwards/scs/v2
// with its SQLite store (sqlite3store over modernc.org/sqlite) or its
// PostgreSQL store (pgxstore), answering GET /verify with 200 and a
// Remote-User header from the session's "user" value, or 401. It prints
// "listening ADDR" on stdout once it accepts connections.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilauth/vigil/bench/seed"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	store := flag.String("store", "sqlite", "sqlite or postgres")
	dsn := flag.String("dsn", "", "SQLite path or PostgreSQL URL")
	idle := flag.Duration("idle", 30*time.Minute, "IdleTimeout (0: off)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address")
	flag.Parse()
	if *pprofAddr != "" {
		go http.ListenAndServe(*pprofAddr, nil) // DefaultServeMux: pprof only
	}

	sm := scs.New()
	sm.Lifetime = 168 * time.Hour
	sm.IdleTimeout = *idle
	sm.Cookie.Name = seed.SCSCookie
	sm.Cookie.Secure = false
	switch *store {
	case "sqlite":
		db, err := sql.Open("sqlite", seed.SCSSQLiteDSN(*dsn))
		if err != nil {
			log.Fatal(err)
		}
		sm.Store = sqlite3store.New(db)
	case "postgres":
		pool, err := pgxpool.New(context.Background(), *dsn)
		if err != nil {
			log.Fatal(err)
		}
		sm.Store = pgxstore.New(pool)
	default:
		log.Fatalf("unknown store %q", *store)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /verify", func(w http.ResponseWriter, r *http.Request) {
		user := sm.GetString(r.Context(), "user")
		if user == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Remote-User", user)
		w.WriteHeader(http.StatusOK)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening %s\n", ln.Addr())
	srv := &http.Server{
		Handler:           sm.LoadAndSave(mux),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(os.Stderr, "", log.LstdFlags),
	}
	log.Fatal(srv.Serve(ln))
}
