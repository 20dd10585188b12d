package health

import (
	"context"
	"fmt"

	"github.com/vigilauth/vigil/auditlog"
)

// The audit chain (auditlog.Store) passes to the watched store. Its
// appends are AppendEvent, which is watched; a checkpoint or a pruning
// (WriteAudit) is the chain's own housekeeping, whose failure the worker
// logs, and is not counted for readiness: its errors include a chain that
// does not verify, which is no reason to take the instance out.

// ReadAudit runs fn on a snapshot of the watched store's chain.
func (s *watched) ReadAudit(ctx context.Context, fn func(auditlog.Reader) error) error {
	cs, err := s.chain()
	if err != nil {
		return err
	}
	return cs.ReadAudit(ctx, fn)
}

// WriteAudit runs fn under the watched store's chain lock.
func (s *watched) WriteAudit(ctx context.Context, fn func(auditlog.Writer) error) error {
	cs, err := s.chain()
	if err != nil {
		return err
	}
	return cs.WriteAudit(ctx, fn)
}

func (s *watched) chain() (auditlog.Store, error) {
	cs, ok := s.Store.(auditlog.Store)
	if !ok {
		return nil, fmt.Errorf("health: %T keeps no audit chain", s.Store)
	}
	return cs, nil
}
