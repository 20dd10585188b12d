// Package mfa holds the second factors' own logic, apart from any store
// or HTTP: RFC 6238 one-time codes (totp.go), the QR code that carries a
// new TOTP secret to an authenticator app (qr.go), recovery codes
// (recovery.go), and the encryption at rest of TOTP secrets with the keys
// of --secret-key-file (seal.go). Their records are kept through
// vigil.FactorStore; the sign-in flow that uses them is package auth's.
package mfa
