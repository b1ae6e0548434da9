package chat

import (
	"encoding/json"
	"errors"
	"maps"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// ackMemory is how many command answers a chat remembers for retried commands; older retries
// of messages are answered from the store, others are applied again harmlessly.
const ackMemory = 512

// liveChat is a chat held in memory: open, or closed a short while ago.
type liveChat struct {
	id string
	// seq is the number of the chat's last committed event (agents' numbering).
	seq atomic.Uint64

	mu        sync.Mutex // see the package comment
	rec       store.Chat
	connector store.Connector
	options   store.Toolbox // the connector's widget options, parsed
	// agents are the agents in the chat now, by user id; the owner is rec.AgentID.
	agents     map[int64]*member
	visitorRow *store.Participant
	visitorKey string // who opened it: the visitor id (or connection session) on the connector
	offerTo    int64
	question   string // the visitor's first message, shown on offers
	// questionTr holds the question's translations made so far, by language
	// (offertranslation.go).
	questionTr map[string]*protocol.Translation
	asked      map[string]protocol.SurveyField // fields agents asked for, not yet answered
	invited    map[int64]*pendingInvite        // agents invited who have not answered
	transfer   *pendingTransfer                // a transfer under way
	// lastTransfer is the key of the latest transfer command, so a late retry does nothing.
	lastTransfer string
	acks         map[string]answered
	ackOrder     []string
	inflight     map[string]*inflight
	warnTimer    clock.Timer
	closeTimer   clock.Timer
	idleWarn     clock.Timer
	idleClose    clock.Timer
	away         bool // the visitor has no connection
	// remoteVisitors are the visitor's connections on other nodes of a cluster that follow
	// the chat and forward their commands here, by the key they forward under
	// (visitorforward.go), with the node that follows: while one is there, the visitor is not
	// away.
	remoteVisitors map[string]string
	// restored is set for chats loaded from the store at start, whose earlier command answers
	// are only in the store.
	restored bool
	// proactive is set for a chat an agent started with a visitor on the site (proactive.go).
	proactive *proactiveInvite
	// previewOK says the visitor lets agents see their unsent text (writefirst.go);
	// previewing, that the agents were last shown some, which the visitor's next line clears.
	previewOK, previewing bool
	// detailsDue says a write-first chat still waits for the visitor's details; a chat
	// restored without a name is taken as waiting too (writefirst.go).
	detailsDue bool
	// lane holds the lines waiting for their translation, and those behind them, in the order
	// they were sent; laneBusy says its goroutine runs (translation.go).
	lane     []*laneLine
	laneBusy bool
}

// member is an agent in a chat.
type member struct {
	userID int64
	name   string
	lang   string
	part   protocol.Part
	row    *store.Participant
}

// answered is a command's answer, kept for retries, with the hash of the body it answered.
type answered struct {
	ack  protocol.Ack
	hash uint64
}

// inflight is a command being committed; retries of it wait for its answer.
type inflight struct {
	hash    uint64
	waiters []func(*protocol.Ack, error)
}

func newLiveChat(rec store.Chat, conn store.Connector) *liveChat {
	ch := &liveChat{id: rec.ID, rec: rec, agents: map[int64]*member{}, acks: map[string]answered{}, inflight: map[string]*inflight{}}
	ch.seq.Store(rec.LastSeq)
	ch.setConnector(conn)
	return ch
}

// setConnector takes a connector's (new) settings. Caller holds ch.mu or owns ch alone.
func (ch *liveChat) setConnector(conn store.Connector) {
	ch.connector = conn
	// Options were validated when saved; unreadable ones fall back to the defaults.
	ch.options = toolbox(conn)
}

// text resolves one of the connector's texts in the chat's language.
func (ch *liveChat) text(key string) string {
	return texts.Resolve(ch.connector.Texts, key, ch.rec.Lang)
}

func (ch *liveChat) closed() bool { return ch.rec.State == string(protocol.StateClosed) }

// owner is the agent handling the chat, if any.
func (ch *liveChat) owner() *member {
	if ch.rec.AgentID == 0 {
		return nil
	}
	return ch.agents[ch.rec.AgentID]
}

// writes reports whether an agent may write to the visitor: the owner and participants.
func (ch *liveChat) writes(uid int64) bool {
	m := ch.agents[uid]
	return m != nil && m.part.Visible()
}

// known returns the answer already given to a command, or the one in flight.
func (ch *liveChat) known(key string, hash uint64) (a *answered, f *inflight, conflict bool) {
	if r, ok := ch.acks[key]; ok {
		return &r, nil, r.hash != hash
	}
	if p := ch.inflight[key]; p != nil {
		return nil, p, p.hash != hash
	}
	return nil, nil, false
}

// remember stores a command's answer. Caller holds ch.mu.
func (ch *liveChat) remember(key string, a answered) {
	if _, ok := ch.acks[key]; !ok {
		ch.ackOrder = append(ch.ackOrder, key)
		if len(ch.ackOrder) > ackMemory {
			delete(ch.acks, ch.ackOrder[0])
			ch.ackOrder = ch.ackOrder[1:]
		}
	}
	ch.acks[key] = a
}

// stopTimers cancels the visitor-away and idle timers. Caller holds ch.mu.
func (ch *liveChat) stopTimers() {
	for _, t := range []*clock.Timer{&ch.warnTimer, &ch.closeTimer, &ch.idleWarn, &ch.idleClose} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
}

// emission is one durable event to write, with what goes with it; without a body it only
// writes the participant record.
type emission struct {
	body       protocol.EventBody
	message    *store.Message     // the message row, for lines
	saveChat   bool               // write the chat row as it is now
	part       *store.Participant // a participant joining or leaving
	agentsOnly bool               // hidden from the visitor
	// term, when set, is the routing leader's term whose decision the emission carries out:
	// the whole unit is written only under it (store.Store.EnqueueFenced).
	term int64
	// limit, with saveChat on a new chat, makes its creation conditional on the tenant's open
	// chat limits, counted in the transaction that writes it (store.Write.Limit).
	limit *store.OpenChatLimit
}

// emit writes events of the chat, in order, as one unit (all or none), a visitor's message
// with its Web Push notices; once committed they are published (fan-out delivers them) and
// done, if set, learns the outcome, with the events numbered. Caller holds ch.mu, so the order
// of a chat's units is the order its rules decided.
func (s *Service) emit(ch *liveChat, done func(evs []*store.Event, err error), es ...emission) {
	ws := make([]store.Write, 0, len(es))
	evs := make([]*store.Event, 0, len(es))
	now := s.stamp()
	wanted := new(atomic.Bool) // pushes were written
	var term int64
	for _, e := range es {
		term = max(term, e.term)
		// The store reads what it is given until the commit; the chat's own record of a
		// participant changes meanwhile (they leave), so the store gets a copy.
		var part *store.Participant
		if e.part != nil {
			p := *e.part
			part = &p
		}
		if e.body == nil {
			ws = append(ws, store.Write{Participant: part})
			continue
		}
		data, err := encodeBody(e.body)
		if err != nil {
			// Programming error: the body types are ours.
			s.log.Error("encode chat event", "chat", ch.id, "type", e.body.EventType(), "err", err)
			continue
		}
		ev := &store.Event{ChatID: ch.id, Type: string(e.body.EventType()), Data: data, At: now, AgentsOnly: e.agentsOnly || ch.isDirect()}
		w := store.Write{Event: ev, Message: e.message, Participant: part}
		if e.message != nil {
			e.message.ChatID = ch.id
		}
		if m, ok := e.body.(*protocol.Message); ok {
			w.Pushes = s.messagePushes(ch, m, wanted)
		}
		if e.saveChat {
			// A copy, maps included: the chat's fields may change before this commits.
			rec := ch.rec
			rec.PData, rec.UData, rec.Fields = maps.Clone(rec.PData), maps.Clone(rec.UData), maps.Clone(rec.Fields)
			w.Chat = &rec
			w.Limit = e.limit
		}
		ws = append(ws, w)
		evs = append(evs, ev)
	}
	enqueue := s.st.EnqueueAll
	if term != 0 {
		enqueue = func(done func(error), ws ...store.Write) { s.st.EnqueueFenced(term, done, ws...) }
	}
	enqueue(func(err error) {
		switch {
		case errors.Is(err, store.ErrStaleTerm):
			s.staleDecisions.Add(1)
			s.log.Warn("cluster routing: a deposed leader's decision was not written", "chat", ch.id, "term", term, "events", len(evs))
		case errors.As(err, new(*store.OpenChatLimitError)):
			s.log.Info("chat refused: open chat limit", "chat", ch.id, "err", err)
		case errors.Is(err, store.ErrClosed):
			// A timer that fired while the server shut down: the chat stays as it was and is
			// taken up after the next start.
			s.log.Debug("chat events not written: the store is closed", "chat", ch.id, "events", len(evs))
		case err != nil:
			s.log.Error("commit chat events", "chat", ch.id, "events", len(evs), "err", err)
		}
		s.pushed(wanted, err)
		if done != nil {
			done(evs, err)
		}
	}, ws...)
}

// encodeBody is an event's body as stored and sent: json.Marshal's bytes, a chat line's
// written by hand.
func encodeBody(b protocol.EventBody) ([]byte, error) {
	if m, ok := b.(*protocol.Message); ok {
		return protocol.EncodeMessage(m)
	}
	return json.Marshal(b)
}

// line is a message emission.
func line(m *protocol.Message, userID int64, clientID string) emission {
	return emission{body: m, message: &store.Message{Role: string(m.Role), UserID: userID, Name: m.Name, Text: m.Text, ClientID: clientID, At: m.At}}
}

// systemLine is a system message carrying one of the connector's texts. Caller holds ch.mu.
func (s *Service) systemLine(ch *liveChat, key, class string) emission {
	return line(&protocol.Message{Role: protocol.RoleSystem, Text: ch.text(key), Key: key, Class: class, At: s.stamp()}, 0, "")
}

// summary describes a chat for an agent's list. Caller holds ch.mu.
func summary(ch *liveChat, uid int64, seq uint64) protocol.ChatSummary {
	r := ch.rec
	sum := protocol.ChatSummary{
		ID: r.ID, ConnectorID: r.ConnectorID, Connector: ch.connector.Name, State: protocol.ChatStatus(r.State), Seq: seq, CreatedAt: r.CreatedAt,
		Visitor: protocol.VisitorInfo{Name: r.VisitorName, Email: r.VisitorEmail, Phone: r.VisitorPhone, CustomerID: r.CustomerID, Lang: r.Lang,
			Page: r.Page, Referrer: r.Referrer, UserAgent: r.UserAgent, PData: r.PData, UData: r.UData, Fields: r.Fields},
	}
	if m := ch.agents[uid]; m != nil {
		sum.As = m.part
	}
	for _, m := range ch.agents {
		sum.Agents = append(sum.Agents, protocol.Participant{UserID: m.userID, Name: m.name, As: m.part})
	}
	sort.Slice(sum.Agents, func(i, j int) bool { return sum.Agents[i].UserID < sum.Agents[j].UserID })
	if ch.isDirect() {
		directSummary(ch, uid, &sum)
	}
	sum.Translation = translationState(ch)
	return sum
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// toolbox reads a connector's widget options; options that no longer parse give the defaults.
func toolbox(conn store.Connector) store.Toolbox {
	if tb, err := store.ParseToolbox(conn.Toolbox); err == nil {
		return tb
	}
	return store.DefaultToolbox()
}

// clockTimer is a pending timer of the service's clock.
type clockTimer = clock.Timer
