package password

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; production cost is exercised once.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerifyRoundTrip(t *testing.T) {
	enc, err := HashWithParams("correct horse battery staple", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	ok, err := Verify(enc, "correct horse battery staple")
	if err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	ok, err = Verify(enc, "correct horse battery stapl")
	if err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
}

func TestSaltIsRandom(t *testing.T) {
	a, _ := HashWithParams("pw", cheap)
	b, _ := HashWithParams("pw", cheap)
	if a == b {
		t.Fatal("two hashes of the same password are equal")
	}
}

func TestDefaultParams(t *testing.T) {
	enc, err := Hash("secret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	if ok, err := Verify(enc, "secret"); err != nil || !ok {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if NeedsRehash(enc) {
		t.Fatal("default hash needs rehash")
	}
	cheapEnc, _ := HashWithParams("secret", cheap)
	if !NeedsRehash(cheapEnc) {
		t.Fatal("cheap hash does not need rehash")
	}
}

func TestEmptyPassword(t *testing.T) {
	if _, err := HashWithParams("", cheap); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

func TestBadParams(t *testing.T) {
	for _, p := range []Params{
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if _, err := HashWithParams("pw", p); err == nil {
			t.Errorf("HashWithParams(%+v) accepted", p)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	good, _ := HashWithParams("pw", cheap)
	parts := strings.Split(good, "$")
	for _, enc := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1$x$" + parts[5] + "$extra",
		"$argon2id$v=19$m=64,t=1,p=1,q=3$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$AA",
		"$argon2id$v=19$m=64,t=1,p=300$" + parts[4] + "$" + parts[5],
	} {
		ok, err := Verify(enc, "pw")
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", enc, ok, err)
		}
		if !NeedsRehash(enc) {
			t.Errorf("NeedsRehash(%q) = false", enc)
		}
	}
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}
