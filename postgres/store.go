package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// Store is a vigil.Store kept in one PostgreSQL schema. It is safe for
// concurrent use, and any number of Stores (in one process or many) may
// share the schema.
type Store struct {
	pool *pgxpool.Pool
	// listenConfig is the configuration of WatchRevocations' own
	// connections, kept apart from the pool so a watcher never holds one
	// of the pool's connections.
	listenConfig *pgx.ConnConfig
	// schema is the schema the tables live in; channel is the NOTIFY
	// channel of its revocation log.
	schema  string
	channel string
	// logLock is the advisory-lock key that orders appends to the
	// revocation log (see logRevocations).
	logLock int64
	// idlePing is how long a watcher's connection may stay quiet before it
	// is pinged, so a silently dropped connection is noticed.
	idlePing time.Duration
	// closed is set by Close; life ends with it, stopping watchers.
	closed    atomic.Bool
	life      context.Context
	stop      context.CancelFunc
	closeOnce sync.Once
	log       *slog.Logger // warnings of the revocation watcher
	// audit batches concurrent audit appends into one transaction (audit.go).
	audit sqlstore.AppendBatcher
}

var (
	_ vigil.Store              = (*Store)(nil)
	_ vigil.RevocationNotifier = (*Store)(nil)
)

// Pool and session defaults, each used only when the URL does not set its
// own (pool_max_conns=, connect_timeout=, statement_timeout=, ...).
const (
	// connectTimeout bounds each connection attempt, so an unreachable
	// server is reported (as ErrUnavailable) instead of hanging.
	connectTimeout = 5 * time.Second
	// healthCheckPeriod is how often idle connections are checked and
	// those past their idle time or lifetime closed.
	healthCheckPeriod = 30 * time.Second
	maxConnIdleTime   = 5 * time.Minute
	// pingTimeout bounds the liveness ping of a connection that sat idle
	// before it is handed out.
	pingTimeout = 2 * time.Second
	// statementTimeout is the server-side bound of any one statement
	// (a lock wait included), so nothing queues forever behind a stuck
	// transaction; idleInTxTimeout ends a transaction its client abandoned.
	statementTimeout = "10s"
	idleInTxTimeout  = "30s"
	// callTimeout bounds one store call on the client side: a server that
	// stops answering (a dead network sends no error) costs a caller at
	// most this before it gets ErrUnavailable. It is above
	// statementTimeout so that a slow statement is reported by the server.
	callTimeout = 15 * time.Second
)

// maxConns sizes the pool: 4 per usable CPU, so that requests rarely queue
// for a connection, and at most 32, so that a few instances on large
// machines cannot use up the server's max_connections (100 by default).
// A URL's pool_max_conns overrides it.
func maxConns() int32 { return int32(min(32, max(4, 4*runtime.GOMAXPROCS(0)))) }

// Open connects to the database at url (a postgres:// URL or a keyword/value
// string, as pgx accepts) and migrates its current schema. It fails, with
// an error wrapping vigil.ErrUnavailable, when the server cannot be reached.
// The caller must Close the store.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := poolConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool, listenConfig: listenConfig(cfg.ConnConfig), idlePing: 30 * time.Second, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	s.life, s.stop = context.WithCancel(context.Background())
	if s.schema, err = s.currentSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.channel = channelName(s.schema)
	s.logLock = lockKey("revocations", s.schema)
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// poolConfig parses url and applies the package's defaults where url does
// not set a value of its own.
func poolConfig(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	// pgxpool.ParseConfig removes the pool_* settings it reads and fills in
	// its own defaults; a plain parse tells which ones url set.
	raw, err := pgconn.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	set := func(key string) bool { _, ok := raw.RuntimeParams[key]; return ok }
	if !set("pool_max_conns") {
		cfg.MaxConns = maxConns()
	}
	if !set("pool_health_check_period") {
		cfg.HealthCheckPeriod = healthCheckPeriod
	}
	if !set("pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = maxConnIdleTime
	}
	if !set("pool_ping_timeout") {
		cfg.PingTimeout = pingTimeout
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout <= 0 {
		cc.ConnectTimeout = connectTimeout
	}
	for key, value := range map[string]string{
		"statement_timeout":                   statementTimeout,
		"idle_in_transaction_session_timeout": idleInTxTimeout,
		"application_name":                    "vigil",
	} {
		if _, ok := cc.RuntimeParams[key]; !ok {
			cc.RuntimeParams[key] = value
		}
	}
	return cfg, nil
}

// listenConfig returns the configuration of a watcher's connection: the
// pool's, with "-revocations" added to its application_name so that an
// operator (or a test) can tell it apart.
func listenConfig(cc *pgx.ConnConfig) *pgx.ConnConfig {
	lc := cc.Copy()
	lc.RuntimeParams["application_name"] += "-revocations"
	return lc
}

// channelName returns the NOTIFY channel of the revocation log in schema.
// Channel names are identifiers, at most 63 bytes (longer ones are
// truncated by LISTEN but refused by pg_notify), so a long schema name is
// replaced by a digest of it.
func channelName(schema string) string {
	const prefix, maxLen = "vigil_revocations:", 63
	if len(prefix)+len(schema) <= maxLen {
		return prefix + schema
	}
	sum := sha256.Sum256([]byte(schema))
	return prefix + hex.EncodeToString(sum[:16])
}

// errNoSchema is Open's error when no schema of the search_path exists.
var errNoSchema = errors.New("no schema to create tables in: search_path names no existing schema")

// currentSchema returns the schema unqualified names resolve to: the first
// existing schema of the connection's search_path.
func (s *Store) currentSchema(ctx context.Context) (string, error) {
	var schema *string
	err := s.run(ctx, "open", func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema)
	})
	if err != nil {
		return "", err
	}
	if schema == nil {
		return "", fmt.Errorf("postgres: open: %w", errNoSchema)
	}
	return *schema, nil
}

// Ping reports whether the database answers queries on the store's schema;
// an error wrapping ErrUnavailable (and the cause) if not.
func (s *Store) Ping(ctx context.Context) error {
	err := s.run(ctx, "ping", func(ctx context.Context) error {
		var ok bool
		return s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM schema_migrations)`).Scan(&ok)
	})
	if err != nil && !errors.Is(err, vigil.ErrUnavailable) {
		return fmt.Errorf("%w: %w", vigil.ErrUnavailable, err)
	}
	return err
}

// Close closes the pool and stops every WatchRevocations of the store. A
// store must not be used after Close; calls then fail with ErrUnavailable.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.stop()
		s.pool.Close()
	})
	return nil
}

// Option configures Open.
type Option func(*Store)

// WithLogger sends the store's warnings (a lost revocation listener) to
// log instead of slog.Default().
func WithLogger(log *slog.Logger) Option {
	return func(s *Store) { s.log = log }
}
