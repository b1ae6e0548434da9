package chat

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// router owns the ACD engine on one goroutine. Inputs queue up without blocking the caller (a
// chat's mutex may be held), and the engine's decisions are carried out on the same goroutine,
// in order.
type router struct {
	eng     *acd.Engine
	execute func([]acd.Decision)
	log     *slog.Logger

	mu    sync.Mutex
	queue []routerJob
	wake  chan struct{}
}

// routerJob is an event to apply, or a query to run, on the router goroutine; reply, when set,
// receives the event's decisions once they have been carried out.
type routerJob struct {
	ev    acd.Event
	query func(*acd.Engine)
	reply chan []acd.Decision
}

func newRouter(execute func([]acd.Decision), log *slog.Logger) *router {
	return &router{eng: acd.New(), execute: execute, log: log, wake: make(chan struct{}, 1)}
}

// submit queues an event.
func (r *router) submit(ev acd.Event) { r.push(routerJob{ev: ev}) }

// apply queues an event and waits until its decisions have been carried out.
func (r *router) apply(ev acd.Event) []acd.Decision {
	reply := make(chan []acd.Decision, 1)
	r.push(routerJob{ev: ev, reply: reply})
	return <-reply
}

// do runs f on the router goroutine and waits for it.
func (r *router) do(f func(*acd.Engine)) {
	reply := make(chan []acd.Decision, 1)
	r.push(routerJob{query: f, reply: reply})
	<-reply
}

func (r *router) push(j routerJob) {
	r.mu.Lock()
	r.queue = append(r.queue, j)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// queueInfo asks the engine about a connector's queue (MiCC GetQueueInfo).
func (r *router) queueInfo(c acd.ConnectorID) acd.QueueInfo {
	var info acd.QueueInfo
	r.do(func(e *acd.Engine) { info = e.QueueInfo(c, time.Now()) })
	return info
}

// chatInfo asks the engine about a chat (MiCC GetChatInfo).
func (r *router) chatInfo(c acd.ChatID) (acd.ChatInfo, bool) {
	var (
		info acd.ChatInfo
		ok   bool
	)
	r.do(func(e *acd.Engine) { info, ok = e.ChatInfo(c) })
	return info, ok
}

// explain returns the engine's decision log of a chat.
func (r *router) explain(c acd.ChatID) []acd.LogEntry {
	var out []acd.LogEntry
	r.do(func(e *acd.Engine) { out = e.Explain(c) })
	return out
}

// run is the router goroutine: it applies queued events, and Tick when the engine's next
// deadline comes, until stop closes. Jobs still queued then are answered with no decisions.
func (r *router) run(stop <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.mu.Lock()
		jobs := r.queue
		r.queue = nil
		r.mu.Unlock()
		for _, j := range jobs {
			var ds []acd.Decision
			if j.query != nil {
				j.query(r.eng)
			} else {
				ds = r.eng.Apply(time.Now(), j.ev)
				r.execute(ds)
			}
			if j.reply != nil {
				j.reply <- ds
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		wait := time.Hour
		if next, ok := r.eng.NextDeadline(); ok {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case <-stop:
			r.mu.Lock()
			jobs := r.queue
			r.queue = nil
			r.mu.Unlock()
			for _, j := range jobs {
				if j.reply != nil {
					j.reply <- nil
				}
			}
			return
		case <-r.wake:
		case <-timer.C:
			r.execute(r.eng.Apply(time.Now(), acd.Tick{}))
		}
	}
}

// execute carries out the engine's decisions. It runs on the router goroutine and must not
// wait for it.
func (s *Service) execute(ds []acd.Decision) {
	for _, d := range ds {
		switch d := d.(type) {
		case acd.Offer:
			s.offer(string(d.Chat), int64(d.Agent), d.Expires)
		case acd.RevokeOffer:
			s.revoke(string(d.Chat), int64(d.Agent), string(d.Reason))
		case acd.Assigned:
			s.assign(string(d.Chat), int64(d.Agent))
		case acd.Requeued:
			s.requeue(string(d.Chat), int64(d.FromAgent), string(d.Reason))
		case acd.QueueUpdate:
			s.queueUpdate(d)
		case acd.QueueUpdates:
			for _, u := range d.Updates {
				s.queueUpdate(u)
			}
		case acd.QueueMessage:
			s.queueMessage(string(d.Chat), d.Position, d.Of)
		case acd.WaitingMessage:
			s.waitingMessage(string(d.Chat), d.Which)
		case acd.CloseNoAgent:
			s.closeChat(string(d.Chat), protocol.CauseNoAgent, nil)
		case acd.Refused:
			s.closeChat(string(d.Chat), protocol.CauseOutOfService, nil)
		case acd.SetAgentStatus:
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
				defer cancel()
				if err := s.setStatus(ctx, int64(d.Agent), d.Status, "missed_offers"); err != nil {
					s.log.Error("auto status change", "agent", d.Agent, "err", err)
				}
			}()
		}
	}
}

// queueUpdate tells a waiting visitor their place and the estimated wait (transient).
func (s *Service) queueUpdate(u acd.QueueUpdate) {
	if ch := s.chatFor(string(u.Chat)); ch != nil {
		ch.broadcast(&protocol.Queue{Position: u.Position, Of: u.Of, EstimatedWait: seconds(u.EstimatedWait)}, toVisitor)
	}
}

// offer shows an agent a waiting chat.
func (s *Service) offer(chatID string, agentID int64, expires time.Time) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	ch.mu.Lock()
	ch.offerTo = agentID
	o := protocol.Offer{Chat: chatID, ConnectorID: ch.connector.ID, Connector: ch.connector.Name, Visitor: ch.rec.VisitorName,
		Question: ch.question, Lang: ch.rec.Lang, Expires: expires.UTC()}
	ch.mu.Unlock()
	s.mu.Lock()
	a := s.agents[agentID]
	if a != nil {
		a.offers[chatID] = o
	}
	s.mu.Unlock()
	for _, c := range s.agentConns(agentID) {
		c.SendEvent(protocol.Event{Chat: chatID, Body: &o})
	}
}

// revoke withdraws an offer.
func (s *Service) revoke(chatID string, agentID int64, reason string) {
	if ch := s.chatFor(chatID); ch != nil {
		ch.mu.Lock()
		if ch.offerTo == agentID {
			ch.offerTo = 0
		}
		ch.mu.Unlock()
	}
	s.mu.Lock()
	if a := s.agents[agentID]; a != nil {
		delete(a.offers, chatID)
	}
	s.mu.Unlock()
	for _, c := range s.agentConns(agentID) {
		c.SendEvent(protocol.Event{Chat: chatID, Body: &protocol.OfferRevoked{Reason: reason}})
	}
}

// assign joins the agent to the chat: the visitor sees them join, the agent's app opens the
// chat and receives its history.
func (s *Service) assign(chatID string, agentID int64) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	s.mu.Lock()
	a := s.agents[agentID]
	var user store.User
	if a != nil {
		delete(a.offers, chatID)
		user = a.user
	}
	s.mu.Unlock()
	if a == nil {
		return
	}
	conns := s.agentConns(agentID)
	now := stamp()
	ch.mu.Lock()
	ch.offerTo = 0
	ch.rec.State = string(protocol.StateActive)
	ch.rec.AgentID = agentID
	ch.rec.AcceptedAt = &now
	ch.rec.FirstReplyAt = nil
	sum := summary(ch)
	sum.State = protocol.StateActive
	// Subscriptions exist before the events are emitted, so nothing committed from here on can
	// miss the agent; the replay below fills in what came before.
	subs := make([]*subscription, 0, len(conns))
	for _, c := range conns {
		sub := &subscription{conn: c, role: protocol.RoleAgent, userID: agentID, replaying: true}
		ch.subMu.Lock()
		ch.subs[sub] = struct{}{}
		ch.subMu.Unlock()
		if old := connOf(c).setSub(chatID, sub); old != nil {
			ch.unsubscribe(old)
		}
		c.SendEvent(protocol.Event{Chat: chatID, Body: &protocol.ChatOpened{Chat: sum}})
		subs = append(subs, sub)
	}
	name := DisplayName(user)
	ch.agentName = name
	s.emit(ch, &protocol.Joined{Role: protocol.RoleAgent, Name: name, UserID: agentID, Lang: user.Lang}, nil, false, nil)
	s.emit(ch, &protocol.ChatState{State: protocol.StateActive, At: now}, nil, true, nil)
	ch.mu.Unlock()
	s.log.Info("chat assigned", "chat", chatID, "agent", agentID)
	for _, sub := range subs {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			defer cancel()
			err := s.replay(ctx, chatID, 0, func(seq uint64, frame []byte) {
				sub.mu.Lock()
				sub.sendLocked(seq, frame)
				sub.mu.Unlock()
			})
			if err != nil {
				s.log.Error("replay to agent", "chat", chatID, "err", err)
			}
			sub.mu.Lock()
			for _, h := range sub.held {
				sub.sendLocked(h.seq, h.frame)
			}
			sub.held, sub.replaying = nil, false
			sub.mu.Unlock()
		}()
	}
}

// requeue takes a chat back from an agent (answer time lapsed, agent gone) and queues it again.
func (s *Service) requeue(chatID string, agentID int64, reason string) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	now := stamp()
	ch.mu.Lock()
	ch.rec.State = string(protocol.StateQueued)
	ch.rec.AgentID = 0
	ch.rec.AcceptedAt, ch.rec.FirstReplyAt = nil, nil
	name := ch.agentName
	ch.agentName = ""
	s.log.Info("chat requeued", "chat", chatID, "agent", agentID, "reason", reason)
	s.emit(ch, &protocol.Left{Role: protocol.RoleAgent, Name: name, UserID: agentID}, nil, false, nil)
	s.emit(ch, &protocol.ChatState{State: protocol.StateQueued, Cause: protocol.Cause(reason), At: now}, nil, true, func(uint64, error) {
		ch.unsubscribeAgent(agentID)
	})
	ch.mu.Unlock()
}

// queueMessage tells a waiting visitor their place, once a minute (WhosOn queuemessage).
func (s *Service) queueMessage(chatID string, pos, of int) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	text := strings.NewReplacer("$position", strconv.Itoa(pos), "$of", strconv.Itoa(of)).Replace(ch.text(texts.QueueMessage))
	now := stamp()
	s.emit(ch, &protocol.Message{Role: protocol.RoleSystem, Text: text, Key: texts.QueueMessage, Class: "queuemessage", At: now},
		&store.Message{Role: string(protocol.RoleSystem), Text: text, At: now}, false, nil)
}

// waitingMessage sends one of the waiting lines (WhosOn linewaiting1/2, final).
func (s *Service) waitingMessage(chatID string, which acd.WaitingWhich) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	key := map[acd.WaitingWhich]string{acd.Waiting1: texts.Waiting1, acd.Waiting2: texts.Waiting2, acd.Final: texts.WaitingFinal}[which]
	if key == "" {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	s.emit(ch, systemLine(ch, key, "lineo "+string(which)), systemRow(ch, key), false, nil)
}

// closedLinger is how long a closed chat stays in memory after its close is committed.
const closedLinger = 10 * time.Minute

// closeChat ends a chat: the visitor gets the text for the cause (bye, byeNoAgent,
// outOfService), the state becomes closed, the engine forgets it. Closing a closed chat
// succeeds. done, if set, is called once the close is durable.
func (s *Service) closeChat(chatID string, cause protocol.Cause, done func(error)) {
	ch := s.chatFor(chatID)
	if ch == nil {
		if done != nil {
			done(nil)
		}
		return
	}
	now := stamp()
	ch.mu.Lock()
	if ch.rec.State == string(protocol.StateClosed) {
		ch.mu.Unlock()
		if done != nil {
			done(nil)
		}
		return
	}
	ch.stopTimers()
	key := texts.Bye
	switch cause {
	case protocol.CauseNoAgent:
		key = texts.ByeNoAgent
	case protocol.CauseOutOfService:
		key = texts.OutOfService
	}
	ch.rec.State = string(protocol.StateClosed)
	ch.rec.ClosedAt = &now
	ch.rec.CloseCause = string(cause)
	s.emit(ch, systemLine(ch, key, "bye"), systemRow(ch, key), false, nil)
	s.emit(ch, &protocol.ChatState{State: protocol.StateClosed, Cause: cause, At: now}, nil, true, func(_ uint64, err error) {
		// A closed chat stays reachable for a while, for the post-chat survey and late
		// readers; then only the store has it.
		time.AfterFunc(closedLinger, func() {
			s.mu.Lock()
			delete(s.chats, chatID)
			s.mu.Unlock()
		})
		if done != nil {
			done(err)
		}
	})
	ch.mu.Unlock()
	s.router.submit(acd.ChatClosed{Chat: acd.ChatID(chatID)})
	s.log.Info("chat closed", "chat", chatID, "cause", cause)
}

// connectorConfig turns a stored connector into the engine's settings; loc is the tenant's
// time zone, in which its opening hours are written.
func connectorConfig(c store.Connector, loc *time.Location) acd.ConnectorConfig {
	cfg := acd.ConnectorConfig{
		Connector: acd.ConnectorID(c.ID), Group: acd.GroupID(c.GroupID), Priority: c.Priority, MaxChatsAll: c.MaxChatsAll,
		ConnectWait: c.ConnectWait, AnswerTime: c.AnswerTime, FreeAgentSearch: c.FreeAgentSearch,
		IgnoreSkillsAfter: c.IgnoreSkillsAfter, IgnoreSkillsIfNoneSkilled: c.IgnoreSkillsIfNoneSkilled, OutOfService: c.OutOfService,
		Waiting1: c.Waiting1, Waiting2: c.Waiting2, Final: c.WaitingFinal,
	}
	for i, sk := range c.Skills {
		cfg.Skills[i] = acd.SkillReq{Skill: sk.Skill, Min: sk.Min, IgnoreAfter: sk.IgnoreAfter}
	}
	// Hours were validated when saved; a document that no longer parses leaves the connector
	// always open rather than closing it by surprise.
	if hours, err := store.ParseOpeningHours(c.OpeningHours); err == nil && hours != nil {
		sch := &acd.Schedule{Location: loc}
		for day, ranges := range hours.Weekly() {
			for _, r := range ranges {
				sch.Weekly[day] = append(sch.Weekly[day], acd.Interval{Start: r.Start, End: r.End})
			}
		}
		for _, d := range hours.ClosedDates() {
			sch.Closed = append(sch.Closed, acd.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()})
		}
		cfg.Hours = sch
	}
	return cfg
}

// groupConfig turns a stored group into the engine's settings.
func groupConfig(g store.ACDGroup) acd.GroupConfig {
	return acd.GroupConfig{Group: acd.GroupID(g.ID), Strategy: acd.Strategy(g.Strategy)}
}

// agentState turns a user and their status into the engine's view of the agent.
func agentState(u store.User, statuses []store.AgentStatus, connected bool) acd.AgentState {
	st := acd.AgentState{Agent: acd.AgentID(u.ID), Skills: u.Skills, MaxChats: u.MaxChats, Connected: connected && u.Active,
		MissedLimit: u.MissedLimit, MissedStatus: u.MissedStatusID}
	for _, g := range u.Groups {
		st.Groups = append(st.Groups, acd.GroupID(g))
	}
	for _, s := range statuses {
		if s.ID == u.StatusID {
			st.AllowsChat = s.AllowsChat
		}
	}
	return st
}
