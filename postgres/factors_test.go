package postgres

import (
	"context"
	"testing"

	"github.com/vigilauth/vigil/storetest"
)

// TestFactorsGoWithTheirUser: a user's row deleted (as an operator would,
// with SQL) takes the user's factors with it.
func TestFactorsGoWithTheirUser(t *testing.T) {
	s := openEmpty(t)
	storetest.FactorsGoWithTheirUser(t, s, func(userID int64) {
		if _, err := s.pool.Exec(context.Background(), `DELETE FROM users WHERE id = $1`, userID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTwoStoresFactorRaces: two instances on one schema accept a code
// once between them.
func TestTwoStoresFactorRaces(t *testing.T) {
	_, url := freshSchema(t)
	storetest.TwoStoresFactorRaces(t, open(t, url), open(t, url))
}
