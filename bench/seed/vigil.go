package seed

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/postgres"
	"github.com/vigilauth/vigil/sqlite"
)

// viaStore is how many sessions are created through the store's own
// CreateSession; the rest are copied in bulk with the same column values
// (one fsync'd insert each would take minutes), and a sample of both is
// read back through the store before the run.
const viaStore = 50

// session makes live session i of user u at time now, and its cookie.
func session(u *vigil.User, now, last time.Time) (*vigil.Session, string) {
	tok := vigil.NewToken()
	return &vigil.Session{
		ID: vigil.NewID(), TokenHash: tok.Hash(), UserID: u.ID,
		CreatedAt: now, LastActivity: last, ReauthAt: now,
		IP: "127.0.0.1", UserAgent: "vigil-bench",
	}, tok.String()
}

// sessions makes n sessions spread over users: the first viaStore go
// through the store's own CreateSession, the rest are returned for the
// caller's bulk insert. It returns every session's cookie.
func sessions(ctx context.Context, store vigil.SessionStore, users []*vigil.User, n int, now, last time.Time) ([]string, []*vigil.Session, error) {
	tokens := make([]string, n)
	var bulk []*vigil.Session
	for i := range tokens {
		s, tok := session(users[i%len(users)], now, last)
		tokens[i] = tok
		if i < viaStore {
			if err := store.CreateSession(ctx, s); err != nil {
				return nil, nil, fmt.Errorf("seed: create session: %w", err)
			}
			continue
		}
		bulk = append(bulk, s)
	}
	return tokens, bulk, nil
}

// createUsers adds spec's users to store.
func createUsers(ctx context.Context, store vigil.UserStore, spec Spec, now time.Time) ([]*vigil.User, error) {
	users := make([]*vigil.User, spec.users())
	for i := range users {
		u := &vigil.User{Username: Username(i), Role: vigil.RolePatient, CreatedAt: now}
		if err := store.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("seed: create user: %w", err)
		}
		users[i] = u
	}
	return users, nil
}

// checkSample reads back some sessions through the store: live, of the
// right user, with the activity time seeded.
func checkSample(ctx context.Context, store vigil.SessionStore, tokens []string, users int, last time.Time) error {
	for _, i := range []int{0, viaStore - 1, viaStore, len(tokens) / 2, len(tokens) - 1} {
		if i < 0 || i >= len(tokens) {
			continue
		}
		tok, err := vigil.ParseToken(tokens[i])
		if err != nil {
			return err
		}
		s, u, err := store.SessionByToken(ctx, tok.Hash())
		if err != nil {
			return fmt.Errorf("seed: session %d not readable through the store: %w", i, err)
		}
		if !s.Live() || u.Username != Username(i%users) || !s.LastActivity.Equal(last) {
			return fmt.Errorf("seed: session %d read back as live=%v user=%s last=%v", i, s.Live(), u.Username, s.LastActivity)
		}
	}
	return nil
}

// VigilSQLite creates the vigil database at path (which must not exist)
// with spec's sessions and returns their cookies.
func VigilSQLite(ctx context.Context, path string, spec Spec) ([]string, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	last := spec.lastActivity(now).UTC().Truncate(time.Microsecond)
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	users, err := createUsers(ctx, store, spec, now)
	if err != nil {
		return nil, err
	}
	tokens, bulk, err := sessions(ctx, store, users, spec.Sessions, now, last)
	if err != nil {
		return nil, err
	}
	db, err := openSQLite(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := bulkSQLite(ctx, db, bulk); err != nil {
		return nil, err
	}
	if err := countWritesSQLite(ctx, db, "sessions"); err != nil {
		return nil, err
	}
	return tokens, checkSample(ctx, store, tokens, len(users), last)
}

// bulkSQLite inserts sessions in one transaction, with the column values
// sqlite.CreateSession writes (times in unix microseconds).
func bulkSQLite(ctx context.Context, db *sql.DB, list []*vigil.Session) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sessions (id, token_hash, user_id, created_at,
		last_activity, reauth_at, ip, user_agent, ended_at, end_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '')`)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for _, s := range list {
		if _, err := stmt.ExecContext(ctx, s.ID, s.TokenHash[:], s.UserID, s.CreatedAt.UnixMicro(),
			s.LastActivity.UnixMicro(), s.ReauthAt.UnixMicro(), s.IP, s.UserAgent); err != nil {
			return fmt.Errorf("seed: insert session: %w", err)
		}
	}
	return tx.Commit()
}

// VigilPostgres creates vigil's tables in the schema url's search_path
// names (which must exist and be empty) with spec's sessions and returns
// their cookies.
func VigilPostgres(ctx context.Context, url string, spec Spec) ([]string, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	last := spec.lastActivity(now).UTC().Truncate(time.Microsecond)
	store, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	users, err := createUsers(ctx, store, spec, now)
	if err != nil {
		return nil, err
	}
	tokens, bulk, err := sessions(ctx, store, users, spec.Sessions, now, last)
	if err != nil {
		return nil, err
	}
	rows := make([][]any, 0, len(bulk))
	for _, s := range bulk {
		rows = append(rows, []any{s.ID, s.TokenHash[:], s.UserID, s.CreatedAt, s.LastActivity,
			s.ReauthAt, s.IP, s.UserAgent, nil, ""})
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	cols := []string{"id", "token_hash", "user_id", "created_at", "last_activity", "reauth_at", "ip", "user_agent", "ended_at", "end_reason"}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"sessions"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return nil, fmt.Errorf("seed: copy sessions: %w", err)
	}
	if err := countWritesPostgres(ctx, conn, "sessions"); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return nil, err
	}
	return tokens, checkSample(ctx, store, tokens, len(users), last)
}
