package sqlstore

import (
	"fmt"

	"github.com/vigilauth/vigil"
)

// FactorsDest returns a scan destination that reads a session's factors,
// kept as their names joined by commas (vigil.FactorSet.String), into *f;
// a name it does not know is an error, never a silently smaller set.
func FactorsDest(f *vigil.FactorSet) any { return factorsDest{f} }

type factorsDest struct{ f *vigil.FactorSet }

// Scan implements sql.Scanner (which pgx honours too).
func (d factorsDest) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("sqlstore: factors: unexpected %T", src)
	}
	set, ok := vigil.ParseFactorSet(text)
	if !ok {
		return fmt.Errorf("sqlstore: factors: unknown factor in %q", text)
	}
	*d.f = set
	return nil
}
