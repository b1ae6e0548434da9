// Package pushtest is a push service for tests: an HTTP server that takes Web Push messages
// as a browser's push service does, checks their VAPID signature (RFC 8292) and decrypts them
// with the subscription's private key (RFC 8291, aes128gcm of RFC 8188), so that a test sees
// exactly what the browser would show.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Received is one message the service took.
type Received struct {
	// Plain is the decrypted payload.
	Plain []byte
	// TTL, Urgency and Topic are the request's headers.
	TTL     int
	Urgency string
	Topic   string
	// Subject is the VAPID JWT's sub claim; Key the VAPID public key it was checked with.
	Subject string
	Key     string
	// Status is what the service answered.
	Status int
}

// Service is a running push service with one subscription.
type Service struct {
	srv  *httptest.Server
	priv *ecdh.PrivateKey
	auth []byte

	mu       sync.Mutex
	got      []Received
	errs     []error
	statuses []int // answers to give, in order; then refusing, or 201
	refusing int   // the answer while down, 0 when up
	arrived  chan struct{}
}

// New starts a service; Close stops it.
func New() *Service {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	s := &Service{priv: priv, auth: make([]byte, 16), arrived: make(chan struct{}, 1000)}
	_, _ = rand.Read(s.auth)
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Close stops the service.
func (s *Service) Close() { s.srv.Close() }

// Endpoint is the subscription's endpoint.
func (s *Service) Endpoint() string { return s.srv.URL + "/push/sub-1" }

// P256dh and Auth are the subscription's keys as PushSubscription.toJSON() gives them.
func (s *Service) P256dh() string {
	return base64.RawURLEncoding.EncodeToString(s.priv.PublicKey().Bytes())
}

// Auth is the subscription's authentication secret.
func (s *Service) Auth() string { return base64.RawURLEncoding.EncodeToString(s.auth) }

// JSON is the subscription as the browser's PushSubscription.toJSON() gives it.
func (s *Service) JSON() []byte {
	b, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint(), "expirationTime": nil,
		"keys": map[string]string{"p256dh": s.P256dh(), "auth": s.Auth()}})
	return b
}

// Answer makes the service answer the next requests with these statuses.
func (s *Service) Answer(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses = append(s.statuses, statuses...)
}

// Refuse makes the service answer every request with status (503: down for maintenance)
// until Accept.
func (s *Service) Refuse(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing = status
}

// Accept ends Refuse: the service takes messages again.
func (s *Service) Accept() { s.Refuse(0) }

// Received returns the messages decrypted so far, and the errors of the requests that could
// not be checked or decrypted. A request cut off in its body by its sender is neither.
func (s *Service) Received() ([]Received, []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...), append([]error(nil), s.errs...)
}

// Wait waits until n requests have arrived (whatever their outcome), or d has passed.
func (s *Service) Wait(n int, d time.Duration) bool {
	deadline := time.After(d)
	for {
		s.mu.Lock()
		have := len(s.got) + len(s.errs)
		s.mu.Unlock()
		if have >= n {
			return true
		}
		select {
		case <-s.arrived:
		case <-deadline:
			return false
		}
	}
}

func (s *Service) handle(w http.ResponseWriter, r *http.Request) {
	rec, err := s.check(r)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// The sender went away in the middle of its request (a server killed while sending):
		// nothing arrived, as at a real push service, and the sender sends it again. Nobody
		// waits for the answer.
		return
	}
	s.mu.Lock()
	status := http.StatusCreated
	switch {
	case len(s.statuses) > 0:
		status, s.statuses = s.statuses[0], s.statuses[1:]
	case s.refusing != 0:
		status = s.refusing
	}
	if err != nil {
		s.errs = append(s.errs, err)
		status = http.StatusBadRequest
	} else {
		rec.Status = status
		s.got = append(s.got, rec)
	}
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	w.WriteHeader(status)
}

// check verifies the request as a push service does and decrypts its body.
func (s *Service) check(r *http.Request) (Received, error) {
	var rec Received
	if r.Method != http.MethodPost || r.URL.Path != "/push/sub-1" {
		return rec, fmt.Errorf("%s %s: not the subscription's endpoint", r.Method, r.URL.Path)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return rec, fmt.Errorf("Content-Encoding %q, want aes128gcm", ce)
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return rec, fmt.Errorf("TTL %q is not a number of seconds", r.Header.Get("TTL"))
	}
	rec.TTL, rec.Urgency, rec.Topic = ttl, r.Header.Get("Urgency"), r.Header.Get("Topic")
	rec.Subject, rec.Key, err = checkVAPID(r.Header.Get("Authorization"), s.srv.URL)
	if err != nil {
		return rec, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8192))
	if err != nil {
		return rec, err
	}
	rec.Plain, err = s.decrypt(body)
	return rec, err
}

// checkVAPID checks an Authorization header "vapid t=JWT, k=KEY" (RFC 8292): an ES256 JWT
// signed by KEY, for this origin, not expired nor valid for more than 24 hours.
func checkVAPID(h, origin string) (sub, key string, err error) {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return "", "", fmt.Errorf("Authorization %q is not vapid", h)
	}
	var tok string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			tok = v
		case "k":
			key = v
		}
	}
	pubRaw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return "", "", fmt.Errorf("vapid k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pubRaw)
	if err != nil {
		return "", "", fmt.Errorf("vapid k: %w", err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", "", errors.New("vapid t is not a JWT")
	}
	var head struct{ Alg, Typ string }
	if err := decodePart(parts[0], &head); err != nil || head.Alg != "ES256" {
		return "", "", fmt.Errorf("vapid JWT header %+v: %v", head, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", "", errors.New("vapid JWT signature is not 64 bytes")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "", "", errors.New("vapid JWT signature does not verify with k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodePart(parts[1], &claims); err != nil {
		return "", "", fmt.Errorf("vapid JWT claims: %w", err)
	}
	now := time.Now().Unix()
	switch {
	case claims.Aud != origin:
		return "", "", fmt.Errorf("vapid aud %q, want %q", claims.Aud, origin)
	case claims.Exp <= now || claims.Exp > now+24*3600:
		return "", "", fmt.Errorf("vapid exp %d is not within 24 hours of %d", claims.Exp, now)
	case !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:"):
		return "", "", fmt.Errorf("vapid sub %q is not a mailto: or https: address", claims.Sub)
	}
	return claims.Sub, key, nil
}

func decodePart(p string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// decrypt reverses RFC 8291: the header carries the salt, the record size and the
// application server's one-time public key; one record holds the payload, a 0x02 delimiter
// and padding.
func (s *Service) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("body shorter than the aes128gcm header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("keyid of %d bytes, want the 65-byte public key", idlen)
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("keyid: %w", err)
	}
	record := body[21+idlen:]
	if rs < 18 || len(record) > int(rs) {
		return nil, fmt.Errorf("record of %d bytes exceeds the record size %d", len(record), rs)
	}
	secret, err := s.priv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	prkKey, err := hkdf.Extract(sha256.New, secret, s.auth)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(s.priv.PublicKey().Bytes()) + string(asPub.Bytes())
	ikm, err := hkdf.Expand(sha256.New, prkKey, info, 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 || plain[len(plain)-1] != 0x02 {
		return nil, errors.New("the last record lacks its 0x02 delimiter")
	}
	return plain[:len(plain)-1], nil
}
