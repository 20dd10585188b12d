package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/testkit/storekit"
)

// patience bounds every wait for a notification: generous, since these
// tests check that a notice arrives, not how fast.
const patience = 30 * time.Second

// watcher runs s.WatchRevocations until the test ends; each notify call
// is one value on notes, and the watch's result goes to done.
type watcher struct {
	notes  chan struct{}
	done   chan error
	cancel context.CancelFunc
}

func watch(t *testing.T, s *Store) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{notes: make(chan struct{}, 1000), done: make(chan error, 1), cancel: cancel}
	go func() {
		w.done <- s.WatchRevocations(ctx, func() {
			select {
			case w.notes <- struct{}{}:
			default:
				t.Errorf("more than %d notifications", cap(w.notes))
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// next waits for one more notify call.
func (w *watcher) next(t *testing.T, what string) {
	t.Helper()
	select {
	case <-w.notes:
	case err := <-w.done:
		t.Fatalf("waiting for a notification %s: WatchRevocations returned %v", what, err)
	case <-time.After(patience):
		t.Fatalf("no notification %s within %v", what, patience)
	}
}

// stopped waits for WatchRevocations to return and returns its error.
func (w *watcher) stopped(t *testing.T) error {
	t.Helper()
	select {
	case err := <-w.done:
		w.done <- err // for the cleanup
		return err
	case <-time.After(patience):
		t.Fatalf("WatchRevocations still running %v later", patience)
		return nil
	}
}

// TestWatchRevocations: two instances on one schema; B watches, and every
// revocation A makes reaches B's notify. The long schema name checks the
// channel of a schema whose name fills an identifier.
func TestWatchRevocations(t *testing.T) {
	for _, name := range []string{"short", "long"} {
		t.Run(name, func(t *testing.T) {
			var url string
			if name == "long" {
				_, url = namedSchema(t, "vigil_t_"+strings.Repeat("l", 47)+randomHex(4))
			} else {
				_, url = freshSchema(t)
			}
			a, b := open(t, url), open(t, url)
			w := watch(t, b)
			w.next(t, "once listening")
			alice := storekit.NewSession(t, a, "alice", vigil.NewToken(), t0)
			if ended, err := a.EndSession(context.Background(), alice.ID, vigil.ReasonLogout, t0); !ended || err != nil {
				t.Fatalf("EndSession = %v, %v", ended, err)
			}
			w.next(t, "after EndSession")
			s2 := storekit.NewSession(t, a, "alice", vigil.NewToken(), t0)
			s3 := storekit.NewSession(t, a, "alice", vigil.NewToken(), t0)
			if err := a.RotateSession(context.Background(), s2.ID, vigil.NewToken().Hash(), t0); err != nil {
				t.Fatal(err)
			}
			w.next(t, "after RotateSession")
			if _, err := a.EndUserSessions(context.Background(), s3.UserID, s2.ID, vigil.ReasonRevoked, t0); err != nil {
				t.Fatal(err)
			}
			w.next(t, "after EndUserSessions")
			w.cancel()
			if err := w.stopped(t); !errors.Is(err, context.Canceled) {
				t.Errorf("WatchRevocations after its context ended = %v, want context.Canceled", err)
			}
		})
	}
}

// TestWatchRevocationsReconnects kills the watcher's connection from the
// server side: the watcher reconnects, says so with a notify (entries may
// have been missed), and goes on delivering notices.
func TestWatchRevocationsReconnects(t *testing.T) {
	ctx := context.Background()
	_, url := freshSchema(t)
	app := "vigil-test-" + randomHex(4)
	url = withParam(t, url, "application_name", app)
	a, b := open(t, url), open(t, url)
	w := watch(t, b)
	w.next(t, "once listening")
	conn := admin(t, ctx)
	defer conn.Close(ctx)
	var killed int
	err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, app+"-revocations").Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminating the listening connection: %d terminated, %v", killed, err)
	}
	w.next(t, "after reconnecting")
	s := storekit.NewSession(t, a, "alice", vigil.NewToken(), t0)
	if _, err := a.EndSession(ctx, s.ID, vigil.ReasonLogout, t0); err != nil {
		t.Fatal(err)
	}
	w.next(t, "after EndSession on the new connection")
}

// TestWatchRevocationsPingsQuietConnection: a watcher whose connection
// stays quiet pings it, and the connection still delivers afterwards.
func TestWatchRevocationsPingsQuietConnection(t *testing.T) {
	ctx := context.Background()
	_, url := freshSchema(t)
	app := "vigil-test-" + randomHex(4)
	url = withParam(t, url, "application_name", app)
	a, b := open(t, url), open(t, url)
	b.idlePing = 20 * time.Millisecond
	w := watch(t, b)
	w.next(t, "once listening")
	conn := admin(t, ctx)
	defer conn.Close(ctx)
	// The listening connection's last statement turns from LISTEN into the
	// ping; its application_name tells it apart from every other.
	deadline := time.Now().Add(patience)
	for {
		var pinged bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE application_name = $1 AND query = '-- ping')`, app+"-revocations").Scan(&pinged)
		if err != nil {
			t.Fatal(err)
		}
		if pinged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watcher never pinged its connection")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s := storekit.NewSession(t, a, "alice", vigil.NewToken(), t0)
	if _, err := a.EndSession(ctx, s.ID, vigil.ReasonLogout, t0); err != nil {
		t.Fatal(err)
	}
	w.next(t, "after pings")
}

// TestCloseStopsWatchRevocations: a closed store lets go of its watcher's
// connection.
func TestCloseStopsWatchRevocations(t *testing.T) {
	s := openEmpty(t)
	w := watch(t, s)
	w.next(t, "once listening")
	s.Close()
	if err := w.stopped(t); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("WatchRevocations after Close = %v, want an error saying the store is closed", err)
	}
}
