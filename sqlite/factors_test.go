package sqlite

import (
	"testing"

	"github.com/vigilauth/vigil/storetest"
)

// TestFactorsGoWithTheirUser: a user's row deleted (as an operator would,
// with SQL) takes the user's factors with it.
func TestFactorsGoWithTheirUser(t *testing.T) {
	s := open(t, dbPath(t))
	storetest.FactorsGoWithTheirUser(t, s, func(userID int64) {
		if _, err := s.write.Exec(`DELETE FROM users WHERE id = ?`, userID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTwoStoresFactorRaces: the server and the CLI, or two processes on
// one file, accept a code once between them.
func TestTwoStoresFactorRaces(t *testing.T) {
	path := dbPath(t)
	storetest.TwoStoresFactorRaces(t, open(t, path), open(t, path))
}
