package main

import (
	"github.com/vigilauth/vigil/auth"
	"github.com/vigilauth/vigil/internal/config"
	"github.com/vigilauth/vigil/mfa"
)

// secondFactors is the engine's second-factor settings: the keyring of
// --secret-key-file (none without it: no authenticator app can be
// enrolled) and the roles of --require-mfa. A key file that cannot be
// used stops the start, naming the path and what is wrong with it.
func secondFactors(cfg *config.Config) (auth.MFA, error) {
	m := auth.MFA{Required: cfg.RequireMFA}
	if cfg.SecretKeyFile == "" {
		return m, nil
	}
	k, err := mfa.LoadKeyring(cfg.SecretKeyFile)
	if err != nil {
		return m, err
	}
	m.Keyring = k
	return m, nil
}
