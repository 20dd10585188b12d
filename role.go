package vigil

import "fmt"

// Role is what a user may do. The set is fixed by the product contract.
type Role string

// The roles.
const (
	RolePatient   Role = "patient"
	RoleClinician Role = "clinician"
	RoleAdmin     Role = "admin"
)

// Roles lists every role in a stable order.
var Roles = []Role{RolePatient, RoleClinician, RoleAdmin}

// ParseRole returns the role named s, or an error naming the valid roles.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want patient, clinician or admin)", s)
}

// Valid reports whether r is one of the product's roles.
func (r Role) Valid() bool {
	_, err := ParseRole(string(r))
	return err == nil
}
