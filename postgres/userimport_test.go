package postgres

import (
	"testing"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/storetest"
)

func TestUserImport(t *testing.T) {
	storetest.UserImport(t, func(t *testing.T) vigil.Store { return openEmpty(t) })
}

// TestImportRacesCreateUser is vigil user import and an admin creating an
// account on the same schema at once.
func TestImportRacesCreateUser(t *testing.T) {
	_, url := freshSchema(t)
	storetest.TwoStoresImportRace(t, open(t, url), open(t, url))
}
