// Package push sends Web Push notifications (RFC 8030, encrypted per RFC 8291, signed with
// VAPID per RFC 8292) to agents whose app is closed: a chat offered to them and a visitor's
// new message in their chats. The chat service decides when (only while the agent has no
// live connection); this package turns a [Notice] into one encrypted message per
// subscription of the agent and posts it to the browser's push service.
//
// Durability: a notice goes through the store's push outbox (one row per subscription), so
// that a restart, even kill -9, loses no push that is still worth sending. The chat service
// writes the notices in the same group-commit transaction as the visitor's message that
// causes them (store.Write.Pushes), so an acknowledged message has its pushes stored; it then
// wakes the sender ([Sender.Wake]). Workers (package outbox) claim each stored push for an
// attempt, retry a busy push service (429, 5xx, no answer) with backoff, and record every
// outcome, which is the delivery log of the admin pages. A push is worth something only
// until its TTL (an offer's expiry, five minutes for a message): one whose TTL passed before
// it could be sent — a push service down for long, a server down meanwhile — is marked
// expired and never sent late and wrong. A push the push service took just before a crash,
// whose outcome was not recorded yet, is sent again once its claim lapses: the browser shows
// it once, as it replaces a notification of the same tag.
package push

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
)

// The kinds of notice.
const (
	// KindOffer: a chat is offered to the agent.
	KindOffer = "offer"
	// KindMessage: a visitor wrote in one of the agent's chats.
	KindMessage = "message"
	// KindTest: an administrator tests their own browser from the admin pages.
	KindTest = store.PushKindTest
)

// Notice is what an agent should hear about, as a notification shows it.
type Notice struct {
	UserID  int64
	Kind    string // KindOffer or KindMessage
	Chat    string
	Visitor string // the visitor's name, may be empty
	// Text is the preview: the visitor's question or message, or the connector's name.
	Text string
	// Expires is when the notice is stale (an offer's expiry).
	Expires time.Time
}

// Payload is the JSON the service worker receives and shows: one notification per chat
// (Tag), replacing the older one, that opens the app on the chat (Path) when clicked.
type Payload struct {
	Kind  string `json:"kind"`
	Chat  string `json:"chat"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Tag   string `json:"tag"`
	Path  string `json:"path"`
	Lang  string `json:"lang,omitempty"`
}

// The bounds of a notice.
const (
	// DefaultMessageTTL is how long a message notice is worth sending, and how long a push
	// service keeps it for a browser that is offline.
	DefaultMessageTTL = 5 * time.Minute
	// TestTTL is how long a test push from the admin pages is worth sending.
	TestTTL = 2 * time.Minute
	// titleRunes and bodyRunes bound the notification's texts; payloads stay far below the
	// 4 KB a push service takes.
	titleRunes = 80
	bodyRunes  = 160
)

// DefaultRetry tries a push again after 2 s, doubling to at most 30 s, ten times, but never
// past its TTL; an attempt holds its push for 30 s, well past the client's timeout.
var DefaultRetry = outbox.Retry{
	Backoff:     backoff.Policy{Initial: 2 * time.Second, Max: 30 * time.Second, Jitter: 0.2},
	MaxAttempts: 10,
	Claim:       30 * time.Second,
}

// AppPath is where the agent app lives; a notification opens AppPath?chat=ID.
const AppPath = "/agent/"

// Store is what the sender needs from persistence; *store.Store has it.
type Store interface {
	User(ctx context.Context, id int64) (store.User, error)
	DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error
	DuePushes(ctx context.Context, now time.Time, limit int) ([]store.PushDelivery, error)
	NextPushDue(ctx context.Context) (time.Time, bool, error)
	ClaimPush(ctx context.Context, d store.PushDelivery, until time.Time) (store.PushDelivery, bool, error)
	PushAttempted(ctx context.Context, id int64, at time.Time, a store.PushAttempt) error
}

// Options configure a [Sender].
type Options struct {
	Store Store
	Keys  store.VAPIDKeys
	// Subject is the VAPID "sub" claim, a mailto: or https: address push services may use to
	// reach the operator.
	Subject string
	// Client posts to push services; nil is a client with a 10 s timeout.
	Client *http.Client
	// Retry is the delivery policy ([DefaultRetry] when MaxAttempts is 0).
	Retry outbox.Retry
	// Poll is the longest a worker sleeps without looking for due pushes, so that pushes
	// other nodes wrote are seen (5 seconds when zero).
	Poll   time.Duration
	Logger *slog.Logger
	// Now is the clock (time.Now when nil); Rand draws from [0, 1) to spread retries.
	Now  func() time.Time
	Rand func() float64
}

// Stats count what the sender did: Sent, Failed, Removed (subscription gone) and Expired
// count attempts' outcomes.
type Stats struct {
	Sent, Failed, Removed, Expired uint64
}

// Sender delivers the pushes of the outbox. Create it with [New], run it with [Sender.Run].
type Sender struct {
	o                              Options
	workers                        []*outbox.Worker[store.PushDelivery]
	wmu                            sync.Mutex
	sent, failed, removed, expired atomic.Uint64
}

// New builds a sender.
func New(o Options) *Sender {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Retry.MaxAttempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = mrand.Float64
	}
	if o.Subject == "" {
		o.Subject = "mailto:parley@localhost"
	}
	return &Sender{o: o}
}

// PublicKey is the VAPID public key the agent app subscribes with.
func (s *Sender) PublicKey() string { return s.o.Keys.Public }

// Stats returns the counts so far.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Failed: s.failed.Load(), Removed: s.removed.Load(), Expired: s.expired.Load()}
}

// Wake tells the workers that pushes were written (with a chat's events, a test, a replay),
// so they deliver without waiting for their next poll.
func (s *Sender) Wake() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for _, w := range s.workers {
		w.Wake()
	}
}

// Run delivers due pushes with workers workers until ctx ends. Several workers share the
// outbox as several nodes do: each claim goes to one of them.
func (s *Sender) Run(ctx context.Context, workers int) {
	workers = max(workers, 1)
	var wg sync.WaitGroup
	s.wmu.Lock()
	for range workers {
		w := outbox.New(outbox.Queue[store.PushDelivery]{Name: "web push", Due: s.o.Store.DuePushes, NextDue: s.o.Store.NextPushDue,
			Attempt: s.attempt, Poll: s.o.Poll, Now: s.o.Now, Logger: s.o.Logger})
		s.workers = append(s.workers, w)
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	s.wmu.Unlock()
	wg.Wait()
}

// MakePayload is what the notification of n shows, in lang (the agent's language setting;
// empty is English).
func MakePayload(n Notice, lang string) Payload {
	t := catalog.For(catalog.Match(lang))
	visitor := strings.TrimSpace(n.Visitor)
	if visitor == "" {
		visitor = t.T("a visitor")
	}
	p := Payload{Kind: n.Kind, Chat: n.Chat, Body: clip(strings.TrimSpace(n.Text), bodyRunes), Lang: t.Lang(),
		Path: AppPath + "?chat=" + n.Chat}
	switch n.Kind {
	case KindOffer:
		p.Title, p.Tag = t.T("Chat request from {0}", visitor), "offer-"+n.Chat
	case KindTest:
		p.Title, p.Body = catalog.TestNotification(t)
		p.Tag, p.Path = "test", AppPath
	default:
		p.Title, p.Tag = visitor, "chat-"+n.Chat
	}
	p.Title = clip(p.Title, titleRunes)
	return p
}

// clip shortens s to n runes, ending in an ellipsis when cut, and drops NUL and invalid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// attempt claims d and posts it once, then records the outcome; ok is true when it was
// sent. err is an error of the store, which ends the worker's pass.
func (s *Sender) attempt(ctx context.Context, d store.PushDelivery) (ok bool, err error) {
	d, claimed, err := s.o.Store.ClaimPush(ctx, d, s.o.Now().Add(s.o.Retry.Claim))
	if err != nil || !claimed {
		return false, err
	}
	// The outcome is recorded even when ctx ends meanwhile, so that a sent push is not sent
	// again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.o.Now()
	switch {
	case d.Subscription.ID == 0:
		s.removed.Add(1)
		return false, s.o.Store.PushAttempted(rec, d.ID, now, store.PushAttempt{State: store.PushGone, Err: "the subscription was removed"})
	case !d.ExpiresAt.After(now):
		s.expired.Add(1)
		return false, s.o.Store.PushAttempted(rec, d.ID, now, store.PushAttempt{State: store.PushExpired, Err: d.LastError, ResponseCode: d.ResponseCode})
	}
	lang := ""
	if u, err := s.o.Store.User(ctx, d.UserID); err == nil {
		lang = u.Lang
	}
	n := Notice{UserID: d.UserID, Kind: d.Kind, Chat: d.ChatID, Visitor: d.Visitor, Text: d.Preview, Expires: d.ExpiresAt}
	body, err := json.Marshal(MakePayload(n, lang))
	if err != nil {
		return false, err
	}
	opts := &webpush.Options{
		HTTPClient:      s.o.Client,
		Subscriber:      strings.TrimPrefix(s.o.Subject, "mailto:"), // the library adds it back
		VAPIDPublicKey:  s.o.Keys.Public,
		VAPIDPrivateKey: s.o.Keys.Private,
		Topic:           Topic(n),
		Urgency:         webpush.UrgencyNormal,
		TTL:             max(int(d.ExpiresAt.Sub(now).Round(time.Second)/time.Second), 1),
	}
	if n.Kind == KindOffer {
		opts.Urgency = webpush.UrgencyHigh
	}
	sub := d.Subscription
	ws := &webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh}}
	code, perr := post(ctx, body, ws, opts)
	if perr != nil && ctx.Err() != nil {
		// Shutting down mid-attempt: the claim lapses and the push is tried again after the
		// restart, if still within its TTL.
		return false, ctx.Err()
	}
	now = s.o.Now()
	a := store.PushAttempt{ResponseCode: code}
	switch {
	case perr == nil && code >= 200 && code < 300:
		s.sent.Add(1)
		a.State = store.PushSent
	case perr == nil && (code == http.StatusNotFound || code == http.StatusGone):
		// The push service forgot the subscription: remove it, so that no later push tries it.
		s.removed.Add(1)
		a.State, a.Err = store.PushGone, fmt.Sprintf("the push service answered %d: the subscription is gone and was removed", code)
		if err := s.o.Store.DeletePushSubscription(rec, 0, sub.Endpoint); err != nil {
			return false, err
		}
	case perr == nil && code != http.StatusTooManyRequests && code < 500:
		// 400, 403 (keys changed), 413: trying again sends the same thing.
		s.failed.Add(1)
		a.State, a.Err = store.PushFailed, fmt.Sprintf("the push service refused it with %d", code)
	default:
		a.Err = fmt.Sprintf("the push service answered %d", code)
		if perr != nil {
			a.Err = perr.Error()
		}
		next, giveUp := s.o.Retry.After(d.Attempts, false, now, s.o.Rand())
		if giveUp {
			s.failed.Add(1)
			a.State = store.PushFailed
		} else {
			// Due again at its TTL's end at the latest, where it is marked expired.
			a.State, a.Next = store.PushPending, minTime(next, d.ExpiresAt)
		}
		s.o.Logger.Warn("push not delivered", "id", d.ID, "user", d.UserID, "attempt", d.Attempts, "state", a.State, "err", a.Err)
	}
	return a.State == store.PushSent, s.o.Store.PushAttempted(rec, d.ID, now, a)
}

// minTime is the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// post sends one encrypted message; code is the push service's status (0 without answer).
func post(ctx context.Context, body []byte, sub *webpush.Subscription, opts *webpush.Options) (int, error) {
	resp, err := webpush.SendNotificationWithContext(ctx, body, sub, opts)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// Topic names n's notification for the push service, so that a newer push of the same chat
// replaces one still waiting for the browser: at most 32 base64url characters (RFC 8030).
func Topic(n Notice) string {
	sum := sha256.Sum256([]byte(n.Kind + "\x00" + n.Chat))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:32]
}

// GenerateKeys makes a VAPID key pair.
func GenerateKeys() (store.VAPIDKeys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return store.VAPIDKeys{}, fmt.Errorf("push: generate vapid keys: %w", err)
	}
	return store.VAPIDKeys{Public: base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(k.Bytes())}, nil
}

// CheckKeys reports whether k is a usable pair: a P-256 private key and its public key.
func CheckKeys(k store.VAPIDKeys) error {
	priv, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.Private, "="))
	pub, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.Public, "="))
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("push: the VAPID keys are not base64url: %w", err)
	}
	key, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return fmt.Errorf("push: the VAPID private key is not a P-256 key: %w", err)
	}
	if !bytes.Equal(key.PublicKey().Bytes(), pub) {
		return errors.New("push: the VAPID public key does not belong to the private key")
	}
	return nil
}
