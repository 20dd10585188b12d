package health

import (
	"context"

	"github.com/vigilauth/vigil"
)

// ImportUsers is a write (vigil.UserImporter): a store that cannot take a
// batch takes the instance out of the load balancer as any write does. A
// username taken meanwhile is the store's answer, not a failure (done).
func (s *watched) ImportUsers(ctx context.Context, users []vigil.User, events []vigil.Event) error {
	return s.done(s.Store.ImportUsers(ctx, users, events))
}
