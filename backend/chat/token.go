package chat

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newToken returns n random bytes, URL-safe base64 encoded.
func newToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: the runtime aborts without randomness
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how tokens are kept: their SHA-256, hex encoded.
func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
