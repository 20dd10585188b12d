package redis

import (
	"context"
	"fmt"

	"github.com/vigilauth/vigil/auditlog"
)

// The audit chain (auditlog.Store) passes straight to the wrapped store:
// Redis carries only revocation notices.

// ReadAudit runs fn on a snapshot of the wrapped store's chain.
func (s *Store) ReadAudit(ctx context.Context, fn func(auditlog.Reader) error) error {
	cs, err := chainOf(s)
	if err != nil {
		return err
	}
	return cs.ReadAudit(ctx, fn)
}

// WriteAudit runs fn under the wrapped store's chain lock.
func (s *Store) WriteAudit(ctx context.Context, fn func(auditlog.Writer) error) error {
	cs, err := chainOf(s)
	if err != nil {
		return err
	}
	return cs.WriteAudit(ctx, fn)
}

func chainOf(s *Store) (auditlog.Store, error) {
	cs, ok := s.Store.(auditlog.Store)
	if !ok {
		return nil, fmt.Errorf("redis: %T keeps no audit chain", s.Store)
	}
	return cs, nil
}
