package config

import (
	"unicode"
	"unicode/utf8"

	"github.com/vigilauth/vigil/vigilhttp"
)

// maxBrand is the longest --brand, in characters.
const maxBrand = 64

// identityHeaders reads --identity-headers: remote, or remote,oauth2-proxy
// (vigilhttp.ParseIdentityHeaders).
func identityHeaders(dst *vigilhttp.IdentityHeaders) func(string) []problem {
	return func(s string) []problem {
		h, err := vigilhttp.ParseIdentityHeaders(s)
		if err != nil {
			return fail(s, err.Error())
		}
		*dst = h
		return nil
	}
}

// brand reads --brand, the clinic's name shown in place of "vigil": one
// line of 1 to 64 visible characters and spaces, neither starting nor
// ending with a space, with no control, bidi or other format character
// (vigilhttp.HeaderSafe's rule: a name that could reorder or hide the
// text around it in a title has no place there). The templates escape it.
func brand(dst *string) func(string) []problem {
	return func(s string) []problem {
		switch {
		case s == "":
			return fail(s, "want the clinic's name")
		case !utf8.ValidString(s):
			return fail(s, "not valid UTF-8")
		case utf8.RuneCountInString(s) > maxBrand:
			return fail(s, "at most 64 characters")
		case !vigilhttp.HeaderSafe(s) || hasOddSpace(s):
			return fail(s, "only visible characters and single spaces (no control, bidi or format characters, no space at either end)")
		}
		*dst = s
		return nil
	}
}

// hasOddSpace reports a space other than U+0020 (no-break, ideographic,
// em spaces): a name that looks the same as another but is not.
func hasOddSpace(s string) bool {
	for _, r := range s {
		if r != ' ' && unicode.IsSpace(r) {
			return true
		}
	}
	return false
}
