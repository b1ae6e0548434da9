package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"github.com/parleychat/parley/backend/changes"
)

// namer is gorm's default naming, which the store's rows use.
var namer = schema.NamingStrategy{}

// Write is one durable change to a chat, applied atomically within one
// group-commit transaction: an event of the replay log, and optionally the
// message it announces, the chat row in its new state and a participant
// change. Any of the parts may be nil; they are applied in the order chat,
// participant, message, event.
//
// The store numbers the events: in the transaction that writes them it
// raises the chat's counters and gives each event the next Seq (and, unless
// it is agents-only, the next VisitorSeq), in enqueue order. A transaction
// that fails takes its numbers back with it, so a chat's sequences have no
// holes whatever fails. After done(nil) the Event (and its Message) hold the
// numbers they got.
type Write struct {
	// Event is appended to the chat's replay log.
	Event *Event
	// Message is stored with the Event's chat and Seq; it needs the Event.
	Message *Message
	// Chat is written as a whole row (insert or replace), e.g. on creation
	// or a state change; its LastSeq and LastVisitorSeq are the store's and
	// are not written from here.
	Chat *Chat
	// Participant records someone's part in the chat. It is keyed by chat,
	// user, role and JoinedAt: the first write inserts it, later ones (the
	// same person leaving) update its name and LeftAt. Its ID is not used.
	Participant *Participant
	// Mail is written to the e-mail outbox in the same transaction (a group's notice of a
	// message a visitor left), so that what caused it and the message are kept together.
	Mail *OutboxMail
	// Pushes are Web Push notices written to the push outbox in the same transaction (the
	// agents to tell of a visitor's message, an offer), each as its If decides there: an
	// acknowledged message has its pushes stored, even when the server dies the moment after.
	// A write may carry pushes alone.
	Pushes []PushNotice
	// Limit, with a new Chat, makes its creation conditional on the tenant's open chat
	// limits, counted in the transaction that writes it over every node's chats: a chat
	// past a limit writes nothing, and its unit fails with an [*OpenChatLimitError].
	Limit *OpenChatLimit
}

const (
	// maxBatchWrites caps the writes gathered into one transaction.
	maxBatchWrites = 256
	// highWater is the default number of queued writes above which
	// [Store.WaitRoom] makes senders wait (Config.QueueLimit). Enqueue itself
	// never blocks: callers hold a chat's lock while they enqueue, and a
	// committer that waited for one of them would deadlock.
	highWater = 4096
	// writeTimeout bounds one commit transaction.
	writeTimeout = 15 * time.Second
	// maxRetryWait is the longest pause between two attempts at a batch that
	// failed for a reason that may pass (a lost connection, a busy database).
	maxRetryWait = time.Second
)

// Enqueue queues w for the group committer and returns at once; it never
// blocks, so it may be called while holding a lock the committer's callbacks
// take. Senders that can wait (a client's command) call [Store.WaitRoom]
// first, before taking any lock, so that the queue stays bounded.
//
// done (may be nil) is called with the outcome after the transaction holding
// w has committed (on SQLite: and the write-ahead log is on disk) or failed
// for good, from one goroutine (the store's finisher),
// in enqueue order, so callers can acknowledge and fan out in order. A failure
// that may pass (a lost connection, a busy database) is retried until it
// succeeds or the store shuts down; done sees only lasting failures. If the
// store is closed, done is called at once, in the caller's goroutine, with
// ErrClosed.
//
// Enqueue normalises the write in the caller's goroutine before queueing
// it: zero timestamps (Event.At, Message.At, Chat.CreatedAt,
// Participant.JoinedAt) become the current time and all times become UTC at
// microsecond precision, so what the caller publishes equals what a later
// read returns. After that the store reads the structs until done is called;
// the caller must not change them meanwhile.
//
// done must be quick and must not call Commit or Close: the committer waits
// for it. It may call Enqueue.
func (s *Store) Enqueue(w Write, done func(error)) {
	normalizeWrite(&w, now())
	if err := s.gc.enqueue(commitItem{ws: []Write{w}, done: done}); err != nil && done != nil {
		done(wrap("enqueue", err))
	}
}

// EnqueueAll is [Store.Enqueue] for several writes applied all or none, such as the first
// events of a new chat together with its row.
func (s *Store) EnqueueAll(done func(error), ws ...Write) {
	t := now()
	own := make([]Write, len(ws))
	for i, w := range ws {
		normalizeWrite(&w, t)
		own[i] = w
	}
	if err := s.gc.enqueue(commitItem{ws: own, done: done}); err != nil && done != nil {
		done(wrap("enqueue", err))
	}
}

// EnqueueFenced is [Store.EnqueueAll] for the writes that carry out a decision of the
// routing leader of term (an assignment, a requeue, a close): they are written only while
// term is still the leader term in the database, checked in the transaction that writes
// them. A decision of a leader deposed meanwhile writes nothing, and done gets
// [ErrStaleTerm]. Term 0 (a single node's own engine) is not fenced.
//
// Why this is safe: a takeover raises the term with an UPDATE of the cluster_leader row
// ([Store.ClaimLeadership]); the fenced transaction reads that row FOR SHARE before writing,
// which conflicts with the UPDATE. So either the fenced transaction takes the row lock first
// and the takeover waits until it has committed (the new leader, which rebuilds its queue from
// the database after its term is raised, then sees the write), or the takeover's UPDATE comes
// first and the fenced transaction waits for it and reads the new term (READ COMMITTED reads
// the newest committed row after the wait), refusing the write. No order lets a deposed term's
// write land after the new leader read the database.
func (s *Store) EnqueueFenced(term int64, done func(error), ws ...Write) {
	t := now()
	own := make([]Write, len(ws))
	for i, w := range ws {
		normalizeWrite(&w, t)
		own[i] = w
	}
	if err := s.gc.enqueue(commitItem{ws: own, done: done, term: term}); err != nil && done != nil {
		done(wrap("enqueue", err))
	}
}

// WaitRoom waits until the commit queue is below its high-water mark, so
// that a sender that can wait (a client's command) does not grow it without
// bound while the database is slow or away. It returns ctx's error when ctx
// ends first and ErrClosed once the store is closed. Call it without
// holding locks.
func (s *Store) WaitRoom(ctx context.Context) error { return s.gc.waitRoom(ctx) }

// HasRoom says, without waiting, whether the commit queue is below its high-water mark (and
// the store open): a sender that finds room need not set up a wait for it, which at the
// message rate's ceiling was a timer made and stopped for every message.
func (s *Store) HasRoom() bool {
	c := s.gc
	c.mu.Lock()
	room, closed := c.room, c.closed
	c.mu.Unlock()
	return !closed && isClosed(room)
}

// Commit queues the writes as one unit and waits until they are committed.
// Unlike separate Enqueue calls, the writes of one Commit are applied all
// or none. If ctx ends first, Commit returns ctx.Err(); the writes may still
// be committed later.
func (s *Store) Commit(ctx context.Context, ws ...Write) error {
	if len(ws) == 0 {
		return nil
	}
	if err := s.gc.waitRoom(ctx); err != nil {
		return wrap("commit", err)
	}
	t := now()
	own := make([]Write, len(ws))
	for i, w := range ws {
		normalizeWrite(&w, t)
		own[i] = w
	}
	result := make(chan error, 1)
	if err := s.gc.enqueue(commitItem{ws: own, done: func(err error) { result <- err }}); err != nil {
		return wrap("commit", err)
	}
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sync waits until every write queued before it is committed (or failed for good), so that
// a reader that follows sees what was acknowledged or is about to be: a transcript asked for
// a moment after an agent accepted names the agent. It returns ctx's error when ctx ends
// first and ErrClosed once the store is closed.
func (s *Store) Sync(ctx context.Context) error {
	result := make(chan error, 1)
	if err := s.gc.enqueue(commitItem{done: func(error) { result <- nil }}); err != nil {
		return wrap("sync", err)
	}
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CommitStats are counters of the group committer since Open, for metrics
// (messages per second, commit latency, batch sizes).
type CommitStats struct {
	Batches    uint64        // transactions attempted, not counting retries
	Writes     uint64        // writes committed
	Failed     uint64        // writes whose done got an error
	Retried    uint64        // batches that failed and were retried one unit at a time
	Attempts   uint64        // further attempts at a batch (or at finding out its outcome) after a failure that may pass
	Fenced     uint64        // writes refused as a deposed routing leader's (ErrStaleTerm)
	Single     uint64        // transactions written as one statement (PostgreSQL, onestatement.go)
	CommitTime time.Duration // total time spent committing (divide by Batches for the mean)
	Queued     int           // writes waiting in the queue right now
}

// CommitStats returns the group committer's counters.
func (s *Store) CommitStats() CommitStats {
	c := s.gc
	c.mu.Lock()
	queued := c.queued
	c.mu.Unlock()
	return CommitStats{
		Batches:    c.batches.Load(),
		Writes:     c.writes.Load(),
		Failed:     c.failed.Load(),
		Retried:    c.retried.Load(),
		Attempts:   c.attempts.Load(),
		Fenced:     c.fenced.Load(),
		Single:     c.single.Load(),
		CommitTime: time.Duration(c.commitNanos.Load()),
		Queued:     queued,
	}
}

// commitItem is one unit of the queue: writes applied all or none, and the
// callback that learns the outcome.
type commitItem struct {
	ws   []Write
	done func(error)
	// term fences the writes: they are written only while it is the routing leader term
	// ([Store.EnqueueFenced]); 0 does not fence.
	term int64
}

// committer owns the queue and the goroutine that drains it.
type committer struct {
	s         *Store
	window    time.Duration
	highWater int
	log       *slog.Logger

	mu     sync.Mutex
	queue  []commitItem // FIFO; the committer takes from the front
	queued int          // writes in queue
	closed bool
	// room is closed while queued is below highWater; above it, a new open
	// channel makes WaitRoom wait.
	room chan struct{}
	wake chan struct{} // capacity 1: "something was queued or closed"
	// abort is closed when a shutdown's deadline passes: batches stop being
	// retried and fail with ErrClosed.
	abort     chan struct{}
	abortOnce sync.Once
	stopped   chan struct{}
	// fin finishes the committed batches on a goroutine of its own, in commit order, while
	// the committer writes the next ones; on SQLite it first makes them durable (finisher.go).
	fin *finisher

	// twoStep holds chats whose writes need the transaction rather than one statement (their
	// tenant has webhooks, they are WhatsApp chats): only the committer's goroutine uses it.
	twoStep map[string]struct{}

	batches, writes, failed, retried, attempts, fenced, single, commitNanos atomic.Uint64
}

func newCommitter(s *Store, window time.Duration, limit int, log *slog.Logger) *committer {
	if limit <= 0 {
		limit = highWater
	}
	c := &committer{
		s:         s,
		window:    window,
		highWater: limit,
		log:       log,
		room:      make(chan struct{}),
		wake:      make(chan struct{}, 1),
		abort:     make(chan struct{}),
		stopped:   make(chan struct{}),
		twoStep:   map[string]struct{}{},
	}
	close(c.room)
	wal := ""
	if s.syncsWAL() {
		wal = s.sqlitePath + "-wal"
	}
	c.fin = newFinisher(c, wal)
	go c.run()
	return c
}

func (c *committer) signal() { poke(c.wake) }

// poke tells the goroutine waiting on wake (a channel of capacity 1) that there is something to
// do, without blocking: a signal already pending says the same.
func poke(wake chan struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

func (c *committer) enqueue(it commitItem) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.queue = append(c.queue, it)
	c.queued += len(it.ws)
	if c.queued >= c.highWater && isClosed(c.room) {
		c.room = make(chan struct{})
	}
	c.mu.Unlock()
	c.signal()
	return nil
}

func (c *committer) waitRoom(ctx context.Context) error {
	c.mu.Lock()
	room, closed := c.room, c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	select {
	case <-room:
		return nil
	case <-c.stopped:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// close refuses new writes, lets the committer drain what is queued and
// waits for it to stop. When ctx ends first, batches still failing are no
// longer retried: they fail with ErrClosed, and close returns once the
// committer has called every callback.
func (c *committer) close(ctx context.Context) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.signal()
	select {
	case <-c.stopped:
		return
	case <-ctx.Done():
	}
	c.abortOnce.Do(func() { close(c.abort) })
	<-c.stopped
}

// gatherGaps divides the window into the longest pause between two arrivals
// that gathering waits out: writers in lock-step (acknowledged together, each
// sending its next at once) arrive within it, while writers whose messages
// come apart are not held for the whole window.
const gatherGaps = 8

// next waits for queued units and takes a batch of them: at least one, then
// whatever arrives within the window while fewer than expect are there (see
// run) and each comes within window/gatherGaps of the one before, up to
// maxBatchWrites writes. It returns nil once the queue is closed
// and empty.
func (c *committer) next(expect int, timer *time.Timer) []commitItem {
	c.mu.Lock()
	for len(c.queue) == 0 {
		if c.closed {
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
		<-c.wake
		c.mu.Lock()
	}
	if c.window > 0 && expect > 1 && len(c.queue) < expect && !c.closed {
		deadline := time.Now().Add(c.window)
		for len(c.queue) < expect && c.queued < maxBatchWrites && !c.closed {
			wait := min(time.Until(deadline), c.window/gatherGaps)
			if wait <= 0 {
				break
			}
			timer.Reset(wait)
			c.mu.Unlock()
			woken := false
			select {
			case <-c.wake:
				woken = true
			case <-timer.C:
			}
			timer.Stop() // a timer stopped or reset sends nothing stale (Go 1.23)
			c.mu.Lock()
			if !woken {
				break
			}
		}
	}
	n, k := 0, 0
	for k < len(c.queue) && (k == 0 || n+len(c.queue[k].ws) <= maxBatchWrites) {
		n += len(c.queue[k].ws)
		k++
	}
	batch := slices.Clone(c.queue[:k])
	clear(c.queue[:k]) // drop references to the callers' structs
	c.queue = c.queue[k:]
	if len(c.queue) == 0 {
		c.queue = nil
	}
	c.queued -= n
	if c.queued < c.highWater && !isClosed(c.room) {
		close(c.room)
	}
	c.mu.Unlock()
	return batch
}

// run gathers writes: it waits for the first, then takes whatever arrives
// within the window (or until maxBatchWrites), commits them together, calls
// their callbacks, and starts over. It returns once the queue is closed and
// empty.
//
// The window adapts to the load. The number of units in the previous batch
// estimates how many writers are active; gathering stops as soon as that
// many have arrived (anything else already queued is taken too), or when
// none arrived for a gap of window/gatherGaps, and the full window is waited
// only while they keep coming. So a lone writer is committed at once, writers
// in lock-step are committed as soon as all have arrived, writers whose
// messages come at their own times (an open loop) wait one gap at most, and
// only a drop in load among lock-step writers costs a window. Writes that arrive during a
// commit queue up and form the next batch in any case.
func (c *committer) run() {
	defer close(c.stopped)
	defer c.fin.close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	expect := 1
	for {
		batch := c.next(expect, timer)
		if batch == nil {
			return
		}
		c.flush(batch)
		expect = len(batch)
	}
}

// flush commits a batch in one transaction; if that fails for good, it
// commits each unit in its own transaction so that one bad write cannot fail
// the others. Then it hands the batch to the finisher, which finishes it (see
// finish) while the committer goes on with the next batch: on SQLite once the
// write-ahead log is on disk.
func (c *committer) flush(batch []commitItem) {
	start := time.Now()
	out := synced{batch: batch, errs: make([]error, len(batch))}
	valid := make([]int, 0, len(batch))
	for i := range batch {
		if err := validateUnit(batch[i].ws); err != nil {
			out.errs[i] = wrap("commit", err)
			continue
		}
		valid = append(valid, i)
	}
	if len(valid) > 0 {
		units := make([]*commitItem, len(valid))
		for k, i := range valid {
			units[k] = &batch[i]
		}
		res, err := c.apply(units)
		switch {
		case err == nil:
			out.res = append(out.res, res)
		case len(units) == 1 || errors.Is(err, ErrClosed):
			for _, i := range valid {
				out.errs[i] = wrap("commit", err)
			}
		default:
			c.retried.Add(1)
			c.log.Warn("store: group commit failed, retrying writes one by one", "units", len(units), "err", err)
			for k, u := range units {
				res, err := c.apply([]*commitItem{u})
				if err == nil {
					out.res = append(out.res, res)
				}
				out.errs[valid[k]] = wrap("commit", err)
			}
		}
		c.batches.Add(1)
		c.s.ckpt.committed()
	}
	c.commitNanos.Add(uint64(time.Since(start)))
	c.fin.in <- out
}

// finish tells the world of a committed batch, in commit order: it hands the assigned
// numbers to the writes and publishes the events, queues the new chats for contact linking
// and calls the callbacks.
func (c *committer) finish(out synced) {
	for _, res := range out.res {
		res.publish(c.s.pub, &c.s.outboxWrites)
	}
	batch, errs := out.batch, out.errs
	// Linking the chats to their contacts takes reads and a transaction of its own: the
	// linker does it on its goroutine, and the committer goes on with the next batch. The
	// chats are queued before anyone hears of the commit, so an acknowledged chat is one the
	// linker knows of.
	c.s.lk.enqueue(committedChats(batch, errs))
	for i := range batch {
		if errors.Is(errs[i], ErrStaleTerm) {
			c.fenced.Add(uint64(len(batch[i].ws)))
			c.log.Warn("store: a deposed routing leader's decision was not written", "term", batch[i].term, "writes", len(batch[i].ws), "err", errs[i])
		}
		if errs[i] != nil {
			c.failed.Add(uint64(len(batch[i].ws)))
		} else {
			c.writes.Add(uint64(len(batch[i].ws)))
		}
		if done := batch[i].done; done != nil {
			done(errs[i])
		}
	}
}

// apply commits units in one transaction, trying again after failures that
// may pass, until it succeeds, fails for good, or a shutdown gives up
// (ErrClosed); SQLite's I/O errors are tried diskAttempts times. When a
// commit's outcome is unknown (the connection broke during COMMIT), it asks
// the database whether the transaction landed before trying again, so nothing
// is written twice.
func (c *committer) apply(units []*commitItem) (*applied, error) {
	for attempt := 0; ; attempt++ {
		res, err := c.s.applyUnits(units)
		if err == nil {
			return res, nil
		}
		var unknown *outcomeUnknown
		if errors.As(err, &unknown) {
			landed, cerr := c.landed(res)
			if cerr == nil && landed {
				return res, nil
			}
			if cerr != nil {
				return nil, cerr
			}
		} else if !transient(err) {
			return nil, err
		}
		if diskError(err) && attempt+1 >= diskAttempts {
			return nil, err
		}
		if attempt == 0 || attempt%20 == 0 {
			c.log.Warn("store: commit failed, retrying", "attempt", attempt+1, "units", len(units), "err", err)
		}
		c.attempts.Add(1)
		if !c.pause(attempt) {
			return nil, fmt.Errorf("%w: gave up retrying at shutdown: %w", ErrClosed, err)
		}
	}
}

// landed finds out whether a transaction whose COMMIT broke off was applied,
// by looking for its first event (or, without events, its first push; a
// one-statement write's by what its event holds, landedOneStatement),
// retrying the question while the database is unreachable. A transaction
// without either is idempotent to repeat.
func (c *committer) landed(res *applied) (bool, error) {
	var ask func(db *gorm.DB) (bool, error)
	switch {
	case res.relative:
		ask = func(db *gorm.DB) (bool, error) { return c.s.landedOneStatement(db, res) }
	case len(res.events) > 0:
		probe := res.events[0].row
		ask = func(db *gorm.DB) (bool, error) {
			if c.s.dialect == DialectPostgres {
				// The server may still be committing when the question arrives on another
				// connection (a warm pool answers at once): the transaction's numbering holds the
				// chat row's lock until it has ended, so waiting for that lock waits for the outcome.
				if err := db.Exec("SELECT 1 FROM chats WHERE id = ? FOR SHARE", probe.ChatID).Error; err != nil {
					return false, err
				}
			}
			var n int64
			err := db.Table("chat_events").Where("chat_id = ? AND seq = ? AND type = ? AND at = ?", probe.ChatID, probe.Seq, probe.Type, probe.At).
				Count(&n).Error
			return n > 0, err
		}
	case res.push != nil:
		// Pushes alone (an offer's) hold no lock to wait on: a commit still under way reads
		// as not landed, and its push is written twice, which the browser shows once (its tag).
		probe := *res.push
		ask = func(db *gorm.DB) (bool, error) {
			var n int64
			err := db.Model(&pushDeliveryRow{}).Where("id = ? AND user_id = ? AND created_at = ?", probe.ID, probe.UserID, probe.CreatedAt).
				Count(&n).Error
			return n > 0, err
		}
	default:
		return false, nil
	}
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		ok, err := ask(c.s.w.WithContext(ctx))
		cancel()
		if err == nil {
			return ok, nil
		}
		if diskError(err) && attempt+1 >= diskAttempts {
			return false, err
		}
		if attempt == 0 || attempt%20 == 0 {
			c.log.Warn("store: could not find out whether a commit landed, asking again", "attempt", attempt+1, "err", err)
		}
		c.attempts.Add(1)
		if !c.pause(attempt) {
			return false, fmt.Errorf("%w: gave up at shutdown: %w", ErrClosed, err)
		}
	}
}

// pause waits before the next attempt, growing from 10 ms to maxRetryWait;
// it reports false when a shutdown gave up on retries.
func (c *committer) pause(attempt int) bool {
	d := min(10*time.Millisecond<<min(attempt, 10), maxRetryWait)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.abort:
		return false
	}
}

// normalizeWrite fills zero timestamps with t and brings all times to the
// stored form.
func normalizeWrite(w *Write, t time.Time) {
	stamp := func(v time.Time) time.Time {
		if v.IsZero() {
			return t
		}
		return normTime(v)
	}
	if e := w.Event; e != nil {
		e.At = stamp(e.At)
	}
	if m := w.Message; m != nil {
		if m.At.IsZero() && w.Event != nil {
			m.At = w.Event.At
		}
		m.At = stamp(m.At)
	}
	if ch := w.Chat; ch != nil {
		ch.CreatedAt = stamp(ch.CreatedAt)
		ch.AcceptedAt = normTimePtr(ch.AcceptedAt)
		ch.FirstReplyAt = normTimePtr(ch.FirstReplyAt)
		ch.ClosedAt = normTimePtr(ch.ClosedAt)
	}
	if p := w.Participant; p != nil {
		p.JoinedAt = stamp(p.JoinedAt)
		p.LeftAt = normTimePtr(p.LeftAt)
	}
}

// validateUnit rejects writes that cannot be right before they reach the
// database, so they fail alone without costing the batch a retry: missing
// keys, and text no database may hold (NUL, invalid UTF-8), which
// PostgreSQL refuses.
func validateUnit(ws []Write) error {
	for _, w := range ws {
		if e := w.Event; e != nil {
			switch {
			case e.ChatID == "":
				return invalid("event without chat id")
			case e.Type == "":
				return invalid("event without type")
			}
			if err := storable("event", e.Type, string(e.Data)); err != nil {
				return err
			}
		}
		if m := w.Message; m != nil {
			switch {
			case w.Event == nil:
				return invalid("message without its event")
			case m.ChatID != "" && m.ChatID != w.Event.ChatID:
				return invalid("message and event differ in chat")
			}
			if err := storable("message", m.Role, m.Name, m.Text, m.ClientID); err != nil {
				return err
			}
		}
		if ch := w.Chat; ch != nil {
			switch {
			case ch.ID == "":
				return invalid("chat without id")
			case ch.State == "":
				return invalid("chat without state")
			}
			if err := storable("chat", ch.ID, ch.State, ch.VisitorName, ch.VisitorEmail, ch.VisitorPhone, ch.CustomerID,
				ch.Lang, ch.VisitorTokenHash, ch.Page, ch.Referrer, ch.UserAgent, ch.IP, ch.CloseCause); err != nil {
				return err
			}
			for _, m := range []map[string]string{ch.PData, ch.UData, ch.Fields} {
				for k, v := range m {
					if err := storable("chat", k, v); err != nil {
						return err
					}
				}
			}
		}
		if m := w.Mail; m != nil {
			if err := m.Validate(); err != nil {
				return err
			}
		}
		for _, n := range w.Pushes {
			if n.UserID == 0 || n.Kind == "" {
				return invalid("push without user or kind")
			}
		}
		if p := w.Participant; p != nil {
			if p.ChatID == "" || p.Role == "" {
				return invalid("participant without chat id or role")
			}
			if err := storable("participant", p.Role, p.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// storable checks that text can be stored in both databases.
func storable(what string, texts ...string) error {
	for _, s := range texts {
		if strings.IndexByte(s, 0) >= 0 {
			return invalid("%s text contains NUL (U+0000)", what)
		}
		if !utf8.ValidString(s) {
			return invalid("%s text is not valid UTF-8", what)
		}
	}
	return nil
}

// applied is what a transaction did, kept until it is known to have
// committed: then the numbers and ids it assigned are given to the callers'
// structs.
type applied struct {
	events []numbered
	// push is the first push the transaction wrote, nil when none.
	push *pushDeliveryRow
	// wrote says which delivery outboxes the transaction added to.
	wrote [outboxes]bool
	// relative says the events' numbers are still counted from their chat's counters
	// before the transaction, and their tenant unknown: a one-statement write's whose outcome
	// is unknown (onestatement.go). backend is the PostgreSQL process that ran it, which
	// landed ends before it looks for the write.
	relative bool
	backend  uint32
}

// Outbox names a delivery outbox the group commit writes to beside a chat's events.
type Outbox int

// The outboxes [Store.OutboxWrites] counts.
const (
	OutboxWebhooks Outbox = iota // webhook deliveries
	OutboxWhatsApp               // lines for WhatsApp
	OutboxExports                // report exports of closed chats
	outboxes
)

// OutboxWrites is the number of committed group-commit transactions that added to outbox o,
// so that its worker is woken by the chat events of a commit that gave it work, not by every
// one: each wake costs the worker its queries. The count is raised before the events are
// published.
func (s *Store) OutboxWrites(o Outbox) uint64 { return s.outboxWrites[o].Load() }

type numbered struct {
	ev     *Event
	msg    *Message
	row    eventRow
	tenant int64
	// hooks and whatsapp are the numbering's answers for the event's chat (see seqCount).
	hooks, whatsapp bool
}

// publish hands the assigned numbers and ids to the writes, counts the outboxes
// written to in written, and announces the committed events on pub (may be nil),
// in commit order.
func (a *applied) publish(pub Publisher, written *[outboxes]atomic.Uint64) {
	if a == nil {
		return
	}
	for o, w := range a.wrote {
		if w {
			written[o].Add(1)
		}
	}
	for _, n := range a.events {
		n.ev.Seq, n.ev.VisitorSeq, n.ev.AgentsOnly = n.row.Seq, n.row.VisitorSeq, n.row.VisitorSeq == 0
		if n.msg != nil {
			n.msg.ChatID, n.msg.Seq = n.row.ChatID, n.row.Seq
		}
		if pub != nil {
			pub.PublishChat(changes.ChatEvent{ChatID: n.row.ChatID, TenantID: n.tenant, Seq: n.row.Seq, VisitorSeq: n.row.VisitorSeq,
				Type: n.row.Type, Data: n.ev.Data, At: n.ev.At})
		}
	}
}

// outcomeUnknown is a COMMIT that broke off: the transaction may or may not
// have been applied.
type outcomeUnknown struct{ err error }

func (e *outcomeUnknown) Error() string { return "commit outcome unknown: " + e.err.Error() }
func (e *outcomeUnknown) Unwrap() error { return e.err }

// chatUpdateColumns are the chat columns a whole-row write replaces: all but
// the key and the sequence counters, which only the numbering statement
// changes.
var chatUpdateColumns = func() []string {
	var cols []string
	t := reflect.TypeOf(chatRow{})
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem() != reflect.TypeOf(time.Time{}) {
			continue // a relation, not a column
		}
		switch f.Name {
		case "ID", "LastSeq", "LastVisitorSeq":
			continue
		}
		cols = append(cols, columnName(f))
	}
	return cols
}()

// columnName is the column gorm maps a field to.
func columnName(f reflect.StructField) string {
	for _, part := range strings.Split(f.Tag.Get("gorm"), ";") {
		if name, ok := strings.CutPrefix(part, "column:"); ok {
			return name
		}
	}
	return namer.ColumnName("", f.Name)
}

// fence refuses the transaction with [ErrStaleTerm] when a unit carries a routing term that is
// no longer the leader term (see [Store.EnqueueFenced] for why reading it FOR SHARE here
// suffices). Only PostgreSQL has leaders.
func (s *Store) fence(tx *gorm.DB, units []*commitItem) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	var cur int64
	read := false
	for _, u := range units {
		if u.term == 0 {
			continue
		}
		if !read {
			if err := tx.Raw(`SELECT term FROM cluster_leader WHERE id = 1 FOR SHARE`).Scan(&cur).Error; err != nil {
				return err
			}
			read = true
		}
		if u.term != cur {
			return fmt.Errorf("%w (term %d, current %d)", ErrStaleTerm, u.term, cur)
		}
	}
	return nil
}

// applyUnits writes the units in one transaction, with one multi-row
// statement per table where it can, and numbers their events. The returned
// result is valid when the error is nil or an *outcomeUnknown.
func (s *Store) applyUnits(units []*commitItem) (*applied, error) {
	res := &applied{}
	if !hasWork(units) {
		return res, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()

	var (
		chats     []chatRow
		chatIndex = map[string]int{}
		counts    = map[string]*seqCount{}
		order     []string
	)
	for _, u := range units {
		for _, w := range u.ws {
			if w.Chat != nil {
				row, err := chatToRow(w.Chat)
				if err != nil {
					return nil, err
				}
				row.LastSeq, row.LastVisitorSeq = 0, 0
				// The same chat twice in a batch: the later state wins (a
				// multi-row upsert may not touch a row twice).
				if i, ok := chatIndex[row.ID]; ok {
					chats[i] = row
				} else {
					chatIndex[row.ID] = len(chats)
					chats = append(chats, row)
				}
			}
			if e := w.Event; e != nil {
				n := counts[e.ChatID]
				if n == nil {
					n = &seqCount{}
					counts[e.ChatID] = n
					order = append(order, e.ChatID)
				}
				n.all++
				if !e.AgentsOnly {
					n.visitor++
				}
			}
		}
	}

	notices := duePushes(units)
	if s.oneStatementFits(units, order, chats, notices) {
		one, ok, err := s.applyOneStatement(ctx, units, order, counts)
		if ok || err != nil {
			return one, err
		}
		// A chat's tenant has a webhook endpoint or a chat is a WhatsApp chat (or does not
		// exist): the transaction below writes their outboxes too (or fails).
	}

	var tx *gorm.DB
	if s.syncsWAL() && !s.bulk.Load() {
		// The finisher makes the commit durable (finisher.go).
		relaxed, end, err := s.relaxedTx(ctx)
		if err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
		defer end()
		tx = relaxed
	} else if tx = s.w.WithContext(ctx).Begin(); tx.Error != nil {
		return nil, fmt.Errorf("begin: %w", tx.Error)
	}
	fail := func(what string, err error) (*applied, error) {
		tx.Rollback()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s: commit timed out after %s: %w", what, writeTimeout, err)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := s.fence(tx, units); err != nil {
		return fail("fence", err)
	}
	if err := s.checkOpenChatLimits(tx, units); err != nil {
		return fail("open chat limits", err)
	}
	if len(chats) > 0 {
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns(chatUpdateColumns)}).
			CreateInBatches(&chats, s.rowsPerInsert(chatRow{})).Error
		if err != nil {
			return fail("chats", err)
		}
	}
	if err := s.number(tx, order, counts); err != nil {
		return fail("numbering", err)
	}
	s.gc.noteTwoStep(counts)
	msgs, events, parts := unitRows(units, counts, res)
	if len(parts) > 0 {
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "chat_id"}, {Name: "user_id"}, {Name: "role"}, {Name: "joined_at"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "left_at"}),
		}).CreateInBatches(&parts, s.rowsPerInsert(participantRow{})).Error
		if err != nil {
			return fail("participants", err)
		}
	}
	if err := insertMessagesAndEvents(s, tx, msgs, events); err != nil {
		return fail("insert", err)
	}
	for _, o := range []struct {
		outbox Outbox
		name   string
		write  func(*gorm.DB, []numbered) (int, error)
	}{{OutboxWebhooks, "webhooks", writeWebhooks}, {OutboxWhatsApp, "whatsapp", writeWhatsApp}, {OutboxExports, "report exports", writeReportExports}} {
		n, err := o.write(tx, res.events)
		if err != nil {
			return fail(o.name, err)
		}
		res.wrote[o.outbox] = res.wrote[o.outbox] || n > 0
	}
	if err := writeAutoTranscripts(tx, res.events); err != nil {
		return fail("automatic transcripts", err)
	}
	for _, u := range units {
		for _, w := range u.ws {
			if w.Mail != nil {
				if _, err := enqueueMail(tx, *w.Mail); err != nil {
					return fail("mail", err)
				}
			}
		}
	}
	first, err := commitPushes(tx, notices)
	if err != nil {
		return fail("pushes", err)
	}
	res.push = first
	if err := tx.Commit().Error; err != nil {
		if transient(err) {
			return res, &outcomeUnknown{err}
		}
		return nil, fmt.Errorf("commit: %w", err)
	}
	return res, nil
}

// unitRows builds the rows of a transaction's writes in their order: the participants, and the
// messages and events numbered from each chat's seqCount, whose next numbers it advances; the
// numbered events are appended to res.
func unitRows(units []*commitItem, counts map[string]*seqCount, res *applied) (msgs []messageRow, events []eventRow, parts []participantRow) {
	partIndex := map[participantKey]int{}
	for _, u := range units {
		for _, w := range u.ws {
			if w.Participant != nil {
				row := participantToRow(w.Participant)
				row.ID = 0
				// The same participation twice in a batch (joined, then left): the later
				// wins, as a multi-row upsert may not touch a row twice.
				key := participantKey{row.ChatID, row.UserID, row.Role, row.JoinedAt.UnixMicro()}
				if i, ok := partIndex[key]; ok {
					parts[i] = row
				} else {
					partIndex[key] = len(parts)
					parts = append(parts, row)
				}
			}
			e := w.Event
			if e == nil {
				continue
			}
			n := counts[e.ChatID]
			n.nextAll++
			if w.Message != nil && !w.Message.At.IsZero() {
				// A line's event is dated by the line, whose row holds both.
				e.At = w.Message.At
			}
			row := eventToRow(e)
			row.Seq, row.VisitorSeq = n.nextAll, 0
			if !e.AgentsOnly {
				n.nextVisitor++
				row.VisitorSeq = n.nextVisitor
			}
			res.events = append(res.events, numbered{ev: e, msg: w.Message, row: row, tenant: n.tenant, hooks: n.hooks, whatsapp: n.whatsapp})
			if w.Message == nil {
				events = append(events, row)
				continue
			}
			// The line is stored once: its message row holds its event (see
			// migrations_messageevents.go).
			m := messageToRow(w.Message)
			m.ChatID, m.Seq, m.VisitorSeq, m.EventData, m.At = row.ChatID, row.Seq, row.VisitorSeq, row.Data, row.At
			msgs = append(msgs, m)
		}
	}
	return msgs, events, parts
}

// participantKey identifies a participation: who, in which part, since when.
type participantKey struct {
	chat   string
	user   int64
	role   string
	joined int64
}

// seqCount is one chat's share of a transaction: how many events it adds
// (all, and those the visitor sees), and, once numbered, the numbers to give.
type seqCount struct {
	all, visitor         uint64
	nextAll, nextVisitor uint64 // the last number given so far
	tenant               int64  // the chat's tenant, for publishing
	// hooks says the chat's tenant has an enabled webhook endpoint, and whatsapp that the chat
	// is with a WhatsApp number: read by the numbering statement, so that the outboxes
	// (writeWebhooks, writeWhatsApp) read their settings only for batches that may need them.
	hooks, whatsapp bool
}

// number raises the counters of every chat with events in the transaction
// by their count, in one statement, and sets each seqCount to the number
// before its first event. The row lock this takes orders writers of the same
// chat, also across server processes on one PostgreSQL. The same statement
// tells whether each chat's tenant has an enabled webhook endpoint and whether
// the chat is a WhatsApp chat: a batch of chats with neither (the usual case)
// then costs no further statement for those outboxes.
func (s *Store) number(tx *gorm.DB, order []string, counts map[string]*seqCount) error {
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	per := max(1, s.paramsPerStatement()/3-1)
	for ids := range slices.Chunk(order, per) {
		rows := len(ids)
		if s.dialect == DialectSQLite {
			rows = paddedRows(rows, per) // rows of NULLs, which name no chat
		}
		args := make([]any, 0, 3*rows+1)
		for _, id := range ids {
			args = append(args, int64(counts[id].all), int64(counts[id].visitor), id)
		}
		args = append(args, make([]any, 3*(rows-len(ids)))...)
		args = append(args, true)
		text := numberText(s.dialect, rows)
		begin := time.Now()
		found, err := s.numbered(ctx, tx, text, args, counts)
		if err = traced(ctx, tx, begin, text, int64(found), err); err != nil {
			return err
		}
		if found != len(ids) {
			return invalid("an event names a chat that does not exist")
		}
	}
	return nil
}

// numbered runs number's statement text with args in tx and sets the counts of the chats it
// returns, saying how many it returned.
func (s *Store) numbered(ctx context.Context, tx *gorm.DB, text string, args []any, counts map[string]*seqCount) (int, error) {
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, text, args...)
	if err != nil {
		return 0, err
	}
	found := 0
	for rows.Next() {
		var (
			id                    string
			last, lastVis, tenant int64
			hooks, whatsapp       bool
		)
		if err := rows.Scan(&id, &last, &lastVis, &tenant, &hooks, &whatsapp); err != nil {
			rows.Close()
			return found, err
		}
		n := counts[id]
		if n == nil {
			continue
		}
		n.nextAll = uint64(last) - n.all
		n.nextVisitor = uint64(lastVis) - n.visitor
		n.tenant, n.hooks, n.whatsapp = tenant, hooks, whatsapp
		found++
	}
	return found, errors.Join(rows.Err(), rows.Close())
}

// numberTexts keeps number's statements by dialect and row count.
var numberTexts sync.Map

// numberText is number's statement for rows chats, its parameters three a chat (the count of
// events, of the visitor's events, the chat) and last whether a webhook endpoint counts as
// enabled. One chat, the usual batch at a moderate rate, is the plain UPDATE, which the
// database parses and plans in a fraction of the time of the join. The statement is run
// below GORM, whose Raw went through every argument (a few hundred a batch at the ceiling)
// to build what the text already is.
func numberText(dialect string, rows int) string {
	key := dialect + "/" + strconv.Itoa(rows)
	if t, ok := numberTexts.Load(key); ok {
		return t.(string)
	}
	p := 0
	param := func() string {
		p++
		if dialect == DialectPostgres {
			return "$" + strconv.Itoa(p)
		}
		return "?"
	}
	var sb strings.Builder
	if rows == 1 {
		sb.WriteString("UPDATE chats SET last_seq = last_seq + " + param() + ", last_visitor_seq = last_visitor_seq + " + param() + " WHERE id = " + param())
	} else {
		sb.WriteString("WITH v(n, m, id) AS (VALUES ")
		for i := range rows {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(CAST(" + param() + " AS BIGINT), CAST(" + param() + " AS BIGINT), CAST(" + param() + " AS TEXT))")
		}
		sb.WriteString(") UPDATE chats SET last_seq = chats.last_seq + v.n, last_visitor_seq = chats.last_visitor_seq + v.m " +
			"FROM v WHERE chats.id = v.id")
	}
	sb.WriteString(" RETURNING chats.id, chats.last_seq, chats.last_visitor_seq, chats.tenant_id, " +
		"EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.tenant_id = chats.tenant_id AND w.enabled = " + param() + "), " +
		"EXISTS (SELECT 1 FROM whatsapp_chats c WHERE c.chat_id = chats.id)")
	if !keptText(dialect, rows) {
		return sb.String()
	}
	t, _ := numberTexts.LoadOrStore(key, sb.String())
	return t.(string)
}

// keptTextRows is the most rows of a statement whose text is kept on PostgreSQL, where row
// counts are not padded: the texts of every count up to the parameter budget (thousands of
// rows) would add up to gigabytes.
const keptTextRows = 64

// keptText says whether the text of a statement of rows rows is kept: SQLite's are padded to a
// few sizes (paddedRows), PostgreSQL's are kept up to keptTextRows.
func keptText(dialect string, rows int) bool {
	return dialect == DialectSQLite || rows <= keptTextRows
}

func hasWork(units []*commitItem) bool {
	for _, u := range units {
		for _, w := range u.ws {
			if w.Event != nil || w.Message != nil || w.Chat != nil || w.Participant != nil || w.Mail != nil || len(w.Pushes) > 0 {
				return true
			}
		}
	}
	return false
}

// paramsPerStatement is the budget of bound parameters for one statement.
// PostgreSQL allows 65535. On SQLite statements of up to 1,000 keep their
// compiled form in the driver's statement cache (stmtcache.go); 8,000 was
// measured no faster at full load.
func (s *Store) paramsPerStatement() int {
	if s.dialect == DialectPostgres {
		return 65535
	}
	return 1000
}

// rowsPerInsert is how many rows of row's type fit in one multi-row INSERT
// (its field count overestimates its columns slightly, which is safe).
func (s *Store) rowsPerInsert(row any) int {
	return max(1, s.paramsPerStatement()/reflect.TypeOf(row).NumField())
}
