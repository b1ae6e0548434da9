package chat

import (
	"context"
	"encoding/json"
	"time"

	"sync"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// ackMemory is how many command answers a chat remembers for retried commands; older retries
// fall back to the store (messages) or are applied again harmlessly (typing, close).
const ackMemory = 512

// liveChat is a chat that is not closed, with its connections.
type liveChat struct {
	id        string
	connector store.Connector

	mu          sync.Mutex // guards the fields below and orders enqueues
	rec         store.Chat
	seq         uint64
	offerTo     int64
	agentName   string                          // display name of the agent handling the chat
	question    string                          // the visitor's first message, shown on offers
	asked       map[string]protocol.SurveyField // fields agents asked for, not yet answered
	acks        map[string]protocol.Ack
	ackOrder    []string
	warnTimer   *time.Timer
	closeTimer  *time.Timer
	idleWarn    *time.Timer
	idleClose   *time.Timer
	options     store.Toolbox // the connector's widget options, parsed
	visitorAway bool
	// restored is set for chats loaded from the store at start, whose earlier command answers
	// are only in the store.
	restored bool

	subMu sync.Mutex // guards subs; taken by the fan-out after commit
	subs  map[*subscription]struct{}
}

func newLiveChat(rec store.Chat, conn store.Connector) *liveChat {
	ch := &liveChat{id: rec.ID, rec: rec, seq: rec.LastSeq, acks: make(map[string]protocol.Ack), subs: make(map[*subscription]struct{})}
	ch.setConnector(conn)
	return ch
}

// setConnector takes a connector's (new) settings. Caller holds ch.mu or owns ch alone.
func (ch *liveChat) setConnector(conn store.Connector) {
	ch.connector = conn
	// Options were validated when saved; unreadable ones fall back to the defaults.
	ch.options, _ = store.ParseToolbox(conn.Toolbox)
}

// text resolves one of the connector's texts in the chat's language.
func (ch *liveChat) text(key string) string {
	return texts.Resolve(ch.connector.Texts, key, ch.rec.Lang)
}

// remembered returns the answer already given to a command, if any. Caller holds ch.mu.
func (ch *liveChat) remembered(key string) (protocol.Ack, bool) {
	a, ok := ch.acks[key]
	return a, ok
}

// remember stores a command's answer. Caller holds ch.mu.
func (ch *liveChat) remember(key string, a protocol.Ack) {
	if _, ok := ch.acks[key]; !ok {
		ch.ackOrder = append(ch.ackOrder, key)
		if len(ch.ackOrder) > ackMemory {
			delete(ch.acks, ch.ackOrder[0])
			ch.ackOrder = ch.ackOrder[1:]
		}
	}
	ch.acks[key] = a
}

// stopTimers cancels the visitor-away timers. Caller holds ch.mu (or the chat is unreachable).
func (ch *liveChat) stopTimers() {
	if ch.warnTimer != nil {
		ch.warnTimer.Stop()
		ch.warnTimer = nil
	}
	if ch.closeTimer != nil {
		ch.closeTimer.Stop()
		ch.closeTimer = nil
	}
	ch.stopIdle()
}

// stopIdle cancels the idle timers. Caller holds ch.mu.
func (ch *liveChat) stopIdle() {
	for _, t := range []**time.Timer{&ch.idleWarn, &ch.idleClose} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
}

// emit appends a durable event to the chat: it takes the next sequence number, enqueues the
// event (with the optional message row and chat row) for the group commit and, once committed,
// fans it out to the chat's subscribers and calls after. Caller holds ch.mu, so sequence order
// is enqueue order is commit order is fan-out order.
func (s *Service) emit(ch *liveChat, body protocol.EventBody, msg *store.Message, saveChat bool, after func(seq uint64, err error)) {
	ch.seq++
	seq := ch.seq
	// Microseconds are what both databases keep, so the live frame equals the replayed one.
	now := stamp()
	data, err := json.Marshal(body)
	if err != nil {
		ch.seq--
		if after != nil {
			after(0, err)
		}
		return
	}
	w := store.Write{Event: &store.Event{ChatID: ch.id, Seq: seq, Type: string(body.EventType()), Data: data, At: now}}
	if msg != nil {
		msg.ChatID, msg.Seq = ch.id, seq
		w.Message = msg
	}
	if saveChat {
		ch.rec.LastSeq = seq
		rec := ch.rec
		w.Chat = &rec
	}
	s.st.Enqueue(w, func(err error) {
		// The store numbers events at commit; its number is the one that counts.
		seq := w.Event.Seq
		frame, encErr := protocol.EncodeEvent(protocol.Event{Chat: ch.id, Seq: seq, Body: body})
		if err == nil && encErr != nil {
			err = encErr
		}
		if err != nil {
			s.log.Error("commit chat event", "chat", ch.id, "seq", seq, "type", body.EventType(), "err", err)
		} else {
			if msg != nil {
				s.messages.Add(1)
			}
			ch.subMu.Lock()
			for sub := range ch.subs {
				sub.deliver(seq, frame)
			}
			ch.subMu.Unlock()
		}
		if after != nil {
			after(seq, err)
		}
	})
}

// broadcast sends a transient event to the chat's subscribers that pass filter.
func (ch *liveChat) broadcast(body protocol.EventBody, filter func(*subscription) bool) {
	frame, err := protocol.EncodeEvent(protocol.Event{Chat: ch.id, Body: body})
	if err != nil {
		return
	}
	ch.subMu.Lock()
	defer ch.subMu.Unlock()
	for sub := range ch.subs {
		if filter == nil || filter(sub) {
			sub.deliver(0, frame)
		}
	}
}

// toAgents and toVisitor select subscribers by role.
func toAgents(sub *subscription) bool  { return sub.role == protocol.RoleAgent }
func toVisitor(sub *subscription) bool { return sub.role == protocol.RoleVisitor }

// subscription is one connection following one chat. While it replays history from the store,
// live events are held back and released afterwards, so the client sees every durable event
// once and in order.
type subscription struct {
	conn   *realtime.Conn
	role   protocol.Role
	userID int64

	mu        sync.Mutex
	replaying bool
	held      []heldFrame
	last      uint64
}

type heldFrame struct {
	seq   uint64
	frame []byte
}

// deliver sends a frame unless it is a durable event the client already has.
func (sub *subscription) deliver(seq uint64, frame []byte) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.replaying {
		sub.held = append(sub.held, heldFrame{seq, frame})
		return
	}
	sub.sendLocked(seq, frame)
}

func (sub *subscription) sendLocked(seq uint64, frame []byte) {
	if seq != 0 {
		if seq <= sub.last {
			return
		}
		sub.last = seq
	}
	sub.conn.Send(frame)
}

// subscribe attaches a connection to a chat and, when replay is set, sends it every durable
// event after `after` from the store before any live one. It returns the last sequence number
// the client has once the replay is done.
func (s *Service) subscribe(ctx context.Context, ch *liveChat, c *realtime.Conn, role protocol.Role, userID int64, after uint64, replay bool) (uint64, error) {
	sub := &subscription{conn: c, role: role, userID: userID, replaying: replay, last: after}
	ch.subMu.Lock()
	ch.subs[sub] = struct{}{}
	ch.subMu.Unlock()
	if old := connOf(c).setSub(ch.id, sub); old != nil {
		ch.unsubscribe(old)
	}
	if !replay {
		return after, nil
	}
	err := s.replay(ctx, ch.id, after, func(seq uint64, frame []byte) {
		sub.mu.Lock()
		sub.sendLocked(seq, frame)
		sub.mu.Unlock()
	})
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, h := range sub.held {
		sub.sendLocked(h.seq, h.frame)
	}
	sub.held, sub.replaying = nil, false
	return sub.last, err
}

// replay reads a chat's durable events after `after` from the store, page by page.
func (s *Service) replay(ctx context.Context, chatID string, after uint64, send func(seq uint64, frame []byte)) error {
	for {
		evs, err := s.st.EventsAfter(ctx, chatID, after, 500)
		if err != nil {
			return err
		}
		for _, e := range evs {
			body, ok := protocol.EventBodyFor(protocol.Type(e.Type))
			if !ok {
				continue
			}
			if err := json.Unmarshal(e.Data, body); err != nil {
				s.log.Error("stored event unreadable", "chat", chatID, "seq", e.Seq, "err", err)
				continue
			}
			frame, err := protocol.EncodeEvent(protocol.Event{Chat: chatID, Seq: e.Seq, Body: body})
			if err != nil {
				continue
			}
			send(e.Seq, frame)
			after = e.Seq
		}
		if len(evs) < 500 {
			return nil
		}
	}
}

// unsubscribe detaches a subscription.
func (ch *liveChat) unsubscribe(sub *subscription) {
	ch.subMu.Lock()
	delete(ch.subs, sub)
	ch.subMu.Unlock()
}

// unsubscribeConns detaches every subscription of the given agent.
func (ch *liveChat) unsubscribeAgent(userID int64) {
	ch.subMu.Lock()
	defer ch.subMu.Unlock()
	for sub := range ch.subs {
		if sub.role == protocol.RoleAgent && sub.userID == userID {
			delete(ch.subs, sub)
			connOf(sub.conn).dropSub(ch.id, sub)
		}
	}
}

// visitorOnline reports whether a visitor connection follows the chat.
func (ch *liveChat) visitorOnline() bool {
	ch.subMu.Lock()
	defer ch.subMu.Unlock()
	for sub := range ch.subs {
		if sub.role == protocol.RoleVisitor {
			return true
		}
	}
	return false
}

// chatFor returns the live chat with that id.
func (s *Service) chatFor(id string) *liveChat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chats[id]
}

// stamp is the time of an event as it is stored: UTC, to the microsecond both databases keep,
// so that a live frame and its replay are identical.
func stamp() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
