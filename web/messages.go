package web

import (
	"fmt"
	"time"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

// reasonPasswordSet is the sign-in page's message after a completed reset;
// it is not a session end reason.
const reasonPasswordSet = "password_set"

// reasonDeviceBinding is the sign-in page's message for a request of a
// device-bound session that lacked its bound cookie (not a revocation:
// the session itself is not ended).
const reasonDeviceBinding = "device_binding"

// reasonNotice is what the sign-in page says for ?reason=: why the last
// session ended. Only these fixed messages are shown; any other value is
// ignored, so the parameter cannot put text of an attacker's choosing on
// the page. The role of the user who was signed out is not known any more:
// the message names the policy's duration only when every role has the
// same one (--role-idle-timeout and --role-lifetime can differ by role).
func (p *Pages) reasonNotice(reason string) *notice {
	policy := p.engine.Policy()
	warn := func(s string) *notice { return &notice{Kind: "warning", Text: s} }
	switch vigil.Reason(reason) {
	case vigil.ReasonInactivity:
		if d, ok := sameForAll(policy.IdleTimeout, policy.RoleIdle); ok {
			return warn(fmt.Sprintf("You were signed out after %s of inactivity.", auth.HumanDuration(d)))
		}
		return warn("You were signed out after a period of inactivity.")
	case vigil.ReasonLifetime:
		if d, ok := sameForAll(policy.Lifetime, policy.RoleLifetime); ok {
			return warn(fmt.Sprintf("Your session reached its maximum length of %s, so you were signed out. Please sign in again.", auth.HumanDuration(d)))
		}
		return warn("Your session reached its maximum length, so you were signed out. Please sign in again.")
	case vigil.ReasonPasswordChanged:
		return &notice{Kind: "info", Text: "Your password was changed, so you were signed out everywhere. Sign in with your new password."}
	case vigil.ReasonPasswordReset:
		return warn("Your password was reset, so you were signed out everywhere.")
	case vigil.ReasonRevoked:
		return warn("You were signed out from another device or by an administrator.")
	case vigil.ReasonUserDisabled:
		return warn("You were signed out because this account was disabled. Contact your administrator.")
	case vigil.ReasonSessionLimit:
		return warn("You were signed out because this account signed in on too many devices.")
	case vigil.ReasonLogout:
		return &notice{Kind: "success", Text: "You have signed out."}
	case reasonPasswordSet:
		return &notice{Kind: "success", Text: "Your new password is set. Sign in with it now."}
	case vigil.ReasonDeviceBindingFailed:
		return warn("You were signed out because another device tried to use this session. Sign in again; if it happens again, change your password.")
	case vigil.ReasonDeviceBindingMissing:
		return warn("You were signed out because your browser did not bind the session to this device in time. Sign in again with a browser your organisation manages.")
	case reasonDeviceBinding:
		return warn("This session is bound to another device, or this browser could not prove it holds the session's device key. Sign in again.")
	}
	return nil
}

// sameForAll returns the default duration if no role has another one.
func sameForAll(def time.Duration, byRole map[vigil.Role]time.Duration) (time.Duration, bool) {
	for _, d := range byRole {
		if d != def {
			return 0, false
		}
	}
	return def, true
}

// throttled is the message for a RATE_LIMITED answer: when to try again.
func throttled(e *vigil.Error) string {
	return fmt.Sprintf("Too many attempts. Try again in %s.", waitMinutes(e.RetryAfter))
}
