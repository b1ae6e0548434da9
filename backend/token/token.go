// Package token makes Parley's random tokens and says how the secret ones are kept.
//
// Session tokens, visitor resume tokens, the ids of chats, files and connections and the hashes
// of connectors are all random strings; they are made here, in one way (crypto/rand, URL-safe
// base64 without padding), so that their strength is decided in one place. Secret tokens are
// stored only as their SHA-256 ([Hash]): a copy of the database does not hold usable tokens,
// and because the tokens are long random values a fast hash is enough (passwords, which are
// not, go through package password instead). Tokens are compared in constant time ([Matches],
// [Equal]) so that a comparison's duration tells nothing about how much of a guess was right.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// SecretBytes is the size of a secret token (session, visitor resume, CSRF): 256 random bits,
// beyond any guessing.
const SecretBytes = 32

// New returns n random bytes from crypto/rand, URL-safe base64 without padding: 4 characters
// per 3 bytes (15 bytes give 20 characters). The result can go into URLs, cookies and headers
// as it is.
func New(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails: the runtime aborts if the system cannot supply randomness.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewSecret returns a fresh secret token of [SecretBytes] (43 characters). Keep only its
// [Hash].
func NewSecret() string { return New(SecretBytes) }

// Hash returns the hex SHA-256 of a raw token: the only form in which secret tokens are stored.
func Hash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Matches reports whether raw is the token whose [Hash] is stored as hash, in constant time.
// An empty token matches nothing.
func Matches(raw, hash string) bool {
	return raw != "" && Equal(Hash(raw), hash)
}

// Equal reports whether two tokens are the same, in constant time. An empty token equals
// nothing, so a missing value can never pass for a missing expectation.
func Equal(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
