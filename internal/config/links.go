package config

// linkOptions are the settings that make vigil's own links absolute: the
// command line prints a reset link with them (LoadLinks).
var linkOptions = map[string]bool{"public-url": true, "route-prefix": true}

// LoadLinks reads --public-url and --route-prefix alone from serve's
// environment twins (VIGIL_PUBLIC_URL, VIGIL_ROUTE_PREFIX), checked as
// serve checks them, so that a command can print links to the server
// beside it. It returns an *Error naming a bad value.
func LoadLinks(getenv func(string) string) (*Config, error) {
	c, _, err := loadOnly(nil, getenv, linkOptions)
	return c, err
}
