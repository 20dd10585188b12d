package sqlstore

import "github.com/vigilauth/vigil"

// ForgetIDs sets the ID of every user and event back to 0: what
// UserImporter.ImportUsers leaves after a transaction that rolled back.
func ForgetIDs(users []vigil.User, events []vigil.Event) {
	for i := range users {
		users[i].ID = 0
	}
	for i := range events {
		events[i].ID = 0
	}
}
