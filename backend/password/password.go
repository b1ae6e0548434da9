// Package password hashes and verifies login passwords with argon2id.
//
// Hashes are stored in the PHC string format
//
//	$argon2id$v=19$m=65536,t=1,p=2$<salt>$<key>
//
// (salt and key in unpadded standard base64), so every hash carries the
// parameters it was made with: the defaults can be raised later without
// invalidating existing hashes, and NeedsRehash tells a login handler when to
// upgrade one.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformed is returned by Verify when the stored hash is not a PHC-format
// argon2id string this package understands. It signals corrupt or foreign
// data, never a wrong password.
var ErrMalformed = errors.New("password: malformed hash")

// ErrEmpty is returned by Hash for an empty password, which is always a
// caller bug or a form that skipped its validation.
var ErrEmpty = errors.New("password: empty password")

// Params are the argon2id cost parameters. They exist as a type so that tests
// (and a future configuration option) can choose cheaper or dearer settings
// explicitly through HashWithParams, without any package-level state.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes
	Threads uint8  // degree of parallelism
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key
}

// DefaultParams returns the production parameters used by Hash: 64 MiB,
// one pass, two lanes, 16-byte salt, 32-byte key (OWASP's argon2id
// recommendation range). It is a function rather than a variable so nothing
// can change the defaults at run time.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// Bounds accepted when decoding a stored hash, so that a corrupt or hostile
// row cannot make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("password: time %d out of range", p.Time)
	case p.Threads < 1:
		return errors.New("password: threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("password: memory %d KiB out of range", p.Memory)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("password: salt length %d out of range", p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("password: key length %d out of range", p.KeyLen)
	}
	return nil
}

// Hash derives an argon2id hash of pw with DefaultParams and a fresh random
// salt, and returns it in PHC string format for storage.
func Hash(pw string) (string, error) {
	return HashWithParams(pw, DefaultParams())
}

// HashWithParams is Hash with explicit cost parameters. Production code uses
// Hash; tests use this with cheap parameters to stay fast.
func HashWithParams(pw string, p Params) (string, error) {
	if pw == "" {
		return "", ErrEmpty
	}
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether pw matches the encoded hash. The key comparison is
// constant-time. A mismatch is (false, nil); a hash that cannot be decoded
// is (false, ErrMalformed-wrapped error).
func Verify(encoded, pw string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// DefaultParams (or cannot be decoded), so that a login handler can store a
// fresh hash right after a successful Verify.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p != DefaultParams()
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(encoded string) (Params, []byte, []byte, error) {
	var p Params
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformed, parts[2])
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, ErrMalformed
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrMalformed, kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrMalformed, kv)
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("%w: unknown parameter %q", ErrMalformed, k)
		}
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrMalformed)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: key", ErrMalformed)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return p, salt, key, nil
}
