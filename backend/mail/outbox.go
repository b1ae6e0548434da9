// Package mail sends Parley's e-mail: it owns the outbox worker that delivers what the store's
// outbox holds over SMTP with each tenant's settings, the delivery policy (retries with
// backoff, a bound, permanent errors), and the messages Parley writes (chat transcripts).
//
// Durability: a message is written to the outbox (a table) before anything is sent, in the
// same transaction as what caused it, and the caller is answered after that commit. The
// worker claims a due message by counting the attempt and moving its due time past the claim
// period in one conditional update, sends it, then records the outcome. A process killed
// between the claim and the record leaves the message to be tried again when the claim
// lapses: a message the server accepted just before the kill is sent a second time, with the
// same Message-ID (so mail clients that deduplicate show it once). Nothing written is lost;
// at most an attempt is sent twice. Several workers (nodes) may run on one database: the
// conditional claim gives each attempt to one of them.
package mail

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/store"
)

// Store is what the outbox worker reads and writes; *store.Store has it.
type Store interface {
	DueMail(ctx context.Context, now time.Time, limit int) ([]store.OutboxMail, error)
	NextMailDue(ctx context.Context) (time.Time, bool, error)
	ClaimMail(ctx context.Context, m store.OutboxMail, until time.Time) (store.OutboxMail, bool, error)
	MailSent(ctx context.Context, id int64, at time.Time) error
	MailAttemptFailed(ctx context.Context, id int64, errText string, next time.Time, giveUp bool) error
	MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error)
	ComposedMail(ctx context.Context, m store.OutboxMail) (store.OutboxMail, bool, error)
}

// Composer writes the content of a message stored before it had one (store.MailComposing: a
// transcript sent automatically on close); [Transcripts] is one.
type Composer interface {
	Compose(ctx context.Context, m store.OutboxMail) (store.OutboxMail, error)
}

// Sender delivers one message with a tenant's settings; [SMTP] is the real one.
type Sender interface {
	Send(ctx context.Context, set store.MailSettings, m store.OutboxMail) error
}

// Options configure an [Outbox]. Store is required.
type Options struct {
	Store Store
	// Sender delivers (an [SMTP] with defaults when nil).
	Sender Sender
	// Composer writes the messages stored without content; without one their attempts fail
	// (and are retried).
	Composer Composer
	// Retry is the delivery policy ([DefaultRetry] when zero).
	Retry Retry
	// Poll is the longest the worker sleeps without looking at the outbox, so that messages
	// other nodes wrote are seen (1 minute when zero).
	Poll time.Duration
	// Now is the clock (time.Now); Rand draws from [0, 1) to spread retries.
	Now    func() time.Time
	Rand   func() float64
	Logger *slog.Logger
}

// Outbox is the worker that delivers the outbox.
type Outbox struct {
	o Options
	w *outbox.Worker[store.OutboxMail]
}

// NewOutbox returns a worker; start it with Run.
func NewOutbox(o Options) *Outbox {
	if o.Sender == nil {
		o.Sender = SMTP{}
	}
	if o.Retry.MaxAttempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Poll <= 0 {
		o.Poll = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	b := &Outbox{o: o}
	b.w = outbox.New(outbox.Queue[store.OutboxMail]{Name: "mail outbox", Due: o.Store.DueMail, NextDue: o.Store.NextMailDue,
		Attempt: b.attempt, Poll: o.Poll, Now: o.Now, Logger: o.Logger})
	return b
}

// Wake tells the worker that a message was written, so it delivers without waiting for its
// next poll.
func (w *Outbox) Wake() { w.w.Wake() }

// Run delivers due messages until ctx ends, sleeping until the next one is due, a Wake, or
// the poll interval.
func (w *Outbox) Run(ctx context.Context) { w.w.Run(ctx) }

// DeliverDue makes one attempt at every message due now and returns how many it sent.
func (w *Outbox) DeliverDue(ctx context.Context) (sent int, err error) { return w.w.DeliverDue(ctx) }

// attempt claims m and tries to send it; ok is true when it was sent. err is an error of the
// store, not of the delivery (that one is recorded with the message).
func (w *Outbox) attempt(ctx context.Context, m store.OutboxMail) (ok bool, err error) {
	now := w.o.Now()
	m, claimed, err := w.o.Store.ClaimMail(ctx, m, now.Add(w.o.Retry.Claim))
	if err != nil || !claimed {
		return false, err
	}
	var sendErr error
	if m.State == store.MailComposing {
		m, sendErr = w.compose(ctx, m)
		if sendErr == nil && m.ID == 0 {
			return false, nil // composed by another worker meanwhile
		}
	}
	if sendErr == nil {
		sendErr = w.send(ctx, m)
	}
	if sendErr != nil && ctx.Err() != nil {
		// Shutting down mid-attempt: the claim lapses and the message is tried again after the restart.
		return false, ctx.Err()
	}
	// The outcome is recorded even when ctx ends meanwhile, so that an accepted message is
	// not sent again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if sendErr == nil {
		return true, w.o.Store.MailSent(rec, m.ID, w.o.Now())
	}
	next, giveUp := w.o.Retry.After(m.Attempts, Permanent(sendErr), w.o.Now(), w.o.Rand())
	w.o.Logger.Warn("mail not delivered", "id", m.ID, "tenant", m.TenantID, "attempt", m.Attempts, "give_up", giveUp, "err", sendErr)
	return false, w.o.Store.MailAttemptFailed(rec, m.ID, sendErr.Error(), next, giveUp)
}

// compose writes the content of claimed message m and returns it pending, or a zero message
// when another worker composed it first. A failure is the attempt's: it is retried.
func (w *Outbox) compose(ctx context.Context, m store.OutboxMail) (store.OutboxMail, error) {
	if w.o.Composer == nil {
		return m, errors.New("this worker cannot compose the message")
	}
	full, err := w.o.Composer.Compose(ctx, m)
	if err != nil {
		return m, err
	}
	full.ID = m.ID
	c, ok, err := w.o.Store.ComposedMail(ctx, full)
	if err != nil {
		return m, err
	}
	if !ok {
		return store.OutboxMail{}, nil
	}
	c.Attempts = m.Attempts
	return c, nil
}

func (w *Outbox) send(ctx context.Context, m store.OutboxMail) error {
	set, err := w.o.Store.MailSettings(ctx, m.TenantID)
	if err != nil {
		return err
	}
	return w.o.Sender.Send(ctx, set, m)
}
