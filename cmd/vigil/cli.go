package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/httpapi"
)

func userAdd(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("user add")
	role := f.String("role", "", "patient, clinician or admin")
	clinician := f.String("clinician-id", "", "clinician identifier")
	email := f.String("email", "", "email address (optional)")
	displayName := f.String("display-name", "", "name to show (optional)")
	fromStdin := f.Bool("password-stdin", false, "read the password from the first line of standard input")
	links := linkFlags(f)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	link, err := links.base()
	if err != nil {
		return err
	}
	if *role == "" {
		return usagef("user add: --role is required (patient, clinician or admin)")
	}
	r, err := vigil.ParseRole(*role)
	if err != nil {
		return usagef("user add: --role: %v", err)
	}
	n := auth.NewUser{Username: pos[0], Role: r, ClinicianID: *clinician, Email: *email, DisplayName: *displayName}
	if *fromStdin {
		if n.Password, err = readPassword(e.stdin); err != nil {
			return err
		}
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		c, err := eng.CreateUser(ctx, n, cliActor)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "created %s (%s)\n", c.User.Username, c.User.Role)
		if c.ResetToken != "" {
			printResetToken(e, link, c.ResetToken, c.ExpiresAt)
		}
		return nil
	})
}

// readPassword reads one line; its line ending is not part of the password.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

func printResetToken(e *env, link, tok string, exp time.Time) {
	fmt.Fprintf(e.stdout, "one-time password-reset token (valid until %s):\n%s\n", exp.UTC().Format(time.RFC3339), tok)
	if link == "" {
		fmt.Fprintln(e.stderr, "(give --public-url, or set VIGIL_PUBLIC_URL, to have the whole link printed)")
		return
	}
	// The token travels in the fragment, which browsers never send to a
	// server or put in a Referer (web/reset.go).
	fmt.Fprintf(e.stdout, "reset link: %s#token=%s\n", link, tok)
}

// describe turns an engine error into one line, with the policy problems.
func describe(err error) error {
	if e := vigil.AsError(err); e != nil {
		msg := e.Message
		if len(e.Problems) > 0 {
			msg += " The password " + strings.Join(e.Problems, "; ") + "."
		}
		return errors.New(msg)
	}
	return err
}

func userList(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("user list")
	asJSON := f.Bool("json", false, "one JSON object per line")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		users, err := eng.Users(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSONLines(e.stdout, users, userLine)
		}
		if len(users) == 0 {
			fmt.Fprintln(e.stdout, "no users yet (vigil user add USERNAME --role ROLE creates one)")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tCLINICIAN ID\tSTATUS\tLAST LOGIN")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", dash(u.Username), u.Role, dash(u.ClinicianID), status(u), when(u.LastLogin))
		}
		return tw.Flush()
	})
}

func userLine(u vigil.User) any {
	var last *time.Time
	if !u.LastLogin.IsZero() {
		t := u.LastLogin.UTC()
		last = &t
	}
	return map[string]any{"username": u.Username, "role": u.Role, "clinician_id": u.ClinicianID,
		"email": u.Email, "display_name": u.DisplayName, "disabled": u.Disabled, "created_at": u.CreatedAt.UTC(), "last_login": last}
}

func userSetDisabled(ctx context.Context, e *env, verb string, args []string) error {
	f := newCLIFlags("user " + verb)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		n, err := eng.SetDisabled(ctx, pos[0], verb == "disable", cliActor)
		if err != nil {
			return describe(err)
		}
		if verb == "disable" {
			fmt.Fprintf(e.stdout, "disabled %s; %d session(s) revoked\n", vigil.NormalizeUsername(pos[0]), n)
		} else {
			fmt.Fprintf(e.stdout, "enabled %s\n", vigil.NormalizeUsername(pos[0]))
		}
		return nil
	})
}

func userReset(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("user reset")
	links := linkFlags(f)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	link, err := links.base()
	if err != nil {
		return err
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		tok, exp, err := eng.IssueResetToken(ctx, pos[0], cliActor)
		if err != nil {
			return describe(err)
		}
		printResetToken(e, link, tok, exp)
		return nil
	})
}

// userResetFactors removes every second factor of a user.
func userResetFactors(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("user reset-factors")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		n, err := eng.ResetFactors(ctx, pos[0], cliActor)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "second factors of %s removed; %d session(s) revoked\n", vigil.NormalizeUsername(pos[0]), n)
		return nil
	})
}

type sessionLine struct {
	Username     string    `json:"username"`
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	LastActivity time.Time `json:"last_activity"`
	IP           string    `json:"ip"`
	UserAgent    string    `json:"user_agent"`
}

func sessionsList(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("sessions list")
	asJSON := f.Bool("json", false, "one JSON object per line")
	pos, err := f.parse(e, args, -1)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("sessions list: at most one USERNAME")
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		lines, err := collectSessions(ctx, eng, pos)
		if err != nil {
			return describe(err)
		}
		if *asJSON {
			return printJSONLines(e.stdout, lines, func(l sessionLine) any { return l })
		}
		if len(lines) == 0 {
			if len(pos) == 1 {
				fmt.Fprintf(e.stdout, "no live sessions of %s\n", printable(vigil.NormalizeUsername(pos[0])))
			} else {
				fmt.Fprintln(e.stdout, "no live sessions")
			}
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tSESSION ID\tSIGNED IN\tLAST ACTIVE\tIP\tUSER AGENT")
		for _, l := range lines {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dash(l.Username), dash(l.ID), when(l.CreatedAt), when(l.LastActivity), dash(l.IP), dash(clip(l.UserAgent, 40)))
		}
		return tw.Flush()
	})
}

func collectSessions(ctx context.Context, eng *auth.Engine, pos []string) ([]sessionLine, error) {
	var out []sessionLine
	add := func(name string, s vigil.Session) {
		out = append(out, sessionLine{name, s.ID, s.CreatedAt.UTC(), s.LastActivity.UTC(), s.IP, s.UserAgent})
	}
	if len(pos) == 1 {
		u, list, err := eng.UserSessions(ctx, pos[0])
		for _, s := range list {
			add(u.Username, s)
		}
		return out, err
	}
	all, err := eng.AllSessions(ctx)
	for _, s := range all {
		add(s.Username, s.Session)
	}
	return out, err
}

func sessionsRevoke(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("sessions revoke")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		n, err := eng.RevokeUserSessions(ctx, pos[0], cliActor)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "revoked %d session(s) of %s\n", n, vigil.NormalizeUsername(pos[0]))
		return nil
	})
}

// maxAuditLimit is the most events `vigil audit` shows at once (the
// stores' own cap on one read).
const maxAuditLimit = 1000

func auditCmd(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("audit")
	user := f.String("user", "", "only events about this username")
	event := f.String("event", "", "only this event name")
	since := f.String("since", "", "a duration back from now (1h) or an RFC 3339 time")
	limit := f.Int("limit", 100, "at most this many events, newest first (up to 1000)")
	asJSON := f.Bool("json", false, "one JSON object per line")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	from, err := httpapi.ParseSince(*since, time.Now())
	if err != nil {
		return usagef("audit: --since %q: want a duration such as 1h or an RFC 3339 time", *since)
	}
	if *limit < 1 {
		return usagef("audit: --limit must be at least 1")
	}
	n := min(*limit, maxAuditLimit)
	// One more than shown, to know whether the list was cut.
	filter := vigil.EventFilter{Username: vigil.NormalizeUsername(*user), Event: *event, Since: from, Limit: min(n+1, maxAuditLimit)}
	return withEngine(ctx, e, f.db, func(eng *auth.Engine) error {
		events, err := eng.Events(ctx, filter)
		if err != nil {
			return err
		}
		if len(events) > n || len(events) == maxAuditLimit {
			events = events[:n]
			fmt.Fprintf(e.stderr, "vigil: showing the newest %d events; more match (--limit up to %d, or narrow with --since, --user, --event)\n", n, maxAuditLimit)
		}
		if *asJSON {
			return printJSONLines(e.stdout, events, eventLine)
		}
		if len(events) == 0 {
			fmt.Fprintln(e.stdout, "no audit events match")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tEVENT\tUSERNAME\tACTOR\tIP\tDETAIL")
		for _, ev := range events {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format(time.RFC3339), dash(ev.Event), dash(ev.Username), dash(ev.Actor), dash(ev.IP), dash(ev.Detail))
		}
		return tw.Flush()
	})
}

// eventLine is the JSON form of SPEC §4, one object per line.
func eventLine(ev vigil.Event) any {
	return map[string]any{"seq": ev.Seq, "time": ev.Time.UTC(), "username": ev.Username, "actor": ev.Actor, "category": ev.Category,
		"event": ev.Event, "detail": ev.Detail, "ip": ev.IP, "user_agent": ev.UserAgent, "session_id": ev.SessionID}
}

func migrateCmd(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("migrate")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	store, err := openStore(ctx, f.db, newLogger(e, "text"))
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(e.stdout, "database %s is up to date\n", f.db)
	return nil
}

func printJSONLines[T any](w io.Writer, items []T, shape func(T) any) error {
	enc := json.NewEncoder(w)
	for _, it := range items {
		if err := enc.Encode(shape(it)); err != nil {
			return err
		}
	}
	return nil
}

// dash returns s for a cell of a text table: escaped (printable), or "-"
// when empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

func status(u vigil.User) string {
	if u.Disabled {
		return "disabled"
	}
	if u.PasswordHash == "" {
		return "awaiting reset"
	}
	return "active"
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// clip shortens s to at most n characters, the last of them "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
