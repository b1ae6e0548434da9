// Package push sends Web Push notifications (RFC 8030, encrypted per RFC 8291, signed with
// VAPID per RFC 8292) to agents whose app is closed: a chat offered to them and a visitor's
// new message in their chats. The chat service decides when (only while the agent has no
// live connection); this package turns a [Notice] into one encrypted message per
// subscription of the agent and posts it to the browser's push service.
//
// Notices wait in a bounded in-memory queue, not in a database outbox. A push is worth
// something for seconds to minutes (an offer expires in about 30 seconds, and an agent who
// stays away longer than the reconnect window loses their chats to the queue anyway); after
// a restart a stored push would arrive late and wrong, while the chat service re-offers every
// waiting chat, which makes the pushes that matter then. A full queue drops the newest notice
// and counts it ([Sender.Stats]); a push service that is busy (429, 5xx, no answer) is tried
// again with backoff until the notice's TTL has passed.
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
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
)

// The kinds of notice.
const (
	// KindOffer: a chat is offered to the agent.
	KindOffer = "offer"
	// KindMessage: a visitor wrote in one of the agent's chats.
	KindMessage = "message"
)

// Notice is what an agent should hear about.
type Notice struct {
	UserID  int64
	Kind    string // KindOffer or KindMessage
	Chat    string
	Visitor string // the visitor's name, may be empty
	// Text is the preview: the visitor's question or message, or the connector's name.
	Text string
	// Expires is when the notice is stale (an offer's expiry); zero means DefaultMessageTTL
	// after it was queued.
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
	// DefaultMessageTTL is how long a push service keeps a message notice for a browser
	// that is offline.
	DefaultMessageTTL = 5 * time.Minute
	// titleRunes and bodyRunes bound the notification's texts; payloads stay far below the
	// 4 KB a push service takes.
	titleRunes = 80
	bodyRunes  = 160
	// DefaultQueue is how many notices may wait.
	DefaultQueue = 1024
	// attempts bounds the tries of one push.
	attempts = 4
)

// AppPath is where the agent app lives; a notification opens AppPath?chat=ID.
const AppPath = "/agent/"

// Store is what the sender needs from persistence.
type Store interface {
	User(ctx context.Context, id int64) (store.User, error)
	PushSubscriptions(ctx context.Context, userID int64) ([]store.PushSubscription, error)
	DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error
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
	// Queue is how many notices may wait (DefaultQueue when 0).
	Queue int
	// Retry spaces the tries of a push (1 s doubling to 8 s when zero).
	Retry  backoff.Policy
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Stats count what the sender did.
type Stats struct {
	Sent, Failed, Dropped, Removed uint64
}

// Sender delivers notices. Create it with [New], run it with [Sender.Run].
type Sender struct {
	o                              Options
	queue                          chan queued
	sent, failed, dropped, removed atomic.Uint64
	wg                             sync.WaitGroup
}

type queued struct {
	n       Notice
	expires time.Time
}

// New builds a sender.
func New(o Options) *Sender {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Retry.Initial == 0 {
		o.Retry = backoff.Policy{Initial: time.Second, Max: 8 * time.Second, Jitter: 0.2}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Subject == "" {
		o.Subject = "mailto:parley@localhost"
	}
	return &Sender{o: o, queue: make(chan queued, o.Queue)}
}

// PublicKey is the VAPID public key the agent app subscribes with.
func (s *Sender) PublicKey() string { return s.o.Keys.Public }

// Notify queues n without waiting; it reports false when the queue is full and the notice was
// dropped.
func (s *Sender) Notify(n Notice) bool {
	exp := n.Expires
	if exp.IsZero() {
		exp = s.o.Now().Add(DefaultMessageTTL)
	}
	select {
	case s.queue <- queued{n: n, expires: exp}:
		return true
	default:
		s.dropped.Add(1)
		s.o.Logger.Warn("push: queue full, notice dropped", "user", n.UserID, "chat", n.Chat, "kind", n.Kind)
		return false
	}
}

// Stats returns the counts so far.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(), Removed: s.removed.Load()}
}

// Run delivers queued notices with workers goroutines until ctx ends.
func (s *Sender) Run(ctx context.Context, workers int) {
	workers = max(workers, 1)
	for range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case q := <-s.queue:
					s.deliver(ctx, q)
				}
			}
		}()
	}
	s.wg.Wait()
}

// deliver sends q to every subscription of its agent.
func (s *Sender) deliver(ctx context.Context, q queued) {
	subs, err := s.o.Store.PushSubscriptions(ctx, q.n.UserID)
	if err != nil {
		s.o.Logger.Error("push: read subscriptions", "user", q.n.UserID, "err", err)
		return
	}
	if len(subs) == 0 {
		return
	}
	lang := ""
	if u, err := s.o.Store.User(ctx, q.n.UserID); err == nil {
		lang = u.Lang
	}
	body, err := json.Marshal(MakePayload(q.n, lang))
	if err != nil {
		return
	}
	for _, sub := range subs {
		s.send(ctx, q, sub, body)
	}
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

// send posts one push, retrying what a push service may answer later, and forgets a
// subscription the push service no longer knows (404, 410).
func (s *Sender) send(ctx context.Context, q queued, sub store.PushSubscription, body []byte) {
	opts := &webpush.Options{
		HTTPClient:      s.o.Client,
		Subscriber:      strings.TrimPrefix(s.o.Subject, "mailto:"), // the library adds it back
		VAPIDPublicKey:  s.o.Keys.Public,
		VAPIDPrivateKey: s.o.Keys.Private,
		Topic:           Topic(q.n),
		Urgency:         webpush.UrgencyNormal,
	}
	if q.n.Kind == KindOffer {
		opts.Urgency = webpush.UrgencyHigh
	}
	ws := &webpush.Subscription{Endpoint: sub.Endpoint, Keys: webpush.Keys{Auth: sub.Auth, P256dh: sub.P256dh}}
	for try := 0; ; try++ {
		ttl := q.expires.Sub(s.o.Now())
		if ttl <= 0 {
			s.failed.Add(1)
			s.o.Logger.Info("push: notice expired before it could be sent", "user", q.n.UserID, "chat", q.n.Chat)
			return
		}
		opts.TTL = int(ttl.Round(time.Second) / time.Second)
		code, err := post(ctx, body, ws, opts)
		switch {
		case err == nil && code >= 200 && code < 300:
			s.sent.Add(1)
			return
		case code == http.StatusNotFound || code == http.StatusGone:
			s.removed.Add(1)
			s.o.Logger.Info("push: subscription gone, removed", "user", sub.UserID, "status", code)
			if err := s.o.Store.DeletePushSubscription(context.WithoutCancel(ctx), 0, sub.Endpoint); err != nil {
				s.o.Logger.Error("push: remove subscription", "user", sub.UserID, "err", err)
			}
			return
		case err == nil && code != http.StatusTooManyRequests && code < 500:
			// 400, 403 (keys changed), 413: trying again sends the same thing.
			s.failed.Add(1)
			s.o.Logger.Warn("push: refused", "user", sub.UserID, "status", code)
			return
		}
		if try+1 >= attempts {
			s.failed.Add(1)
			s.o.Logger.Warn("push: gave up", "user", sub.UserID, "status", code, "err", err)
			return
		}
		d := s.o.Retry.Delay(try+1, jitter())
		if wait := q.expires.Sub(s.o.Now()); d > wait {
			d = wait
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
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

// jitter is a random draw in [0, 1).
func jitter() float64 {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0.5
	}
	return float64(uint16(b[0])|uint16(b[1])<<8) / (1 << 16)
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
