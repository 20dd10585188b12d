// Command limit is the bench's bare limit server: net/http reading one
// cookie and answering 200 with a Remote-User header, no lookup at all. It
// prints "listening ADDR" on stdout once it accepts connections.
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
			w.Header().Set("Remote-User", "limit")
			w.WriteHeader(http.StatusOK)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Fatal(srv.Serve(ln))
}
