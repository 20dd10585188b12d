package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/vigilauth/vigil/auditlog"
	"github.com/vigilauth/vigil/httpapi"
	"github.com/vigilauth/vigil/internal/config"
)

// auditGroup runs `vigil audit`: a subcommand of the audit chain when the
// first argument names one, else the listing (auditCmd).
func auditGroup(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		if run, ok := auditSubcommands[args[0]]; ok {
			return run(ctx, e, args[1:])
		}
	}
	return auditCmd(ctx, e, args)
}

// auditSubcommands are the commands of the audit chain, as `vigil audit
// NAME` runs them; the command table lists them too, for help and docs.
var auditSubcommands = map[string]func(context.Context, *env, []string) error{
	"verify":     auditVerify,
	"export":     auditExport,
	"keygen":     auditKeygen,
	"checkpoint": auditCheckpoint,
	"prune":      auditPrune,
}

func auditVerify(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("audit verify")
	keys := keyFlags(f)
	file := f.String("file", "", "check this export (jsonl or csv) instead of the database")
	asJSON := f.Bool("json", false, "print the report as one JSON object")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	ring, err := keys.ring()
	if err != nil {
		return err
	}
	var rep *auditlog.Report
	if *file != "" {
		rep, err = verifyFile(*file, ring)
	} else {
		err = withAuditStore(ctx, e, f.db, func(s auditlog.Store) error {
			rep, err = auditlog.Verify(ctx, s, ring)
			return err
		})
	}
	if err != nil {
		return err
	}
	if *asJSON {
		err = json.NewEncoder(e.stdout).Encode(reportJSON(rep))
	} else {
		_, err = fmt.Fprintln(e.stdout, strings.Join(rep.Lines(), "\n"))
	}
	if err == nil && !rep.Intact() {
		// Exit 1; the report above says what and where.
		err = fmt.Errorf("the audit chain is not intact: broken at seq %d", rep.Problem.Seq)
	}
	return err
}

// verifyFile checks the export at path.
func verifyFile(path string, ring auditlog.Keyring) (*auditlog.Report, error) {
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return auditlog.VerifyFile(in, ring)
}

func auditExport(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("audit export")
	format := f.String("format", "jsonl", "jsonl or csv")
	since := f.String("since", "", "from this time: a duration back from now (24h) or an RFC 3339 time")
	until := f.String("until", "", "before this time: a duration back from now or an RFC 3339 time")
	out := f.String("out", "", "write to this new file (mode 0600) instead of standard output")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	ft, err := auditlog.ParseFormat(*format)
	if err != nil {
		return usagef("audit export: --format: %v", err)
	}
	now := time.Now()
	from, err := httpapi.ParseSince(*since, now)
	if err != nil {
		return usagef("audit export: --since %q: want a duration such as 24h or an RFC 3339 time", *since)
	}
	to, err := httpapi.ParseSince(*until, now)
	if err != nil {
		return usagef("audit export: --until %q: want a duration such as 1h or an RFC 3339 time", *until)
	}
	return withAuditStore(ctx, e, f.db, func(s auditlog.Store) error {
		w, done, err := exportOutput(e, *out)
		if err != nil {
			return err
		}
		st, err := auditlog.Export(ctx, s, w, ft, from, to)
		if err = done(err); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "vigil: exported %d events (seq %d to %d) and %d checkpoints\n", st.Events, st.First, st.Last, st.Checkpoints)
		return nil
	})
}

// exportOutput opens where an export goes: standard output, or a new file
// readable by its owner alone (an export holds usernames and addresses).
// done closes it; after a failure it removes the file, so no partial
// export is left that looks whole.
func exportOutput(e *env, path string) (io.Writer, func(error) error, error) {
	if path == "" {
		return e.stdout, func(err error) error { return err }, nil
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, nil, fmt.Errorf("--out %s exists: an export never overwrites a file", path)
	}
	if err != nil {
		return nil, nil, err
	}
	return file, func(err error) error {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
		return err
	}, nil
}

func auditKeygen(_ context.Context, e *env, args []string) error {
	f := newCLIFlags("audit keygen")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	k, err := auditlog.GenerateKey()
	if err != nil {
		return err
	}
	if err := auditlog.WriteKeyFiles(pos[0], k); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit key %s written to %s (mode 0600: give it to vigil serve --audit-key-file)\npublic key in %s (for vigil audit verify --public-key)\n",
		k.ID, pos[0], pos[0]+".pub")
	return nil
}

func auditCheckpoint(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("audit checkpoint")
	keyFile := keyFileFlag(f)
	every := f.Int64("every", auditlog.DefaultEvery, "events between checkpoints, as vigil serve writes them")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	key, err := loadSigningKey(*keyFile)
	if err != nil {
		return err
	}
	return withAuditStore(ctx, e, f.db, func(s auditlog.Store) error {
		// Every event waiting counts as due: the newest is signed now.
		cp := &auditlog.Checkpointer{Store: s, Key: key, Every: *every, MaxAge: time.Nanosecond}
		total := 0
		for {
			n, err := cp.Once(ctx)
			total += n
			if err != nil || n == 0 {
				fmt.Fprintf(e.stdout, "%d checkpoint(s) written%s\n", total, unsignedNote(key))
				return err
			}
		}
	})
}

func auditPrune(ctx context.Context, e *env, args []string) error {
	f := newCLIFlags("audit prune")
	retention := f.Duration("audit-retention", 0, "delete whole segments whose checkpoint is older than this (e.g. 2160h)")
	keys := keyFlags(f)
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	if *retention <= 0 {
		return usagef("audit prune: --audit-retention must be a duration above 0 (e.g. 2160h)")
	}
	ring, err := keys.ring()
	if err != nil {
		return err
	}
	return withAuditStore(ctx, e, f.db, func(s auditlog.Store) error {
		r := &auditlog.Retention{Store: s, Keep: *retention, Keys: ring}
		n, err := r.Prune(ctx, 1<<62)
		fmt.Fprintf(e.stdout, "%d event(s) deleted\n", n)
		return err
	})
}

// unsignedNote is what a checkpoint without a key adds to a message.
func unsignedNote(key *auditlog.PrivateKey) string {
	if key == nil {
		return " (unsigned: no --audit-key-file)"
	}
	return " (signed by key " + key.ID + ")"
}

// keySources are the keys a command checks signatures with.
type keySources struct {
	keyFile *string
	public  []string
}

// keyFileFlag defines --audit-key-file, with --key-file as its other
// name.
func keyFileFlag(f *cliFlags) *string {
	p := f.String("audit-key-file", "", "the audit key file, as vigil serve --audit-key-file (mode 0600)")
	f.StringVar(p, "key-file", "", "the same as --audit-key-file")
	return p
}

// keyFlags defines --audit-key-file (--key-file) and --public-key.
func keyFlags(f *cliFlags) *keySources {
	k := &keySources{keyFile: keyFileFlag(f)}
	f.Func("public-key", "a public key file (KEY.pub) to check signatures with; repeat it for older keys", func(s string) error {
		k.public = append(k.public, s)
		return nil
	})
	return k
}

// ring loads the keys given; an empty ring when none were.
func (k *keySources) ring() (auditlog.Keyring, error) {
	ring := auditlog.Keyring{}
	paths := k.public
	if *k.keyFile != "" {
		paths = append([]string{*k.keyFile}, paths...)
	}
	for _, p := range paths {
		pub, err := auditlog.LoadPublicKey(p)
		if err != nil {
			return nil, err
		}
		ring.Add(pub)
	}
	return ring, nil
}

// loadSigningKey loads the key file at path; nil for "".
func loadSigningKey(path string) (*auditlog.PrivateKey, error) {
	if path == "" {
		return nil, nil
	}
	return auditlog.LoadPrivateKey(path)
}

// withAuditStore opens the database and runs fn on its audit chain. A
// SQLite file that does not exist is an error: opening would create an
// empty database, whose chain proves nothing of the real one.
func withAuditStore(ctx context.Context, e *env, db string, fn func(auditlog.Store) error) error {
	if !config.IsPostgres(db) {
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database %s does not exist (--db, VIGIL_DB)", db)
		}
	}
	store, err := openStore(ctx, db, newLogger(e, "text"))
	if err != nil {
		return err
	}
	defer store.Close()
	s, ok := store.(auditlog.Store)
	if !ok {
		return fmt.Errorf("the %T store keeps no audit chain", store)
	}
	return fn(s)
}

// verifyJSON is `vigil audit verify --json`.
type verifyJSON struct {
	Intact            bool            `json:"intact"`
	Problem           *problemJSON    `json:"problem"`
	FirstSeq          int64           `json:"first_seq"`
	LastSeq           int64           `json:"last_seq"`
	Events            int64           `json:"events"`
	PrunedThrough     int64           `json:"pruned_through"`
	Checkpoints       int             `json:"checkpoints"`
	Signed            int             `json:"signed"`
	KeyIDs            []string        `json:"key_ids"`
	SignaturesChecked bool            `json:"signatures_checked"`
	Newest            *checkpointJSON `json:"newest_signed_checkpoint"`
	Lines             []string        `json:"lines"`
}

type problemJSON struct {
	Seq  int64  `json:"seq"`
	What string `json:"what"`
}

type checkpointJSON struct {
	Seq   int64     `json:"seq"`
	Hash  string    `json:"hash"`
	Time  time.Time `json:"time"`
	KeyID string    `json:"key_id"`
}

func reportJSON(r *auditlog.Report) verifyJSON {
	v := verifyJSON{Intact: r.Intact(), FirstSeq: r.First, LastSeq: r.Last, Events: r.Events,
		PrunedThrough: r.PrunedThrough, Checkpoints: r.Checkpoints, Signed: r.Signed, KeyIDs: r.KeyIDs,
		SignaturesChecked: r.SignaturesChecked, Lines: r.Lines()}
	if v.KeyIDs == nil {
		v.KeyIDs = []string{}
	}
	if r.Problem != nil {
		v.Problem = &problemJSON{Seq: r.Problem.Seq, What: r.Problem.What}
	}
	if c := r.NewestSigned; c != nil {
		v.Newest = &checkpointJSON{Seq: c.Seq, Hash: c.Hash.String(), Time: c.Time.UTC(), KeyID: c.KeyID}
	}
	return v
}
