package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auditlog"
)

// startAuditStream starts --audit-stream: every event appended to the
// chain from now on, sent to target (auditlog.ParseStreamTarget: stdout,
// syslog+udp://host:port or syslog+tcp://host:port); "stdout" writes to
// out. "" streams nothing. Each instance that is given the flag streams
// the whole chain, every instance's events (auditlog.Stream). stop ends
// the stream and waits for it; an unusable target or a store without a
// chain is an error, and nothing is started.
func startAuditStream(ctx context.Context, store vigil.Store, target string, out io.Writer, log *slog.Logger) (stop func(), err error) {
	if target == "" {
		return func() {}, nil
	}
	t, err := auditlog.ParseStreamTarget(target)
	if err != nil {
		return nil, fmt.Errorf("--audit-stream %w", err)
	}
	cs, ok := store.(auditlog.Store)
	if !ok {
		return nil, fmt.Errorf("--audit-stream: the store %T keeps no audit chain", store)
	}
	st := auditlog.NewStream(cs, t, auditlog.StreamOptions{Stdout: out, Log: log})
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := st.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("audit stream stopped", "err", err)
		}
	}()
	log.Info("audit stream: sending every new audit event", "target", t.String())
	return func() { cancel(); <-done }, nil
}
