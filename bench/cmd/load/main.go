// Command load is the bench's load generator on its own, for servers the
// harness does not start: keep-alive connections, a warm-up, a window,
// cookies in rotation, a latency histogram and the generator's own CPU.
//
//	go run ./cmd/load -addr 127.0.0.1:8080 -path /api/auth/verify \
//	    -cookie vigil_session -tokens tokens.txt -c 32 -d 10s
//	go run ./cmd/load -addr 127.0.0.1:8080 -tokens tokens.txt -rate 5000
//
// -rate makes the load open-loop (fixed rate; latency from each request's
// scheduled send time, see load.Config.Rate).
// tokens.txt holds one cookie value per line.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/vigilauth/vigil/bench/load"
)

func main() {
	if err := run(os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "server host:port")
	path := fs.String("path", "/api/auth/verify", "request path")
	cookie := fs.String("cookie", "vigil_session", "cookie name")
	tokensFile := fs.String("tokens", "", "file of cookie values, one per line (required)")
	header := fs.String("header", "", `extra request header, "Name: value"`)
	want := fs.String("want", "Remote-User", `header a good answer carries ("" for none)`)
	c := fs.Int("c", 32, "connections")
	d := fs.Duration("d", 10*time.Second, "measured window")
	warmup := fs.Duration("warmup", 2*time.Second, "warm-up, not counted")
	rate := fs.Float64("rate", 0, "requests per second, open loop (latency from the scheduled send time); 0: closed loop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tokens, err := readLines(*tokensFile)
	if err != nil {
		return err
	}
	var headers []string
	if *header != "" {
		headers = append(headers, *header)
	}
	res, err := load.Run(load.Config{
		Addr: *addr, Concurrency: *c, Rate: *rate, Warmup: *warmup, Duration: *d, Want: *want,
		Build: load.GetWithCookie(*addr, *path, *cookie, tokens, headers...),
	})
	if err != nil {
		return err
	}
	h := &res.Latency
	fmt.Printf("%d connections, %v window after %v warm-up, %d cookies\n", *c, *d, *warmup, len(tokens))
	fmt.Printf("good answers  %d (%.0f/s)\n", res.OK, res.RPS())
	if *rate > 0 {
		fmt.Printf("open loop     offered %.0f/s; answers of the window's requests took %v after it opened\n", *rate, max(res.Span, res.Window).Round(time.Millisecond))
	}
	fmt.Printf("latency       p50 %v  p99 %v  p99.9 %v  max %v  mean %v\n",
		h.Quantile(0.5), h.Quantile(0.99), h.Quantile(0.999), h.Max(), h.Mean())
	fmt.Printf("errors        %d %s\n", res.ErrorCount(), res.ErrorSummary())
	fmt.Printf("generator CPU %.2f of %d cores\n", res.CPU.Seconds()/res.Window.Seconds(), runtime.NumCPU())
	if res.Machine.Total > 0 {
		fmt.Printf("machine busy  %.2f of %d cores\n", float64(runtime.NumCPU())*float64(res.Machine.Busy)/float64(res.Machine.Total), runtime.NumCPU())
	}
	return nil
}

func readLines(path string) ([]string, error) {
	if path == "" {
		return nil, errors.New("-tokens is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 && sc.Err() == nil {
		return nil, fmt.Errorf("%s holds no cookie values", path)
	}
	return lines, sc.Err()
}
