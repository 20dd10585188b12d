package sqlite

import (
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/storetest"
)

func TestUserImport(t *testing.T) {
	storetest.UserImport(t, func(t *testing.T) vigil.Store { return open(t, dbPath(t)) })
}

// TestImportRacesCreateUser is vigil user import and an admin creating an
// account on the same file at once.
func TestImportRacesCreateUser(t *testing.T) {
	path := dbPath(t)
	storetest.TwoStoresImportRace(t, open(t, path), open(t, path))
}
