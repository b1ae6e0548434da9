package retention

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Store is what the worker needs of the database; *store.Store implements it.
type Store interface {
	RetentionPolicies(ctx context.Context) ([]store.RetentionPolicy, error)
	PurgeExpiredChats(ctx context.Context, q store.ExpiredChats) (store.Purged, error)
	PurgeAudit(ctx context.Context, tenantID int64, before time.Time, limit int) (int, error)
	PurgeOrphanContacts(ctx context.Context, tenantID int64, before time.Time, limit int) (int, error)
	PurgeDeliveryLogs(ctx context.Context, tenantID int64, before time.Time, limit int) (int, error)
	CompactSearchIndex(ctx context.Context) error
}

// Options configure a Worker. Zero values take the defaults named.
type Options struct {
	Store Store
	// Clock tells the time; nil means time.Now. Tests pass a fixed time.
	Clock func() time.Time
	// Interval is the time between rounds (1 hour).
	Interval time.Duration
	// Jitter spreads rounds: the first waits up to Jitter, each later one Interval plus or
	// minus half of it (10 minutes), so that servers started together do not purge together.
	Jitter time.Duration
	// Batch is the most chats or audit entries one transaction deletes (50: about 35 ms of
	// the SQLite writer for chats of ten lines and a file, see store.BenchmarkPurgeBatch).
	Batch int
	// Pause is the rest between two batches (50 ms), which gives chats the database's
	// writer; negative means none.
	Pause  time.Duration
	Logger *slog.Logger
}

// Stats are the worker's totals since it started, for /metrics.
type Stats struct {
	Rounds       int64
	Failures     int64
	Chats        int64
	LeftMessages int64
	Messages     int64
	Files        int64
	FileBytes    int64
	Outbox       int64
	Contacts     int64
	AuditEntries int64
	// Deliveries counts the deliveries deleted with their chats; DeliveryLogs the finished
	// deliveries aged out of the logs.
	Deliveries   int64
	DeliveryLogs int64
	// LastRound is when the last round ended (zero before the first).
	LastRound time.Time
}

// Worker deletes expired data on a schedule; see the package comment.
type Worker struct {
	o     Options
	mu    sync.Mutex
	stats Stats
}

// New returns a worker with o's defaults filled in; Run starts its schedule.
func New(o Options) *Worker {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = time.Hour
	}
	if o.Jitter <= 0 {
		o.Jitter = 10 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Pause == 0 {
		o.Pause = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Worker{o: o}
}

// Stats returns the totals so far.
func (w *Worker) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Run runs rounds until ctx ends: the first after a random part of Jitter, then every
// Interval, jittered.
func (w *Worker) Run(ctx context.Context) {
	wait := time.Duration(rand.Int64N(int64(w.o.Jitter)))
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if _, err := w.Round(ctx); err != nil && ctx.Err() == nil {
			w.o.Logger.Warn("retention: round failed; the rest is tried in the next round", "err", err)
		}
		wait = w.o.Interval - w.o.Jitter/2 + time.Duration(rand.Int64N(int64(w.o.Jitter)))
	}
}

// Round deletes everything the tenants' policies have expired at the clock's time, batch by
// batch, and returns what it deleted. A failing task is logged and counted, and the round
// goes on with the next; the error returned is the first failure.
func (w *Worker) Round(ctx context.Context) (Stats, error) {
	policies, err := w.o.Store.RetentionPolicies(ctx)
	if err != nil {
		w.count(Stats{Failures: 1})
		return Stats{}, err
	}
	var total Stats
	var first error
	for _, task := range Plan(policies, w.o.Clock()) {
		got, err := w.purge(ctx, task)
		total = add(total, got)
		if err != nil {
			total.Failures++
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
			w.o.Logger.Warn("retention: deleting failed", "tenant", task.TenantID, "kind", task.Kind, "err", err)
		}
	}
	if total.Messages > 0 {
		if err := w.o.Store.CompactSearchIndex(ctx); err != nil {
			total.Failures++
			if first == nil {
				first = err
			}
			w.o.Logger.Warn("retention: compacting the search index failed", "err", err)
		}
	}
	total.Rounds, total.LastRound = 1, w.o.Clock()
	w.count(total)
	if total.Chats+total.LeftMessages+total.Contacts+total.AuditEntries+total.DeliveryLogs > 0 {
		w.o.Logger.Info("retention: expired data deleted", "chats", total.Chats, "left_messages", total.LeftMessages,
			"files", total.Files, "contacts", total.Contacts, "audit_entries", total.AuditEntries, "delivery_logs", total.DeliveryLogs)
	}
	return total, first
}

// purge deletes one task's data, a batch at a time, until a batch comes back short.
func (w *Worker) purge(ctx context.Context, task Task) (Stats, error) {
	var st Stats
	for {
		var n int
		switch task.Kind {
		case Chats, LeftMessages:
			p, err := w.o.Store.PurgeExpiredChats(ctx, store.ExpiredChats{TenantID: task.TenantID, LeftMessages: task.Kind == LeftMessages,
				ClosedBefore: task.Before, Limit: w.o.Batch})
			if err != nil {
				return st, err
			}
			n = p.Chats
			if task.Kind == Chats {
				st.Chats += int64(p.Chats)
			} else {
				st.LeftMessages += int64(p.Chats)
			}
			st.Messages += int64(p.Messages)
			st.Files += int64(p.Files)
			st.FileBytes += p.FileBytes
			st.Outbox += int64(p.Outbox)
			st.Deliveries += int64(p.Deliveries)
		case Contacts:
			var err error
			if n, err = w.o.Store.PurgeOrphanContacts(ctx, task.TenantID, task.Before, w.o.Batch); err != nil {
				return st, err
			}
			st.Contacts += int64(n)
		case AuditEntries:
			var err error
			if n, err = w.o.Store.PurgeAudit(ctx, task.TenantID, task.Before, w.o.Batch); err != nil {
				return st, err
			}
			st.AuditEntries += int64(n)
		case DeliveryLogs:
			var err error
			if n, err = w.o.Store.PurgeDeliveryLogs(ctx, task.TenantID, task.Before, w.o.Batch); err != nil {
				return st, err
			}
			st.DeliveryLogs += int64(n)
		}
		if n < w.o.Batch {
			return st, nil
		}
		if err := w.rest(ctx); err != nil {
			return st, err
		}
	}
}

// rest pauses between batches.
func (w *Worker) rest(ctx context.Context) error {
	if w.o.Pause < 0 {
		return ctx.Err()
	}
	t := time.NewTimer(w.o.Pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (w *Worker) count(s Stats) {
	w.mu.Lock()
	defer w.mu.Unlock()
	last := w.stats.LastRound
	w.stats = add(w.stats, s)
	if s.LastRound.IsZero() {
		w.stats.LastRound = last
	}
}

func add(a, b Stats) Stats {
	return Stats{Rounds: a.Rounds + b.Rounds, Failures: a.Failures + b.Failures, Chats: a.Chats + b.Chats, LeftMessages: a.LeftMessages + b.LeftMessages,
		Messages: a.Messages + b.Messages, Files: a.Files + b.Files, FileBytes: a.FileBytes + b.FileBytes, Outbox: a.Outbox + b.Outbox,
		Contacts: a.Contacts + b.Contacts, AuditEntries: a.AuditEntries + b.AuditEntries, Deliveries: a.Deliveries + b.Deliveries,
		DeliveryLogs: a.DeliveryLogs + b.DeliveryLogs, LastRound: b.LastRound}
}
