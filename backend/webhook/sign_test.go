package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A signature verifies with its secret and body only, and not when its time is too old.
func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"chat.message"}`)
	h := Sign("whsec_a", now, body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") || len(h) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	if err := Verify("whsec_a", h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		secret, header string
		body           []byte
		at             time.Time
	}{
		"other secret":  {"whsec_b", h, body, now},
		"changed body":  {"whsec_a", h, []byte(`{"id":"evt_2","type":"chat.message"}`), now},
		"too old":       {"whsec_a", h, body, now.Add(6 * time.Minute)},
		"from future":   {"whsec_a", h, body, now.Add(-6 * time.Minute)},
		"other time":    {"whsec_a", strings.Replace(h, "t=1800000000", "t=1800000001", 1), body, now},
		"no signature":  {"whsec_a", "t=1800000000", body, now},
		"empty":         {"whsec_a", "", body, now},
		"huge time":     {"whsec_a", "t=99999999999999999999999,v1=00", body, now},
		"NUL in header": {"whsec_a", "t=1800000000\x00,v1=00", body, now},
	} {
		if err := Verify(c.secret, c.header, c.body, c.at, 5*time.Minute); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A receiver rolling its secret accepts either of two signatures.
	two := h + ",v1=" + strings.Repeat("0", 64)
	if err := Verify("whsec_a", two, body, now, 0); err != nil {
		t.Errorf("a second v1 value hides the first: %v", err)
	}
}
