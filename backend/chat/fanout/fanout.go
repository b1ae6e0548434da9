// Package fanout delivers a chat's events to the connections that follow it: durable events
// after their commit, exactly once and in order, and transient ones (typing, previews, queue
// places) as their latest state.
//
// Each subscription has a cursor: the last durable event its connection was given, counted in
// its audience's sequence (agents see every event, the visitor only the events visible to
// visitors, numbered apart by the store). A subscription is either live — committed events are
// handed to the connection as they are published — or catching up — a goroutine pages through
// the chat's history in the store, waiting for room in the connection's queue, until it has
// reached what was published. A subscription starts catching up from the client's cursor (a
// resume), and falls back to catching up whenever its connection's queue is full, so a client
// that reads is never cut off for being slow and nothing waits in memory on its behalf: the
// store holds the backlog. Catching up stops with the connection.
//
// Each chat followed also keeps its latest few events in memory (its tail), so that the
// connections of a reconnect storm, which each missed only the last few events, catch up
// without a database read each: on SQLite thousands of such reads queued on the few read
// connections for seconds, long enough for resumes to time out.
//
// Locks: each shard's mutex guards its chats' subscriber sets and their last published
// numbers; each subscription's mutex guards its cursor and mode. A subscription's lock may be
// held while taking its shard's lock, never the other way round. Nothing here waits on the
// store or a connection while holding a lock.
package fanout

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Conn is what fan-out needs of a connection.
type Conn interface {
	// TrySend queues a frame if there is room.
	TrySend(frame []byte) bool
	// SendWait queues a frame, waiting for room; it fails once the connection closes.
	SendWait(ctx context.Context, frame []byte) error
	// SendTransient queues a frame of which only the latest per key matters.
	SendTransient(key string, frame []byte)
	// Close ends the connection with a code that tells the client what to do.
	Close(code protocol.CloseCode, reason string)
	// Done is closed when the connection closes.
	Done() <-chan struct{}
}

// Audience says which of a chat's sequences a subscription follows.
type Audience uint8

// The audiences.
const (
	// Visitor sees the events visible to visitors, numbered by their VisitorSeq.
	Visitor Audience = iota + 1
	// Agents see every event, numbered by Seq.
	Agents
)

// History reads a chat's stored events, for catching up.
type History interface {
	EventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]store.Event, error)
	VisitorEventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]store.Event, error)
}

// pageSize is how many events one history read returns while catching up.
const pageSize = 256

// tailEvents and tailBytes bound a chat's tail: at most tailEvents events whose data weigh at
// most tailBytes together, some 3 KB a chat at most, 60 MB for 20,000 open chats. A visitor
// who was away for a few seconds missed a few events; longer absences read the store.
const (
	tailEvents = 8
	tailBytes  = 2 << 10
)

// historyTimeout bounds one history read.
const historyTimeout = 15 * time.Second

// Hub holds every chat's subscriptions. Create it with [New]; stop it with [Hub.Close].
type Hub struct {
	hist   History
	log    *slog.Logger
	seed   maphash.Seed
	shards [64]shard

	ctx    context.Context // ends on Close: catching up stops
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type shard struct {
	mu    sync.Mutex
	chats map[string]*entry
}

// entry is one chat's subscribers and the last numbers published for it. Guarded by its shard.
type entry struct {
	subs      map[*Sub]struct{}
	seq, vseq uint64
	// tail is the chat's latest published events, without gaps in Seq; tailSize is the weight
	// of their data.
	tail     []store.Event
	tailSize int
}

// remember adds a published event to the tail, dropping the oldest beyond its bounds. An event
// that does not follow the tail's last (one missed while nobody followed the chat, or published
// out of order) starts the tail again from itself, so the tail never has a gap.
func (e *entry) remember(ev changes.ChatEvent) {
	if n := len(e.tail); n > 0 {
		last := e.tail[n-1].Seq
		if ev.Seq <= last {
			return
		}
		if ev.Seq != last+1 {
			clear(e.tail)
			e.tail, e.tailSize = e.tail[:0], 0
		}
	}
	e.tail = append(e.tail, store.Event{ChatID: ev.ChatID, Seq: ev.Seq, VisitorSeq: ev.VisitorSeq, AgentsOnly: ev.VisitorSeq == 0,
		Type: ev.Type, Data: ev.Data, At: ev.At})
	e.tailSize += len(ev.Data)
	drop := 0
	for size := e.tailSize; drop < len(e.tail) && (len(e.tail)-drop > tailEvents || size > tailBytes); drop++ {
		size -= len(e.tail[drop].Data)
	}
	if drop > 0 {
		for _, old := range e.tail[:drop] {
			e.tailSize -= len(old.Data)
		}
		n := copy(e.tail, e.tail[drop:])
		clear(e.tail[n:])
		e.tail = e.tail[:n]
	}
}

// fromTail returns the events after `after` in aud's sequence, at most limit, when the chat's
// tail holds all of them (ok false when some may be older than the tail: read the store).
func (e *entry) fromTail(aud Audience, after uint64, limit int) (evs []store.Event, ok bool) {
	if len(e.tail) == 0 {
		return nil, false
	}
	number := func(ev store.Event) uint64 {
		if aud == Visitor {
			return ev.VisitorSeq
		}
		return ev.Seq
	}
	first := uint64(0) // the tail's first number in aud's sequence
	for _, ev := range e.tail {
		if first = number(ev); first != 0 {
			break
		}
	}
	switch {
	case first == 0: // no visitor event in the tail: only a visitor who has the latest is covered
		return nil, e.vseq != 0 && after >= e.vseq
	case after+1 < first:
		return nil, false
	}
	for _, ev := range e.tail {
		if n := number(ev); n > after && len(evs) < limit {
			evs = append(evs, ev)
		}
	}
	return evs, true
}

// tail returns what [entry.fromTail] returns for a chat.
func (h *Hub) tail(chatID string, aud Audience, after uint64, limit int) ([]store.Event, bool) {
	sh := h.shard(chatID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.chats[chatID]
	if e == nil {
		return nil, false
	}
	return e.fromTail(aud, after, limit)
}

// New makes a hub that catches subscribers up from hist.
func New(hist History, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.Default()
	}
	h := &Hub{hist: hist, log: log, seed: maphash.MakeSeed()}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	for i := range h.shards {
		h.shards[i].chats = make(map[string]*entry)
	}
	return h
}

// Close stops every catching-up goroutine and waits for them.
func (h *Hub) Close() {
	h.cancel()
	h.wg.Wait()
}

func (h *Hub) shard(chatID string) *shard {
	return &h.shards[maphash.String(h.seed, chatID)%uint64(len(h.shards))]
}

// Sub is one connection following one chat.
type Sub struct {
	hub  *Hub
	chat string
	conn Conn
	aud  Audience
	tag  any

	mu       sync.Mutex
	last     uint64 // the last durable event given to the connection
	live     bool
	catching bool // a goroutine is catching up
	closed   bool
}

// Tag is what the subscriber attached (who follows: a role, a user), for [Hub.Transient]
// filters and lookups.
func (s *Sub) Tag() any { return s.tag }

// Conn is the subscribed connection.
func (s *Sub) Conn() Conn { return s.conn }

// Chat is the chat followed.
func (s *Sub) Chat() string { return s.chat }

// Audience is the sequence the subscription follows.
func (s *Sub) Audience() Audience { return s.aud }

// Subscribe attaches conn to a chat for aud, with tag attached, and first gives it every
// durable event after `after` from the store, at the client's pace; when it returns, the
// subscription is live and the result is the last event given. It fails when ctx ends, the
// connection closes or history cannot be read; the subscription is then removed.
func (h *Hub) Subscribe(ctx context.Context, chatID string, conn Conn, aud Audience, after uint64, tag any) (*Sub, uint64, error) {
	sub := h.Attach(chatID, conn, aud, after, tag)
	last, err := sub.CatchUp(ctx)
	if err != nil {
		sub.Close()
		return nil, 0, err
	}
	return sub, last, nil
}

// Attach registers a subscription whose cursor is `after`; events published from now on wait
// for [Sub.CatchUp], which sends everything after the cursor and makes it live. Between the
// two the owner can record the subscription, so that the connection counts as following the
// chat while its history is on the way.
func (h *Hub) Attach(chatID string, conn Conn, aud Audience, after uint64, tag any) *Sub {
	sub := &Sub{hub: h, chat: chatID, conn: conn, aud: aud, tag: tag, last: after, catching: true}
	sh := h.shard(chatID)
	sh.mu.Lock()
	e := sh.chats[chatID]
	if e == nil {
		e = &entry{subs: make(map[*Sub]struct{})}
		sh.chats[chatID] = e
	}
	e.subs[sub] = struct{}{}
	sh.mu.Unlock()
	return sub
}

// AttachNew registers a live subscription of a chat that has no events yet (it is being
// created), so that no history read is needed: its first event will be the first published.
func (h *Hub) AttachNew(chatID string, conn Conn, aud Audience, tag any) *Sub {
	sub := h.Attach(chatID, conn, aud, 0, tag)
	sub.mu.Lock()
	sub.live, sub.catching = true, false
	sub.mu.Unlock()
	return sub
}

// CatchUp sends an attached subscription every durable event after its cursor, at the
// client's pace, then makes it live, and returns the last event given. It fails when ctx ends,
// the connection closes, the subscription is closed or history cannot be read.
func (s *Sub) CatchUp(ctx context.Context) (uint64, error) {
	if err := s.catchUp(ctx); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, nil
}

// Close detaches the subscription; no more events reach its connection through it.
func (s *Sub) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	sh := s.hub.shard(s.chat)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.chats[s.chat]; e != nil {
		delete(e.subs, s)
		if len(e.subs) == 0 {
			delete(sh.chats, s.chat)
		}
	}
}

// latest returns the last number published for the subscription's audience.
func (s *Sub) latest() uint64 {
	sh := s.hub.shard(s.chat)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.chats[s.chat]
	if e == nil {
		return 0
	}
	if s.aud == Visitor {
		return e.vseq
	}
	return e.seq
}

// catchUp pages through history from the cursor until it reaches what was published, then
// goes live. It runs with s.catching set and clears it.
func (s *Sub) catchUp(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.hub.ctx, cancel)
	defer stop()
	go func() {
		select {
		case <-s.conn.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		s.mu.Lock()
		from, closed := s.last, s.closed
		s.mu.Unlock()
		if closed {
			return context.Canceled
		}
		page, err := s.page(ctx, from)
		if err != nil {
			s.mu.Lock()
			s.catching = false
			s.mu.Unlock()
			return err
		}
		for _, ev := range page {
			n := ev.Seq
			if s.aud == Visitor {
				n = ev.VisitorSeq
			}
			frame, err := protocol.EncodeStored(protocol.Type(ev.Type), s.chat, n, ev.Data)
			if err != nil {
				s.hub.log.Error("stored event cannot be sent", "chat", s.chat, "seq", ev.Seq, "err", err)
			} else if err := s.conn.SendWait(ctx, frame); err != nil {
				s.mu.Lock()
				s.catching = false
				s.mu.Unlock()
				return err
			}
			s.mu.Lock()
			s.last = n
			s.mu.Unlock()
		}
		if len(page) == pageSize {
			continue
		}
		// Caught up with the store; go live unless more was published meanwhile. The number
		// is read under this subscription's lock, which Publish takes after raising it, so no
		// event can fall between the two modes.
		s.mu.Lock()
		if s.last >= s.latest() {
			s.live, s.catching = true, false
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
	}
}

// page reads the next page of history, trying again a few times when the read fails (a
// pooled database connection that a restart or failover killed fails once before the pool
// replaces it).
func (s *Sub) page(ctx context.Context, after uint64) ([]store.Event, error) {
	if evs, ok := s.hub.tail(s.chat, s.aud, after, pageSize); ok {
		return evs, nil
	}
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 50 * time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		}
		var evs []store.Event
		if s.aud == Visitor {
			evs, err = s.hub.hist.VisitorEventsAfter(ctx, s.chat, after, pageSize)
		} else {
			evs, err = s.hub.hist.EventsAfter(ctx, s.chat, after, pageSize)
		}
		if err == nil || ctx.Err() != nil {
			return evs, err
		}
	}
	return nil, err
}

// Publish hands a committed event to the chat's live subscribers; subscriptions whose
// connection has no room, or that are catching up, read it from the store instead. Events of a
// chat must be published in commit order (the store's committer does).
func (h *Hub) Publish(ev changes.ChatEvent) {
	sh := h.shard(ev.ChatID)
	sh.mu.Lock()
	e := sh.chats[ev.ChatID]
	if e == nil {
		sh.mu.Unlock()
		return
	}
	e.seq = max(e.seq, ev.Seq)
	if ev.VisitorSeq != 0 {
		e.vseq = max(e.vseq, ev.VisitorSeq)
	}
	e.remember(ev)
	subs := make([]*Sub, 0, len(e.subs))
	for s := range e.subs {
		subs = append(subs, s)
	}
	sh.mu.Unlock()
	var frames [3][]byte // by audience, made once
	for _, s := range subs {
		n := ev.Seq
		if s.aud == Visitor {
			if ev.VisitorSeq == 0 {
				continue
			}
			n = ev.VisitorSeq
		}
		if frames[s.aud] == nil {
			f, err := protocol.EncodeStored(protocol.Type(ev.Type), ev.ChatID, n, ev.Data)
			if err != nil {
				h.log.Error("committed event cannot be sent", "chat", ev.ChatID, "seq", ev.Seq, "err", err)
				return
			}
			frames[s.aud] = f
		}
		s.deliver(n, frames[s.aud])
	}
}

// deliver gives a live subscription its next event, or starts it catching up.
func (s *Sub) deliver(n uint64, frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live || s.closed || n <= s.last {
		return
	}
	if n == s.last+1 && s.conn.TrySend(frame) {
		s.last = n
		return
	}
	// No room (or, which cannot happen in commit order, a gap): the store has the event.
	s.live, s.catching = false, true
	s.hub.wg.Add(1)
	go func() {
		defer s.hub.wg.Done()
		if err := s.catchUp(context.Background()); err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			select {
			case <-s.conn.Done():
			case <-s.hub.ctx.Done():
			default:
				if !closed {
					s.hub.log.Warn("catching a connection up failed; it will reconnect and resume", "chat", s.chat, "err", err)
					s.conn.Close(protocol.CloseRetry, "history unavailable")
				}
			}
		}
	}()
}

// Transient sends a transient event to the chat's subscribers for which to is true (all when
// to is nil). Only the latest event per key waits for each connection.
func (h *Hub) Transient(chatID, key string, body protocol.EventBody, to func(*Sub) bool) {
	frame, err := protocol.EncodeEvent(protocol.Event{Chat: chatID, Body: body})
	if err != nil {
		h.log.Error("encode transient event", "chat", chatID, "type", body.EventType(), "err", err)
		return
	}
	h.TransientFrame(chatID, key, frame, to)
}

// TransientFrame is [Hub.Transient] with the event already encoded: one that another node
// sent for its followers of the chat.
func (h *Hub) TransientFrame(chatID, key string, frame []byte, to func(*Sub) bool) {
	for _, s := range h.Subs(chatID) {
		if to == nil || to(s) {
			s.conn.SendTransient(chatID+"|"+key, frame)
		}
	}
}

// Followed reports whether a connection follows the chat here, without copying its
// subscriptions.
func (h *Hub) Followed(chatID string) bool {
	sh := h.shard(chatID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.chats[chatID]
	return e != nil && len(e.subs) > 0
}

// Subs returns the chat's subscriptions.
func (h *Hub) Subs(chatID string) []*Sub {
	sh := h.shard(chatID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.chats[chatID]
	if e == nil {
		return nil
	}
	out := make([]*Sub, 0, len(e.subs))
	for s := range e.subs {
		out = append(out, s)
	}
	return out
}
