package store

import (
	"context"
	"errors"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Linking chats to contacts (LinkChat) reads and writes in a transaction of its own, a few
// milliseconds per new chat. The group committer must not wait for that: every durable write
// would queue behind it. So the committer hands committed chats to the linker, a worker owned
// by the Store, and goes on.
//
// The linker's queue is bounded and keyed by chat: a chat queued again before it was linked is
// linked once, in its latest state, and a chat is linked by one goroutine at a time, so the
// last state committed is the last linked. When the queue is full the chat is dropped, counted
// and logged, and a sweep links it later: the sweep reads the chats that have identities but
// no link (and every open chat, whose identities may have changed) and links them. It runs at
// Open, in bounded batches between queued chats, so it also closes the gap a killed process
// leaves (a chat committed, its link not yet written) and backfills chats older than contacts.
//
// A closed chat that is linked already may still wait for its last link: its visitor gave an
// address with the closing write, and that link was lost with the process or the full queue.
// Checking every closed chat at every Open would read the whole history, so the sweep checks
// again the closed chats whose close is recent: at Open, those closed within relinkWindow of
// the newest close in the database (the last moments of the previous process, however long
// ago it stopped); after a drop or failure, those closed within relinkWindow of it. Checking a
// chat whose link is current reads its link and writes nothing.

const (
	// linkQueueLimit is the default number of chats waiting for their link
	// (Config.LinkQueue).
	linkQueueLimit = 4096
	// linkDrain bounds how long Close waits for queued chats to be linked; what is left is
	// linked by the sweep of the next Open.
	linkDrain = 5 * time.Second
	// sweepBatch is the number of chats one sweep step reads and links before the queue has
	// its turn again.
	sweepBatch = 200
	// sweepGap is the least time between the end of one sweep and the start of the next that a
	// dropped or failed link asks for, so that a database that is away is not swept in a loop.
	sweepGap = 10 * time.Second
	// relinkWindow is how long before a lost link (the newest close at Open, a drop or a
	// failure while running) a sweep looks for closed chats whose link may be out of date.
	// Chats wait in the queue for seconds, not hours.
	relinkWindow = time.Hour
)

// LinkStats are counters of the contact linker since Open, for metrics and logs.
type LinkStats struct {
	Queued  int    // chats waiting for their link right now
	Linked  uint64 // chats linked (or found linked already) from the queue or a sweep
	Failed  uint64 // links that failed; the next sweep tries again
	Dropped uint64 // chats not queued because the queue was full; the next sweep links them
	Swept   uint64 // chats a sweep linked
	Sweeps  uint64 // sweeps finished
}

// LinkStats returns the linker's counters.
func (s *Store) LinkStats() LinkStats {
	l := s.lk
	l.mu.Lock()
	queued := len(l.pending)
	l.mu.Unlock()
	return LinkStats{Queued: queued, Linked: l.linked.Load(), Failed: l.failed.Load(), Dropped: l.dropped.Load(),
		Swept: l.swept.Load(), Sweeps: l.sweeps.Load()}
}

// linker owns the queue of chats to link and the goroutine that links them.
type linker struct {
	s     *Store
	limit int

	mu       sync.Mutex
	pending  map[string]Chat // the latest committed state of each queued chat
	order    []string        // queued chat ids, first queued first
	closed   bool
	sweep    bool      // a sweep is wanted
	sweeping bool      // a sweep is under way
	busy     bool      // the worker is linking a chat it took or sweeping a step
	sweptAt  time.Time // when the last sweep ended
	// recheck is the earliest close the next sweep checks again in closed, linked chats
	// (zero: none, unless anchored); anchored asks it to start from the newest close in the
	// database, as the first sweep after Open does.
	recheck  time.Time
	anchored bool
	gap      time.Duration
	wake     chan struct{} // capacity 1: "something was queued, wanted or closed"
	stopped  chan struct{}
	ctx      context.Context // ends when Close gives up waiting
	cancel   context.CancelFunc
	dropWarn time.Time // when a drop was last logged

	linked, failed, dropped, swept, sweeps atomic.Uint64
}

func newLinker(s *Store, limit int) *linker {
	if limit <= 0 {
		limit = linkQueueLimit
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &linker{s: s, limit: limit, pending: map[string]Chat{}, sweep: true, anchored: true, gap: sweepGap,
		wake: make(chan struct{}, 1), stopped: make(chan struct{}), ctx: ctx, cancel: cancel}
	go l.run()
	return l
}

func (l *linker) signal() { poke(l.wake) }

// enqueue queues committed chats for linking and returns at once; the committer calls it. A
// chat already queued is replaced by its newer state; a new chat that does not fit is dropped
// and left to a sweep.
func (l *linker) enqueue(chats []Chat) {
	if len(chats) == 0 {
		return
	}
	dropped := 0
	l.mu.Lock()
	for _, c := range chats {
		if c.Kind != "" || c.TenantID == 0 {
			continue
		}
		c = linkable(c)
		if _, ok := l.pending[c.ID]; ok {
			l.pending[c.ID] = c
			continue
		}
		if l.closed || len(l.pending) >= l.limit {
			dropped++
			continue
		}
		l.pending[c.ID] = c
		l.order = append(l.order, c.ID)
	}
	warn := false
	if dropped > 0 {
		l.wantSweep()
		if t := time.Now(); t.Sub(l.dropWarn) > time.Minute {
			l.dropWarn, warn = t, true
		}
	}
	l.mu.Unlock()
	if dropped > 0 {
		l.dropped.Add(uint64(dropped))
		if warn {
			l.s.log.Warn("store: contact link queue full; the chats are linked by the next sweep", "dropped", dropped, "limit", l.limit)
		}
	}
	l.signal()
}

// wantSweep asks for a sweep that also checks again the chats closed within relinkWindow of
// now; l.mu must be held.
func (l *linker) wantSweep() {
	l.sweep = true
	if from := time.Now().Add(-relinkWindow); l.recheck.IsZero() || from.Before(l.recheck) {
		l.recheck = from
	}
}

// linkable is the part of a chat linking reads, with its own copy of the page data: the
// writer may reuse its maps once its write is acknowledged.
func linkable(c Chat) Chat {
	return Chat{ID: c.ID, TenantID: c.TenantID, ConnectorID: c.ConnectorID, State: c.State, Kind: c.Kind,
		VisitorName: c.VisitorName, VisitorEmail: c.VisitorEmail, VisitorPhone: c.VisitorPhone, CustomerID: c.CustomerID,
		VisitorID: c.VisitorID, PData: maps.Clone(c.PData), CreatedAt: c.CreatedAt}
}

// close stops taking chats and waits until the queued ones are linked or ctx ends, whichever
// is first; then it stops the worker (a link under way is cancelled) and waits for it.
// An unfinished sweep is abandoned: the next Open sweeps again.
func (l *linker) close(ctx context.Context) {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.signal()
	select {
	case <-l.stopped:
	case <-ctx.Done():
		l.cancel()
		<-l.stopped
	}
	l.cancel()
}

// next takes the next queued chat. Without one it reports whether a sweep step is due, and
// how long to wait otherwise. ok is false once the linker is closed and drained.
func (l *linker) next() (c Chat, sweep *sweeper, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.busy = false
	if len(l.order) > 0 {
		id := l.order[0]
		l.order[0] = ""
		l.order = l.order[1:]
		if len(l.order) == 0 {
			l.order = nil
		}
		c = l.pending[id]
		delete(l.pending, id)
		l.busy = true
		return c, nil, 0, true
	}
	if l.closed {
		return Chat{}, nil, 0, false
	}
	if l.sweeping {
		l.busy = true
		return Chat{}, &sweeper{}, 0, true
	}
	if l.sweep {
		if d := l.gap - time.Since(l.sweptAt); !l.sweptAt.IsZero() && d > 0 {
			return Chat{}, nil, d, true
		}
		sw := &sweeper{recheck: l.recheck, anchor: l.anchored}
		l.sweep, l.sweeping, l.busy, l.recheck, l.anchored = false, true, true, time.Time{}, false
		return Chat{}, sw, 0, true
	}
	return Chat{}, nil, -1, true
}

// queued reports whether a chat waits in the queue.
func (l *linker) queued(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.pending[id]
	return ok
}

// run links queued chats one at a time and, when none waits, sweeps in steps. It returns once
// the linker is closed and drained, or Close gave up waiting.
func (l *linker) run() {
	defer close(l.stopped)
	var sw *sweeper
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for l.ctx.Err() == nil {
		c, sweep, wait, ok := l.next()
		switch {
		case !ok:
			return
		case c.ID != "":
			l.link(c)
		case sweep != nil:
			if sw == nil {
				sw = sweep
			}
			if sw.step(l) {
				sw = nil
				l.mu.Lock()
				l.sweeping, l.sweptAt = false, time.Now()
				l.mu.Unlock()
				l.sweeps.Add(1)
			}
		default:
			if wait > 0 {
				timer.Reset(wait)
			}
			select {
			case <-l.wake:
			case <-timer.C:
			case <-l.ctx.Done():
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
	}
}

// link links one chat; a failure is logged and leaves the chat to the next sweep.
func (l *linker) link(c Chat) bool {
	ctx, cancel := context.WithTimeout(l.ctx, writeTimeout)
	err := l.s.LinkChat(ctx, c)
	cancel()
	if err != nil {
		l.failed.Add(1)
		if l.ctx.Err() == nil {
			l.s.log.Error("store: contact of chat", "chat", c.ID, "err", err)
			l.mu.Lock()
			l.wantSweep()
			l.mu.Unlock()
		}
		return false
	}
	l.linked.Add(1)
	return true
}

// sweeper walks the chats in id order, a batch per step, and links those that need it.
type sweeper struct {
	after string // the last chat id read
	// recheck is the earliest close of the closed, linked chats this sweep checks again (zero:
	// none); anchor moves it back to relinkWindow before the newest close in the database.
	recheck time.Time
	anchor  bool
}

// step reads and links one batch; it reports true when the walk is done (or failed: the
// failure asks for another sweep after the gap).
func (sw *sweeper) step(l *linker) bool {
	ctx, cancel := context.WithTimeout(l.ctx, writeTimeout)
	var err error
	if sw.anchor {
		var newest time.Time
		if newest, err = l.s.newestClose(ctx); err == nil {
			sw.anchor = false
			if from := newest.Add(-relinkWindow); !newest.IsZero() && (sw.recheck.IsZero() || from.Before(sw.recheck)) {
				sw.recheck = from
			}
		}
	}
	var chats []Chat
	if err == nil {
		chats, err = l.s.chatsToLink(ctx, sw.after, sw.recheck, sweepBatch)
	}
	cancel()
	if err != nil {
		if l.ctx.Err() == nil && !errors.Is(err, ErrClosed) {
			l.s.log.Warn("store: contact sweep failed; it is tried again later", "err", err)
			l.mu.Lock()
			l.wantSweep()
			if sw.anchor {
				l.anchored = true
			}
			l.mu.Unlock()
		}
		return true
	}
	for _, c := range chats {
		sw.after = c.ID
		if l.ctx.Err() != nil {
			return true
		}
		// A queued chat is linked from the queue, in the state its last write gave it.
		if l.queued(c.ID) {
			continue
		}
		if l.link(c) {
			l.swept.Add(1)
		}
	}
	return len(chats) < sweepBatch
}

// chatsToLink reads, in id order after the given id, up to limit visitor chats that carry
// something to know their visitor by and have no contact link, or are still open (their
// identities may have changed since they were linked), or were closed at recheck or later
// (zero: none of those), whose closing write may not have been linked.
func (s *Store) chatsToLink(ctx context.Context, after string, recheck time.Time, limit int) ([]Chat, error) {
	q := s.r.WithContext(ctx).Model(&chatRow{}).Select("chats.*").
		Joins("LEFT JOIN contact_chats ON contact_chats.chat_id = chats.id").
		Where("chats.id > ? AND chats.kind = '' AND chats.tenant_id <> 0", after)
	if recheck.IsZero() {
		q = q.Where("contact_chats.chat_id IS NULL OR chats.state <> ?", stateClosed)
	} else {
		q = q.Where("contact_chats.chat_id IS NULL OR chats.state <> ? OR chats.closed_at >= ?", stateClosed, recheck.UTC())
	}
	q = q.
		Where("chats.visitor_id <> '' OR chats.visitor_email <> '' OR chats.visitor_phone <> '' OR chats.customer_id <> '' OR " +
			"(chats.pdata IS NOT NULL AND chats.pdata <> '')").
		Order("chats.id").Limit(limit)
	out, err := findChats(q)
	return out, wrap("chats to link", err)
}

// newestClose is the latest close of any chat, zero when none is closed.
func (s *Store) newestClose(ctx context.Context) (time.Time, error) {
	var at []time.Time
	err := s.r.WithContext(ctx).Model(&chatRow{}).Where("state = ? AND closed_at IS NOT NULL", stateClosed).
		Order("closed_at DESC").Limit(1).Pluck("closed_at", &at).Error
	if err != nil || len(at) == 0 {
		return time.Time{}, wrap("newest close", err)
	}
	return at[0], nil
}
