package auth

import (
	"context"
	"errors"

	"github.com/vigilauth/vigil"
)

// ExistingUsers says which of names (normalized usernames, as the audit
// log holds them) belong to an account today, enabled or not: the audit
// page links only those. A name not valid as a username is not an
// account. Errors: a store error.
func (e *Engine) ExistingUsers(ctx context.Context, names []string) (map[string]bool, error) {
	out := make(map[string]bool, len(names))
	for _, name := range names {
		if _, seen := out[name]; seen {
			continue
		}
		out[name] = false
		if vigil.ValidateUsername(name) != nil {
			continue
		}
		_, err := e.store.UserByUsername(ctx, name)
		switch {
		case errors.Is(err, vigil.ErrNotFound):
		case err != nil:
			return nil, storeErr("find user", err)
		default:
			out[name] = true
		}
	}
	return out, nil
}
