package vigilhttp

import (
	"context"

	"github.com/vigilauth/vigil"
	"github.com/vigilauth/vigil/auth"
)

type currentKey struct{}

// WithCurrent returns ctx carrying the checked session cur, for handlers
// that check the session themselves (Check) and then call code reading
// CurrentFrom, UserFrom or SessionFrom, or Sessions.Actor.
func WithCurrent(ctx context.Context, cur *auth.Current) context.Context {
	return context.WithValue(ctx, currentKey{}, cur)
}

// CurrentFrom returns the checked session in ctx, or nil.
func CurrentFrom(ctx context.Context) *auth.Current {
	cur, _ := ctx.Value(currentKey{}).(*auth.Current)
	return cur
}

// UserFrom returns the signed-in user in ctx.
func UserFrom(ctx context.Context) (vigil.User, bool) {
	if cur := CurrentFrom(ctx); cur != nil {
		return cur.User, true
	}
	return vigil.User{}, false
}

// SessionFrom returns the session in ctx.
func SessionFrom(ctx context.Context) (vigil.Session, bool) {
	if cur := CurrentFrom(ctx); cur != nil {
		return cur.Session, true
	}
	return vigil.Session{}, false
}

// CSRFToken returns the token that unsafe requests of the session in ctx
// must send in X-CSRF-Token (or a form's csrf_token field), or "".
func CSRFToken(ctx context.Context) string {
	if cur := CurrentFrom(ctx); cur != nil {
		return cur.Token.CSRF()
	}
	return ""
}
