package vigil

// CeremonyStore keeps the server side of WebAuthn ceremonies (passkeys):
// filled in by the passkeys work (SPEC: multi-factor sign-in).
type CeremonyStore interface{}
