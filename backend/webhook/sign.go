package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a delivery's signature: "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" with the endpoint's secret>". The time is signed with the body, so that a
// receiver that refuses old times cannot be fed a recorded delivery again.
const SignatureHeader = "Parley-Signature"

// EventIDHeader carries the delivery's idempotency id, the body's "id": the same in every
// attempt and replay of a report.
const EventIDHeader = "Parley-Event-Id"

// Sign returns the signature header's value for body sent at t with secret.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrSignature is what [Verify] returns for a delivery that was not signed with the secret,
// or whose time is outside the tolerance.
var ErrSignature = errors.New("webhook: the signature does not verify")

// Verify checks a signature header against body with secret, as a receiver written in Go
// does: one of its v1 values must be the HMAC of "t.body", and t must lie within tolerance
// of now (a tolerance of 0 does not check the time).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); tolerance > 0 && (d > tolerance || d < -tolerance) {
		return ErrSignature
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
