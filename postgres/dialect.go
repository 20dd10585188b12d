package postgres

import (
	"strconv"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/internal/sqlstore"
)

// dialect is how PostgreSQL takes what package sqlstore shares between the
// stores: $n parameters, times as timestamptz.
type dialect struct{}

var _ sqlstore.Dialect = dialect{}

// Param returns $n.
func (dialect) Param(n int) string { return "$" + strconv.Itoa(n) }

// Time returns dbTime(t).
func (dialect) Time(t time.Time) any { return dbTime(t) }

// TimeDest returns timeCol{t}.
func (dialect) TimeDest(t *time.Time) any { return timeCol{t} }

// HashDest returns hashCol{h}.
func (dialect) HashDest(h *vigil.TokenHash) any { return hashCol{h} }
