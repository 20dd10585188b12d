package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilauth/vigil"
)

// TestOpenUnreachableIsUnavailable: nothing listens on port 1, so Open
// fails at once with ErrUnavailable (callers answer 503), by itself and
// not by running into the test's deadline.
func TestOpenUnreachableIsUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	s, err := Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable")
	if err == nil {
		s.Close()
		t.Fatal("Open on a closed port succeeded")
	}
	if !errors.Is(err, vigil.ErrUnavailable) || ctx.Err() != nil {
		t.Errorf("Open on a closed port = %v (test context: %v), want ErrUnavailable", err, ctx.Err())
	}
	var connectErr *pgconn.ConnectError
	if !errors.As(err, &connectErr) {
		t.Errorf("Open on a closed port = %v, want the cause (a *pgconn.ConnectError) kept", err)
	}
}

// TestLostServerIsUnavailable opens a store through a proxy and then cuts
// it: Ping and every kind of call fail with ErrUnavailable, not a bare
// driver error (which callers would answer with 500).
func TestLostServerIsUnavailable(t *testing.T) {
	_, url := freshSchema(t)
	p := startProxy(t, url)
	s := open(t, p.url)
	ctx := context.Background()
	alice := &vigil.User{Username: "alice", Role: vigil.RolePatient, CreatedAt: t0}
	if err := s.CreateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	// Four pooled connections, so that each kind of call below first meets
	// one that the cut broke, and then has to connect anew.
	var held []*pgxpool.Conn
	for range 4 {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
	p.cut()
	ctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"SessionByToken", func() error {
			_, _, err := s.SessionByToken(ctx, vigil.NewToken().Hash())
			return err
		}},
		{"EndUserSessions", func() error {
			_, err := s.EndUserSessions(ctx, alice.ID, "", vigil.ReasonRevoked, t0)
			return err
		}},
		{"UpdateThrottle", func() error {
			_, err := s.UpdateThrottle(ctx, "k", func(st vigil.ThrottleState) vigil.ThrottleState { return st })
			return err
		}},
	} {
		for range 2 {
			if err := c.call(); !errors.Is(err, vigil.ErrUnavailable) || ctx.Err() != nil {
				t.Errorf("%s with the server gone = %v (test context: %v), want ErrUnavailable", c.name, err, ctx.Err())
			}
		}
	}
}

// proxy forwards TCP connections to the test server until cut.
type proxy struct {
	ln    net.Listener
	url   string
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

// startProxy listens on a local port and forwards to the server of url;
// p.url is url through the proxy.
func startProxy(t *testing.T, url string) *proxy {
	t.Helper()
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	network, target := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, target = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	p := &proxy{ln: ln}
	if strings.Contains(url, "://") {
		p.url = replaceHost(url, addr.String())
	} else {
		p.url = withParam(t, withParam(t, url, "host", "127.0.0.1"), "port", strconv.Itoa(addr.Port))
	}
	p.wg.Go(func() { p.serve(network, target) })
	t.Cleanup(p.cut)
	return p
}

// replaceHost returns a postgres:// URL with another host:port.
func replaceHost(url, hostport string) string {
	scheme, rest, _ := strings.Cut(url, "://")
	userinfo, hostAndRest, ok := strings.Cut(rest, "@")
	if !ok {
		userinfo, hostAndRest = "", rest
	}
	i := strings.IndexAny(hostAndRest, "/?")
	if i < 0 {
		i = len(hostAndRest)
	}
	if userinfo != "" {
		userinfo += "@"
	}
	return scheme + "://" + userinfo + hostport + hostAndRest[i:]
}

func (p *proxy) serve(network, target string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial(network, target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Go(func() { io.Copy(up, c); up.Close() })
		p.wg.Go(func() { io.Copy(c, up); c.Close() })
	}
}

// cut stops accepting and breaks every forwarded connection.
func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// TestErrorMapping checks how driver errors map to the contracts'
// sentinels, with the cause kept.
func TestErrorMapping(t *testing.T) {
	live := context.Background()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want error // nil: none of the sentinels
	}{
		{live, pgx.ErrNoRows, vigil.ErrNotFound},
		{live, &pgconn.PgError{Code: "23505"}, vigil.ErrConflict},
		{live, &pgconn.PgError{Code: "23503"}, vigil.ErrNotFound},
		{live, &pgconn.PgError{Code: "57P01"}, vigil.ErrUnavailable},
		{live, &pgconn.PgError{Code: "57P03"}, vigil.ErrUnavailable},
		{live, &pgconn.PgError{Code: "08006"}, vigil.ErrUnavailable},
		{live, &pgconn.PgError{Code: "53300"}, vigil.ErrUnavailable},
		{live, &pgconn.PgError{Code: "57014"}, vigil.ErrUnavailable},
		{live, &pgconn.PgError{Code: "25006"}, vigil.ErrUnavailable},
		{live, &pgconn.PgError{Code: "22001"}, nil},
		{live, &pgconn.PgError{Code: "42P01"}, nil},
		{live, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), vigil.ErrUnavailable},
		{live, &net.OpError{Op: "dial", Err: errors.New("connection refused")}, vigil.ErrUnavailable},
		{live, fmt.Errorf("query: %w", context.DeadlineExceeded), vigil.ErrUnavailable},
		{live, errors.New("something else"), nil},
		{canceled, fmt.Errorf("query: %w", context.Canceled), context.Canceled},
		{canceled, io.ErrUnexpectedEOF, context.Canceled},
	} {
		got := wrap(c.ctx, "op", c.err)
		if !errors.Is(got, c.err) {
			t.Errorf("wrap(%v) = %v: the cause is lost", c.err, got)
		}
		for _, sentinel := range []error{vigil.ErrNotFound, vigil.ErrConflict, vigil.ErrUnavailable, context.Canceled} {
			if is, want := errors.Is(got, sentinel), sentinel == c.want; is != want && !errors.Is(c.err, sentinel) {
				t.Errorf("wrap(%v) = %v: errors.Is %v = %v, want %v", c.err, got, sentinel, is, want)
			}
		}
	}
}
