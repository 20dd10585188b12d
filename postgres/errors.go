package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilauth/vigil"
)

// errClosed is the cause of every call on a closed store.
var errClosed = errors.New("store closed")

// run runs fn with the client-side call timeout and returns its error
// mapped for op (see wrap). The caller's ctx, not the timed one, decides
// whether a context error is the caller's own.
func (s *Store) run(ctx context.Context, op string, fn func(context.Context) error) error {
	if s.closed.Load() {
		return fmt.Errorf("postgres: %s: %w: %w", op, vigil.ErrUnavailable, errClosed)
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return wrap(ctx, op, fn(cctx))
}

// wrap maps err from operation op to what the contracts promise:
//   - when the caller's ctx is done, a context error (pgx may report the
//     interruption as a timeout or a closed connection instead);
//   - no rows, and a missing foreign key (no such user), are ErrNotFound;
//   - a unique violation (a username, a session id or token hash) is
//     ErrConflict;
//   - anything that means the server cannot be reached or cannot serve
//     now is ErrUnavailable, so callers fail closed with 503 rather than
//     500 (OWASP ASVS 5.0 V16.5: fail securely);
//
// and keeps the cause in the chain in every case.
func wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("postgres: %s: %w: %w", op, ctxErr, err)
	}
	if ctx.Err() == nil {
		if sentinel := sentinelFor(err); sentinel != nil && !errors.Is(err, sentinel) {
			return fmt.Errorf("postgres: %s: %w: %w", op, sentinel, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// sentinelFor returns the contract error that err means, or nil.
func sentinelFor(err error) error {
	var connectErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return vigil.ErrNotFound
	case errors.As(err, &connectErr):
		// Whatever stopped the connection (refused, timed out, the server
		// starting up or refusing the login), there is no store to use.
		return vigil.ErrUnavailable
	case errors.As(err, &pgErr):
		return sentinelForCode(pgErr.Code)
	case lostConnection(err):
		return vigil.ErrUnavailable
	}
	return nil
}

// sentinelForCode maps a server error's SQLSTATE.
func sentinelForCode(code string) error {
	switch {
	case code == "23505": // unique_violation
		return vigil.ErrConflict
	case code == "23503": // foreign_key_violation: no such user
		return vigil.ErrNotFound
	case unavailableCode(code):
		return vigil.ErrUnavailable
	}
	return nil
}

// unavailableCode reports whether a SQLSTATE means the server cannot serve
// right now, however healthy the request.
func unavailableCode(code string) bool {
	switch code {
	case "57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: starting up or in recovery
		"57P05", // idle_session_timeout
		"57014", // query_canceled: statement_timeout, or an operator
		"55P03", // lock_not_available: lock_timeout
		"25006", // read_only_sql_transaction: a failover left us on a standby
		"25P03": // idle_in_transaction_session_timeout
		return true
	}
	switch {
	case strings.HasPrefix(code, "08"), // connection_exception
		strings.HasPrefix(code, "53"), // insufficient_resources: disk full, out of memory, too many connections
		strings.HasPrefix(code, "58"): // system_error: I/O error
		return true
	}
	return false
}

// lostConnection reports whether err is a failure of the connection itself
// rather than of the statement: the network, a timeout of the call, a
// connection pgx had to close, or a statement never sent.
func lostConnection(err error) bool {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, context.DeadlineExceeded), // the call timeout, the caller's ctx being live
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	return false
}
