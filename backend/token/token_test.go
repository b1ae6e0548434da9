package token

import (
	"regexp"
	"testing"
)

func TestNew(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
	for n, want := range map[int]int{0: 0, 1: 2, 9: 12, 12: 16, 15: 20, SecretBytes: 43} {
		got := New(n)
		if len(got) != want || !urlSafe.MatchString(got) {
			t.Errorf("New(%d) = %q: %d characters, want %d URL-safe ones", n, got, len(got), want)
		}
	}
	if len(NewSecret()) != 43 {
		t.Errorf("secret %q", NewSecret())
	}
	seen := map[string]bool{}
	for range 10_000 {
		s := New(9)
		if seen[s] {
			t.Fatalf("%q made twice", s)
		}
		seen[s] = true
	}
}

func TestHashAndCompare(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := Hash("abc"); got != abc {
		t.Fatalf("Hash(abc) = %s", got)
	}
	raw := NewSecret()
	for _, tc := range []struct {
		raw, hash string
		want      bool
	}{
		{raw, Hash(raw), true},
		{raw + "x", Hash(raw), false},
		{raw, raw, false},
		{"", Hash(""), false},
		{raw, "", false},
	} {
		if got := Matches(tc.raw, tc.hash); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v", tc.raw, tc.hash, got)
		}
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"abc", "abc", true}, {"abc", "abd", false}, {"abc", "abcd", false}, {"", "", false}, {"a", "", false}} {
		if got := Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
