// Package outbox runs the workers of Parley's durable outboxes — e-mail (package mail) and
// webhooks (package webhook) — and holds their retry policy. An outbox is a table whose rows
// are written in the same transaction as what caused them and delivered afterwards; the
// worker here only schedules: it asks its queue for what is due, has the queue attempt each
// item (claim, deliver, record the outcome), and sleeps until the next item is due, a Wake,
// or the poll interval, whichever is first.
package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/backoff"
)

// Queue is one outbox as its worker sees it.
type Queue[T any] struct {
	// Name names the outbox in the log.
	Name string
	// Due lists up to limit items due at now, the longest due first.
	Due func(ctx context.Context, now time.Time, limit int) ([]T, error)
	// NextDue is when the earliest pending item is due; ok is false when none is.
	NextDue func(ctx context.Context) (at time.Time, ok bool, err error)
	// Attempt claims and delivers one item and records the outcome; ok is true when it was
	// delivered. err is an error of the store, which ends the pass.
	Attempt func(ctx context.Context, item T) (ok bool, err error)
	// Poll is the longest the worker sleeps without looking, so that items other nodes wrote
	// are seen.
	Poll time.Duration
	// Now is the clock.
	Now    func() time.Time
	Logger *slog.Logger
}

// Worker delivers one outbox.
type Worker[T any] struct {
	q    Queue[T]
	wake chan struct{}
	mu   sync.Mutex // one delivery pass at a time
}

// batch is how many due items one pass reads at a time.
const batch = 50

// New returns a worker for q; start it with Run.
func New[T any](q Queue[T]) *Worker[T] {
	if q.Now == nil {
		q.Now = time.Now
	}
	if q.Logger == nil {
		q.Logger = slog.Default()
	}
	return &Worker[T]{q: q, wake: make(chan struct{}, 1)}
}

// Wake tells the worker that items were written, so it delivers without waiting for its next
// poll.
func (w *Worker[T]) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx ends.
func (w *Worker[T]) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
		if _, err := w.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			w.q.Logger.Error(w.q.Name, "err", err)
		}
		wait := w.q.Poll
		if at, ok, err := w.q.NextDue(ctx); err == nil && ok {
			wait = min(max(at.Sub(w.q.Now()), 10*time.Millisecond), w.q.Poll)
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(wait)
	}
}

// DeliverDue makes one attempt at every item due now and returns how many were delivered.
func (w *Worker[T]) DeliverDue(ctx context.Context) (delivered int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		due, err := w.q.Due(ctx, w.q.Now(), batch)
		if err != nil {
			return delivered, err
		}
		for _, it := range due {
			ok, err := w.q.Attempt(ctx, it)
			if err != nil {
				return delivered, err
			}
			if ok {
				delivered++
			}
		}
		if len(due) < batch {
			return delivered, nil
		}
	}
}

// Retry is a delivery policy: how long to wait after a failed attempt, after how many
// attempts to give up, and how long one attempt holds its item. It is pure: the caller
// passes the clock's time and the random draw, so the schedule is tested exactly.
type Retry struct {
	// Backoff spaces the attempts out.
	Backoff backoff.Policy
	// MaxAttempts bounds the attempts of one item; the last failure is kept with it.
	MaxAttempts int
	// Claim is how long an attempt holds its item: a worker that dies mid-attempt (kill -9
	// between delivering and recording) leaves the item due again after Claim.
	Claim time.Duration
}

// After decides what follows attempt number attempt (1 for the first) that failed at now:
// the time of the next attempt, or giveUp when the failure is permanent or the attempts are
// used up. draw is a random number in [0, 1) that spreads retries (0 waits the whole delay).
func (r Retry) After(attempt int, permanent bool, now time.Time, draw float64) (next time.Time, giveUp bool) {
	if permanent || attempt >= r.MaxAttempts {
		return now, true
	}
	return now.Add(r.Backoff.Delay(attempt, draw)), false
}
