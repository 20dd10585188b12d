// Command limit is the bench's bare limit server: net/http reading one
// cookie and answering 200 with a Remote-User header, no lookup at all.
// With -same-answer it answers with the header lines vigil's forward
// auth answer carries (fixed values), so that what the answer's size
// costs net/http is told apart from what vigil's check costs. It prints
// "listening ADDR" on stdout once it accepts connections.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	cookie := flag.String("cookie", "vigil_session", "cookie name")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address")
	same := flag.Bool("same-answer", false, "answer with the header lines of vigil's forward auth (fixed values)")
	flag.Parse()
	if *pprofAddr != "" {
		go http.ListenAndServe(*pprofAddr, nil) // DefaultServeMux: pprof only
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stdout, "listening %s\n", ln.Addr())
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie(*cookie)
			if err != nil || c.Value == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h := w.Header()
			h.Set("Remote-User", "limit")
			if *same {
				sameAnswer(h)
			}
			w.WriteHeader(http.StatusOK)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Fatal(srv.Serve(ln))
}

// sameAnswer sets the header lines of vigil's answer to forward auth
// with --identity-headers remote (SPEC §5, docs/api.md), with the values
// it gives the bench's seeded users (bench/seed: patients, no clinician
// id, name or e-mail).
func sameAnswer(h http.Header) {
	h.Set("Remote-User", "bench0000")
	h.Set("Remote-Role", "patient")
	h.Set("Remote-Clinician-Id", "")
	h.Set("Remote-Session-Id", "QwKZ0123456789abcdefgh")
	h.Set("Remote-Name", "")
	h.Set("Remote-Email", "")
	h.Set("Remote-Groups", "patient")
	h.Set("Remote-Device-Bound", "false")
	h.Set("Remote-Aal", "1")
	h.Set("Cache-Control", "no-store")
}
