package sqlite

import "testing"

// TestContactMigrationKeepsExistingUsers: a database made before migration
// 0005 keeps its accounts as they were when it is opened; they get an empty
// email and display name.
func TestContactMigrationKeepsExistingUsers(t *testing.T) {
	ctx := t.Context()
	path := dbPath(t)
	s := open(t, path)
	// Back to the schema before 0005, holding one account written with it.
	for _, q := range []string{
		`ALTER TABLE users DROP COLUMN email`,
		`ALTER TABLE users DROP COLUMN display_name`,
		`DELETE FROM schema_migrations WHERE version = 5`,
		`INSERT INTO users (username, role, clinician_id, password_hash, disabled, created_at)
			VALUES ('carol', 'clinician', 'C-9', '$argon2id$carol', 1, 1700000000000000)`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	u, err := open(t, path).UserByUsername(ctx, "carol")
	if err != nil {
		t.Fatalf("after migrating: UserByUsername = %v", err)
	}
	if u.Role != "clinician" || u.ClinicianID != "C-9" || u.PasswordHash != "$argon2id$carol" || !u.Disabled ||
		u.CreatedAt.UnixMicro() != 1700000000000000 || u.Email != "" || u.DisplayName != "" {
		t.Errorf("after migrating: %+v", *u)
	}
}
