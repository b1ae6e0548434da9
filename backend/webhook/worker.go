// Package webhook delivers a tenant's webhooks: signed JSON posts of the chat events its
// endpoints subscribed to (package hookevent says which events and what they carry).
//
// Durability: a delivery is written by the store in the same transaction as the chat event
// it reports, so an event that happened is reported and one that did not is not. The worker
// claims a due delivery by counting the attempt and moving its due time past the claim period
// in one conditional update, posts it, then records the outcome. A process killed between
// the claim and the record leaves the delivery to be tried again when the claim lapses: a
// receiver may get a report twice, always with the same idempotency id (the body's "id", the
// Parley-Event-Id header), never not at all. Several nodes may run workers on one database:
// the conditional claim gives each attempt to one of them.
//
// Safety: endpoints may not point at the server's own networks unless the operator allows
// it (see [egress.ErrForbiddenAddress]); redirects are not followed; an attempt is bounded in time
// and in the answer read.
package webhook

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/store"
)

// Store is what the worker reads and writes; *store.Store has it.
type Store interface {
	DueWebhooks(ctx context.Context, now time.Time, limit int) ([]store.WebhookDelivery, error)
	NextWebhookDue(ctx context.Context) (time.Time, bool, error)
	ClaimWebhook(ctx context.Context, d store.WebhookDelivery, until time.Time) (store.WebhookDelivery, bool, error)
	WebhookAttempted(ctx context.Context, id int64, at time.Time, a store.WebhookAttempt) error
}

// Options configure a [Worker]. Store is required.
type Options struct {
	Store Store
	// AllowPrivate lets endpoints reach loopback and private addresses.
	AllowPrivate bool
	// Timeout bounds one attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// Retry is the delivery policy ([DefaultRetry] when zero).
	Retry outbox.Retry
	// Poll is the longest the worker sleeps without looking for due deliveries, so that
	// deliveries other nodes wrote are seen (10 seconds when zero).
	Poll time.Duration
	// Now is the clock (time.Now); Rand draws from [0, 1) to spread retries.
	Now    func() time.Time
	Rand   func() float64
	Logger *slog.Logger
}

// Worker delivers due webhooks.
type Worker struct {
	o      Options
	client *Client
	w      *outbox.Worker[store.WebhookDelivery]
}

// NewWorker returns a worker; start it with Run.
func NewWorker(o Options) *Worker {
	if o.Retry.MaxAttempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
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
	// The client signs with the wall clock, which receivers compare the signature's time with.
	w := &Worker{o: o, client: NewClient(o.AllowPrivate, o.Timeout)}
	w.w = outbox.New(outbox.Queue[store.WebhookDelivery]{Name: "webhooks", Due: o.Store.DueWebhooks, NextDue: o.Store.NextWebhookDue,
		Attempt: w.attempt, Poll: o.Poll, Now: o.Now, Logger: o.Logger})
	return w
}

// AllowPrivate reports whether endpoints may reach private and loopback addresses.
func (w *Worker) AllowPrivate() bool { return w.o.AllowPrivate }

// Wake tells the worker that deliveries were written, so it delivers without waiting for
// its next poll.
func (w *Worker) Wake() { w.w.Wake() }

// Run delivers due deliveries until ctx ends, sleeping until the next is due, a Wake, or
// the poll interval.
func (w *Worker) Run(ctx context.Context) { w.w.Run(ctx) }

// DeliverDue makes one attempt at every delivery due now and returns how many succeeded.
func (w *Worker) DeliverDue(ctx context.Context) (delivered int, err error) {
	return w.w.DeliverDue(ctx)
}

// attempt claims d and posts it; ok is true when it was delivered. err is an error of the
// store, not of the delivery (that one is recorded with the delivery).
func (w *Worker) attempt(ctx context.Context, d store.WebhookDelivery) (ok bool, err error) {
	d, claimed, err := w.o.Store.ClaimWebhook(ctx, d, w.o.Now().Add(w.o.Retry.Claim))
	if err != nil || !claimed {
		return false, err
	}
	res := w.client.Deliver(ctx, d)
	if res.Err != nil && ctx.Err() != nil {
		// Shutting down mid-attempt: the claim lapses and the delivery is tried again after the restart.
		return false, ctx.Err()
	}
	// The outcome is recorded even when ctx ends meanwhile, so that a delivered report is
	// not sent again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	a := store.WebhookAttempt{ResponseCode: res.Code, Latency: res.Latency}
	if res.Err != nil {
		a.Err = res.Err.Error()
		a.Next, a.GiveUp = w.o.Retry.After(d.Attempts, Permanent(res.Err), w.o.Now(), w.o.Rand())
		w.o.Logger.Warn("webhook not delivered", "id", d.ID, "tenant", d.TenantID, "endpoint", d.EndpointID, "attempt", d.Attempts,
			"give_up", a.GiveUp, "err", res.Err)
	}
	return res.Err == nil, w.o.Store.WebhookAttempted(rec, d.ID, w.o.Now(), a)
}
