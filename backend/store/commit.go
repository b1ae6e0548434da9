package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Write is one durable change to a chat, applied atomically within one
// group-commit transaction: an event of the replay log, and optionally the
// message it announces, the chat row in its new state and a participant
// change. Any of the parts may be nil; they are applied in the order chat,
// participant, message, event.
type Write struct {
	// Event is appended to the chat's replay log; its Seq is chosen by the
	// caller and must be new for the chat (ErrConflict otherwise).
	Event *Event
	// Message is stored with the same ChatID and Seq as Event.
	Message *Message
	// Chat is written as a whole row (insert or replace), e.g. on creation
	// or a state change. Whether or not it is present, the stored chat's
	// LastSeq is raised to the highest event seq after every commit.
	Chat *Chat
	// Participant is inserted when its ID is 0 (the new ID is filled in
	// before done is called) and replaced otherwise.
	Participant *Participant
}

const (
	// maxBatchWrites caps the writes gathered into one transaction.
	maxBatchWrites = 256
	// queueCapacity bounds the queue of pending writes; when it is full,
	// Enqueue blocks (backpressure) rather than dropping or growing.
	queueCapacity = 4096
	// writeTimeout bounds one commit transaction.
	writeTimeout = 15 * time.Second
)

// Enqueue queues w for the group committer and returns at once, unless the
// queue is full, in which case it blocks until there is room. done (may be
// nil) is called with the outcome after the transaction holding w has
// committed or failed, from the committer goroutine, in enqueue order, so
// callers can acknowledge and fan out in order. If the store is closed, done
// is called at once, in the caller's goroutine, with ErrClosed.
//
// Enqueue normalises the write in the caller's goroutine before queueing
// it: zero timestamps (Event.At, Message.At, Chat.CreatedAt,
// Participant.JoinedAt) become the current time and all times become UTC at
// microsecond precision, so what the caller publishes equals what a later
// read returns. After that the store reads the structs until done is called;
// the caller must not change them meanwhile.
//
// done must be quick and must not call Commit, Enqueue or Close: the
// committer waits for it.
func (s *Store) Enqueue(w Write, done func(error)) {
	normalizeWrite(&w, now())
	if err := s.gc.enqueue(context.Background(), commitItem{ws: []Write{w}, done: done}); err != nil && done != nil {
		done(wrap("enqueue", err))
	}
}

// Commit queues the writes as one unit and waits until they are committed.
// Unlike separate Enqueue calls, the writes of one Commit are applied all
// or none. If ctx ends first, Commit returns ctx.Err(); the writes may still
// be committed later.
func (s *Store) Commit(ctx context.Context, ws ...Write) error {
	if len(ws) == 0 {
		return nil
	}
	t := now()
	own := make([]Write, len(ws))
	for i, w := range ws {
		normalizeWrite(&w, t)
		own[i] = w
	}
	result := make(chan error, 1)
	if err := s.gc.enqueue(ctx, commitItem{ws: own, done: func(err error) { result <- err }}); err != nil {
		return wrap("commit", err)
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
	Batches    uint64        // transactions attempted, not counting one-by-one retries
	Writes     uint64        // writes committed
	Failed     uint64        // writes whose done got an error
	Retried    uint64        // batches that failed and were retried one unit at a time
	CommitTime time.Duration // total time spent committing (divide by Batches for the mean)
	Queued     int           // units waiting in the queue right now
}

// CommitStats returns the group committer's counters.
func (s *Store) CommitStats() CommitStats {
	c := s.gc
	return CommitStats{
		Batches:    c.batches.Load(),
		Writes:     c.writes.Load(),
		Failed:     c.failed.Load(),
		Retried:    c.retried.Load(),
		CommitTime: time.Duration(c.commitNanos.Load()),
		Queued:     len(c.queue),
	}
}

// commitItem is one unit of the queue: writes applied all or none, and the
// callback that learns the outcome.
type commitItem struct {
	ws   []Write
	done func(error)
}

// committer owns the queue and the goroutine that drains it.
type committer struct {
	s      *Store
	window time.Duration
	log    *slog.Logger

	// mu guards closed against concurrent senders: senders hold it shared
	// while they send, close takes it exclusively, so the queue channel is
	// never closed under a sender.
	mu      sync.RWMutex
	closed  bool
	queue   chan commitItem
	stopped chan struct{}

	batches, writes, failed, retried, commitNanos atomic.Uint64
}

func newCommitter(s *Store, window time.Duration, log *slog.Logger) *committer {
	c := &committer{
		s:       s,
		window:  window,
		log:     log,
		queue:   make(chan commitItem, queueCapacity),
		stopped: make(chan struct{}),
	}
	go c.run()
	return c
}

func (c *committer) enqueue(ctx context.Context, it commitItem) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	select {
	case c.queue <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close refuses new writes, lets the committer drain what is queued and
// waits for it to stop.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.stopped
}

// run gathers writes: it waits for the first, then takes whatever arrives
// within the window (or until maxBatchWrites), commits them together, calls
// their callbacks, and starts over. It returns once the queue is closed and
// empty.
//
// The window adapts to the load. The number of units in the previous batch
// estimates how many writers are active; gathering stops as soon as that
// many have arrived (anything else already queued is taken too), and the
// full window is waited only when fewer come. So a lone writer is committed
// at once, writers in lock-step are committed as soon as all have arrived,
// and only a drop in load costs one window. Writes that arrive during a
// commit queue up and form the next batch in any case.
func (c *committer) run() {
	defer close(c.stopped)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	batch := make([]commitItem, 0, 64)
	expect := 1
	for {
		first, ok := <-c.queue
		if !ok {
			return
		}
		batch = append(batch[:0], first)
		n := len(first.ws)
		open := true
		if c.window > 0 && expect > 1 {
			timer.Reset(c.window)
		gather:
			for n < maxBatchWrites && len(batch) < expect {
				select {
				case it, ok := <-c.queue:
					if !ok {
						open = false
						break gather
					}
					batch = append(batch, it)
					n += len(it.ws)
				case <-timer.C:
					break gather
				}
			}
			timer.Stop()
		}
	drain:
		for open && n < maxBatchWrites {
			select {
			case it, ok := <-c.queue:
				if !ok {
					open = false
					break drain
				}
				batch = append(batch, it)
				n += len(it.ws)
			default:
				break drain
			}
		}
		c.flush(batch)
		expect = len(batch)
		clear(batch) // drop references to the callers' structs
		if !open {
			return
		}
	}
}

// flush commits a batch in one transaction; if that fails, it commits each
// unit in its own transaction so that one bad write cannot fail the others.
// Then it calls the callbacks in order.
func (c *committer) flush(batch []commitItem) {
	start := time.Now()
	errs := make([]error, len(batch))
	valid := make([]int, 0, len(batch))
	for i := range batch {
		if err := validateUnit(batch[i].ws); err != nil {
			errs[i] = wrap("commit", err)
			continue
		}
		valid = append(valid, i)
	}
	if len(valid) > 0 {
		units := make([]*commitItem, len(valid))
		for k, i := range valid {
			units[k] = &batch[i]
		}
		err := c.s.applyUnits(units)
		switch {
		case err == nil:
		case len(units) == 1:
			errs[valid[0]] = wrap("commit", err)
		default:
			c.retried.Add(1)
			c.log.Warn("store: group commit failed, retrying writes one by one", "units", len(units), "err", err)
			for k, u := range units {
				errs[valid[k]] = wrap("commit", c.s.applyUnits([]*commitItem{u}))
			}
		}
		c.batches.Add(1)
	}
	c.commitNanos.Add(uint64(time.Since(start)))
	for i := range batch {
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
// database, so they fail alone without costing the batch a retry.
func validateUnit(ws []Write) error {
	for _, w := range ws {
		if e := w.Event; e != nil {
			switch {
			case e.ChatID == "":
				return invalid("event without chat id")
			case e.Seq == 0:
				return invalid("event seq must be at least 1")
			case e.Type == "":
				return invalid("event without type")
			}
		}
		if m := w.Message; m != nil {
			switch {
			case m.ChatID == "":
				return invalid("message without chat id")
			case m.Seq == 0:
				return invalid("message seq must be at least 1")
			case w.Event != nil && (m.ChatID != w.Event.ChatID || m.Seq != w.Event.Seq):
				return invalid("message and event differ in chat or seq")
			}
		}
		if ch := w.Chat; ch != nil {
			switch {
			case ch.ID == "":
				return invalid("chat without id")
			case ch.State == "":
				return invalid("chat without state")
			}
		}
		if p := w.Participant; p != nil && (p.ChatID == "" || p.Role == "") {
			return invalid("participant without chat id or role")
		}
	}
	return nil
}

// applyUnits writes the units in one transaction, with one multi-row
// statement per table where it can.
func (s *Store) applyUnits(units []*commitItem) error {
	if !hasWork(units) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()

	type newParticipant struct {
		p  *Participant
		id int64
	}
	var created []newParticipant

	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var (
			chats      []chatRow
			chatIndex  = map[string]int{}
			msgs       []messageRow
			events     []eventRow
			eventChats []string
			seen       = map[string]bool{}
		)
		for _, u := range units {
			for _, w := range u.ws {
				if w.Chat != nil {
					row, err := chatToRow(w.Chat)
					if err != nil {
						return err
					}
					// The same chat twice in a batch: the later state wins (a
					// multi-row upsert may not touch a row twice).
					if i, ok := chatIndex[row.ID]; ok {
						chats[i] = row
					} else {
						chatIndex[row.ID] = len(chats)
						chats = append(chats, row)
					}
				}
				if w.Message != nil {
					msgs = append(msgs, messageToRow(w.Message))
				}
				if w.Event != nil {
					events = append(events, eventToRow(w.Event))
					if !seen[w.Event.ChatID] {
						seen[w.Event.ChatID] = true
						eventChats = append(eventChats, w.Event.ChatID)
					}
				}
			}
		}
		if len(chats) > 0 {
			err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, UpdateAll: true}).
				CreateInBatches(&chats, s.rowsPerInsert(chatRow{})).Error
			if err != nil {
				return fmt.Errorf("chats: %w", err)
			}
		}
		for _, u := range units {
			for _, w := range u.ws {
				if w.Participant == nil {
					continue
				}
				row := participantToRow(w.Participant)
				q := tx
				if row.ID != 0 {
					q = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, UpdateAll: true})
				}
				if err := q.Create(&row).Error; err != nil {
					return fmt.Errorf("participant: %w", err)
				}
				if w.Participant.ID == 0 {
					created = append(created, newParticipant{w.Participant, row.ID})
				}
			}
		}
		if len(msgs) > 0 {
			if err := tx.CreateInBatches(&msgs, s.rowsPerInsert(messageRow{})).Error; err != nil {
				return fmt.Errorf("messages: %w", err)
			}
		}
		if len(events) > 0 {
			if err := tx.CreateInBatches(&events, s.rowsPerInsert(eventRow{})).Error; err != nil {
				return fmt.Errorf("events: %w", err)
			}
			const maxSeq = "(SELECT MAX(seq) FROM events WHERE events.chat_id = chats.id)"
			for ids := range slices.Chunk(eventChats, s.paramsPerStatement()) {
				err := tx.Exec("UPDATE chats SET last_seq = "+maxSeq+" WHERE id IN ? AND last_seq < "+maxSeq, ids).Error
				if err != nil {
					return fmt.Errorf("last seq: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("commit timed out after %s: %w", writeTimeout, err)
		}
		return err
	}
	for _, c := range created {
		c.p.ID = c.id
	}
	return nil
}

func hasWork(units []*commitItem) bool {
	for _, u := range units {
		for _, w := range u.ws {
			if w.Event != nil || w.Message != nil || w.Chat != nil || w.Participant != nil {
				return true
			}
		}
	}
	return false
}

// paramsPerStatement is the budget of bound parameters for one statement.
// PostgreSQL allows 65535. The SQLite driver matches parameters to
// arguments in quadratic time, so there many small statements beat one big
// one.
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
