package web

import (
	"fmt"
	"strings"

	"github.com/vigilauth/vigil"
)

// formErrors is a form's error summary: every problem found, at once, each
// linked to the field it is about. The page shows it above the form; it is
// an alert, and pages.js moves the focus to it (so a screen reader reads
// it out), as GOV.UK's error summary does. The forms are novalidate: the
// browser's own checks would show one problem at a time. A nil
// *formErrors is no problem.
type formErrors struct {
	ID    string // the summary's id, also the prefix of its title's
	Title string // what did not happen ("Your password was not changed")
	Items []fieldProblem
}

// fieldProblem is one problem; Field is the id of the field it is about,
// "" for none.
type fieldProblem struct {
	Field, Text string
}

func newErrors(id, title string) *formErrors { return &formErrors{ID: id, Title: title} }

func (f *formErrors) add(field, text string) { f.Items = append(f.Items, fieldProblem{field, text}) }

// Has reports whether a problem is about field (for aria-invalid).
func (f *formErrors) Has(field string) bool {
	if f == nil {
		return false
	}
	for _, it := range f.Items {
		if it.Field == field {
			return true
		}
	}
	return false
}

// orNil is f if it holds a problem, else nil.
func (f *formErrors) orNil() *formErrors {
	if f == nil || len(f.Items) == 0 {
		return nil
	}
	return f
}

// passwordWords are the words of the new-password fields: a first
// password (an account that never had one) is "the password", any other
// "the new password".
type passwordWords struct {
	The, Label, Confirm string
}

func wordsFor(first bool) passwordWords {
	if first {
		return passwordWords{The: "the password", Label: "Password", Confirm: "Confirm the password"}
	}
	return passwordWords{The: "the new password", Label: "New password", Confirm: "Confirm the new password"}
}

// newPasswordProblems adds what is wrong with a new password and its
// confirmation, all of it: a field left empty, every problem the policy
// finds (for username), and a confirmation that differs. Only the current
// password (which costs a hash and counts against the throttle) is left
// to the engine.
func (p *Pages) newPasswordProblems(f *formErrors, username, next, confirm string, first bool) {
	w := wordsFor(first)
	if next == "" {
		f.add("new-password", "Enter "+w.The+".")
	} else {
		for _, pr := range p.engine.PasswordProblems(username, next) {
			f.add("new-password", capitalise(w.The)+" "+pr+".")
		}
	}
	switch {
	case confirm == "":
		f.add("confirm-password", "Enter "+w.The+" again, to confirm it.")
	case next != "" && confirm != next:
		f.add("confirm-password", capitalise(w.The)+" and its confirmation do not match.")
	}
}

// engineProblem adds the problem an engine's refusal of a password form
// names, and reports whether it was one (any other error is the error
// page's).
func engineProblem(f *formErrors, err error, first bool) bool {
	e := vigil.AsError(err)
	if e == nil {
		return false
	}
	w := wordsFor(first)
	switch e.Code {
	case vigil.CodeWeakPassword:
		for _, pr := range e.Problems {
			f.add("new-password", capitalise(w.The)+" "+pr+".")
		}
	case vigil.CodePasswordMismatch:
		f.add("confirm-password", capitalise(w.The)+" and its confirmation do not match.")
	case vigil.CodeInvalidCredentials:
		f.add("current-password", "Your current password is not correct.")
	case vigil.CodeRateLimited:
		f.add("", throttled(e))
	default:
		return false
	}
	return true
}

// createProblems are the problems of the create-user form, every field's
// at once, in the pages' words; the engine checks them again, and whether
// the username is taken.
func createProblems(c createForm) *formErrors {
	f := newErrors("create-user-error", "The user was not created")
	if name := vigil.NormalizeUsername(c.Username); name == "" {
		f.add("new-username", "Enter a username.")
	} else if err := vigil.ValidateUsername(name); err != nil {
		f.add("new-username", sentence(err))
	}
	if !vigil.Role(c.Role).Valid() {
		f.add("new-role", "Choose a role: patient, clinician or admin.")
	}
	if err := vigil.ValidateClinicianID(c.ClinicianID); err != nil {
		f.add("new-clinician-id", sentence(err))
	}
	if err := vigil.ValidateEmail(vigil.NormalizeEmail(c.Email)); err != nil {
		f.add("new-email", sentence(err))
	}
	if err := vigil.ValidateDisplayName(strings.TrimSpace(c.DisplayName)); err != nil {
		f.add("new-display-name", sentence(err))
	}
	return f.orNil()
}

// sentence is an error's text as a sentence: capitalised, with a full stop.
func sentence(err error) string {
	s := capitalise(err.Error())
	if s != "" && s[len(s)-1] != '.' {
		s += "."
	}
	return s
}

// capitalise upper-cases the first letter of s (ASCII: the pages' own
// words).
func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// passwordRules explain the policy before a password is chosen: two plain
// lines, then every rule on demand.
type passwordRules struct {
	Lines []string
	All   []string // the policy's own description; none if not given
}

func rulesFor(minLength int, all []string) passwordRules {
	return passwordRules{Lines: []string{
		fmt.Sprintf("At least %d characters. Any characters, spaces included; no need for digits or symbols.", minLength),
		"Not a common or easily guessed password, and not containing your username. A few unrelated words work well.",
	}, All: all}
}
