package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// execute carries out the engine's decisions, made under the routing leader's term (0 for
// this process's own engine). It runs on the routing goroutine and must not wait for it; it
// may take chats' locks, which nobody holds while waiting for routing.
func (s *Service) execute(term int64, ds []acd.Decision) {
	for _, d := range ds {
		if !s.termCurrent(term, d) {
			continue
		}
		switch d := d.(type) {
		case acd.Offer:
			s.offer(string(d.Chat), int64(d.Agent), d.Expires)
		case acd.RevokeOffer:
			s.revoke(string(d.Chat), int64(d.Agent), string(d.Reason))
		case acd.Assigned:
			s.assign(string(d.Chat), int64(d.Agent), term)
		case acd.TakenOver:
			s.takenOver(string(d.Chat), int64(d.Agent))
		case acd.Requeued:
			s.requeue(string(d.Chat), int64(d.FromAgent), string(d.Reason), term)
		case acd.TransferOffer:
			s.transferOffer(d)
		case acd.TransferDone:
			s.handOver(d)
		case acd.TransferFailed:
			s.transferFailed(d)
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
			s.closeChatUnder(term, string(d.Chat), protocol.CauseNoAgent, nil)
		case acd.Refused:
			s.closeChatUnder(term, string(d.Chat), protocol.CauseOutOfService, nil)
		case acd.SetAgentStatus:
			if s.clustered() && !s.hasAgent(int64(d.Agent)) {
				continue // the nodes the agent is connected to change it
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
				defer cancel()
				if err := s.setStatus(ctx, int64(d.Agent), d.Status, "missed_offers"); err != nil {
					s.log.Error("auto status change", "agent", d.Agent, "err", err)
				}
			}()
		}
	}
}

// termCurrent reports whether decision d, made under term, may be carried out: a decision
// that writes a chat this node holds (an assignment, a requeue, a close) is checked against
// the leader term in the database first, so that a deposed leader's decision does not change
// the chat in memory either. The check is not the fence: the term may change right after it,
// and the writes themselves are written only under term (emit, store.EnqueueFenced). When the
// database does not answer, the fence alone decides.
func (s *Service) termCurrent(term int64, d acd.Decision) bool {
	if term == 0 {
		return true
	}
	var chat acd.ChatID
	switch d := d.(type) {
	case acd.Assigned:
		chat = d.Chat
	case acd.Requeued:
		chat = d.Chat
	case acd.CloseNoAgent:
		chat = d.Chat
	case acd.Refused:
		chat = d.Chat
	default:
		return true
	}
	if s.chatFor(string(chat)) == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
	defer cancel()
	err := s.st.CheckTerm(ctx, term)
	if errors.Is(err, store.ErrStaleTerm) {
		s.staleDecisions.Add(1)
		s.log.Warn("cluster routing: a deposed leader's decision not carried out", "chat", chat, "decision", fmt.Sprintf("%T", d), "err", err)
		return false
	}
	if err != nil {
		s.log.Warn("cluster routing: the leader term could not be checked; the write is fenced", "chat", chat, "err", err)
	}
	return true
}

// StaleDecisions counts the decisions of deposed routing leaders this node refused to carry
// out (the database's term had moved on), for /metrics.
func (s *Service) StaleDecisions() uint64 { return s.staleDecisions.Load() }

// queueUpdate tells a waiting visitor their place and the estimated wait (transient).
func (s *Service) queueUpdate(u acd.QueueUpdate) {
	s.transient(string(u.Chat), "queue", &protocol.Queue{Position: u.Position, Of: u.Of, EstimatedWait: seconds(u.EstimatedWait)}, toVisitor)
}

// offer shows an agent a waiting chat.
func (s *Service) offer(chatID string, agentID int64, expires time.Time) {
	ch := s.chatFor(chatID)
	if ch == nil {
		s.offerRemote(chatID, agentID, expires)
		return
	}
	lang := s.agentLang(agentID)
	ch.mu.Lock()
	if ch.closed() {
		// Routing decided before it learned of the close.
		ch.mu.Unlock()
		return
	}
	ch.offerTo = agentID
	if ch.rec.OfferedAt == nil {
		// Kept in the chat row from its next write (answer or close), for reports.
		at := s.stamp()
		ch.rec.OfferedAt = &at
	}
	o := protocol.Offer{Chat: chatID, ConnectorID: ch.connector.ID, Connector: ch.connector.Name, Visitor: ch.rec.VisitorName,
		Question: ch.question, Lang: ch.rec.Lang, Expires: expires.UTC()}
	later := offerTranslation(ch, &o, lang)
	ch.mu.Unlock()
	s.sendOffer(ch, agentID, o, lang, later)
	s.pushOffer(agentID, o)
	s.touched(chatID, time.Time{})
}

// sendOffer gives an agent an offer (kept for their other and later connections) and, when its
// question is still to be translated into their language lang, has that done meanwhile.
func (s *Service) sendOffer(ch *liveChat, agentID int64, o protocol.Offer, lang string, later bool) {
	s.mu.Lock()
	if a := s.agents[agentID]; a != nil {
		a.offers[ch.id] = o
	}
	s.mu.Unlock()
	for _, ss := range s.agentSessions(agentID) {
		ss.send(protocol.Event{Chat: ch.id, Body: &o})
	}
	if later {
		s.background(func() { s.translateOffer(ch, agentID, lang, o.Expires) })
	}
}

// revoke withdraws an offer.
func (s *Service) revoke(chatID string, agentID int64, reason string) {
	s.remote.end(chatID, agentID)
	if ch := s.chatFor(chatID); ch != nil {
		ch.mu.Lock()
		if ch.offerTo == agentID {
			ch.offerTo = 0
		}
		if reason == string(acd.RevokeTimeout) {
			ch.rec.MissedOffers++
		}
		ch.mu.Unlock()
	}
	s.mu.Lock()
	if a := s.agents[agentID]; a != nil {
		delete(a.offers, chatID)
	}
	s.mu.Unlock()
	for _, ss := range s.agentSessions(agentID) {
		ss.send(protocol.Event{Chat: chatID, Body: &protocol.OfferRevoked{Reason: reason}})
	}
	s.touched(chatID, time.Time{})
}

// newOwner finds chat chatID and the signed-in agent who is to own it (by assignment, transfer
// or takeover), dropping the agent's offer of it; ok is false when either is gone.
func (s *Service) newOwner(chatID string, agentID int64) (ch *liveChat, user store.User, ok bool) {
	if ch = s.chatFor(chatID); ch == nil {
		return nil, user, false
	}
	s.mu.Lock()
	a := s.agents[agentID]
	if a != nil {
		delete(a.offers, chatID)
		user = a.user
	}
	s.mu.Unlock()
	if a == nil {
		if !s.clustered() {
			return nil, user, false
		}
		// The agent is connected to another node of the cluster.
		ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
		defer cancel()
		u, err := s.st.User(ctx, agentID)
		if err != nil {
			s.log.Warn("cluster: the new owner of a chat", "chat", chatID, "agent", agentID, "err", err)
			return nil, user, false
		}
		user = u
	}
	return ch, user, true
}

// assign makes the agent the chat's owner: the visitor sees them join, the agent's app opens
// the chat and receives its history.
func (s *Service) assign(chatID string, agentID int64, term int64) {
	if s.chatFor(chatID) == nil {
		s.openRemote(chatID, agentID)
		return
	}
	ch, user, ok := s.newOwner(chatID, agentID)
	if !ok {
		return
	}
	now := s.stamp()
	name := DisplayName(user)
	ch.mu.Lock()
	if ch.closed() {
		ch.mu.Unlock()
		return
	}
	ch.offerTo = 0
	ch.rec.State = string(protocol.StateActive)
	ch.rec.AgentID = agentID
	ch.rec.AcceptedAt = &now
	ch.rec.FirstReplyAt = nil
	m := &member{userID: agentID, name: name, lang: user.Lang, part: protocol.PartOwner,
		row: &store.Participant{ChatID: chatID, Role: store.ParticipantOwner, UserID: agentID, Name: name, JoinedAt: now}}
	if old := ch.agents[agentID]; old != nil && old.row != nil {
		// Someone who was reading along (a supervisor) takes the chat over.
		old.row.LeftAt = &now
		s.emit(ch, nil, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: old.name, UserID: agentID, As: old.part}, part: old.row, agentsOnly: !old.part.Visible()})
	}
	ch.agents[agentID] = m
	sum := summary(ch, agentID, ch.seq.Load())
	sum.State = protocol.StateActive
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.retranslateFor(ch, user.Lang)
		}
	},
		emission{body: &protocol.Joined{Role: protocol.RoleAgent, Name: name, UserID: agentID, Lang: user.Lang, As: protocol.PartOwner}, part: m.row, term: term},
		emission{body: &protocol.ChatState{State: protocol.StateActive, At: now}, saveChat: true, term: term})
	ch.mu.Unlock()
	s.log.Info("chat assigned", "chat", chatID, "agent", agentID)
	s.openFor(agentID, chatID, sum)
}

// requeue takes a chat back from its owner (answer time lapsed, agent gone) and queues it again.
func (s *Service) requeue(chatID string, agentID int64, reason string, term int64) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	now := s.stamp()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed() {
		return // routing decided before it learned of the close
	}
	ch.rec.State = string(protocol.StateQueued)
	ch.rec.AgentID = 0
	ch.rec.AcceptedAt, ch.rec.FirstReplyAt = nil, nil
	name := ""
	var row *store.Participant
	if m := ch.agents[agentID]; m != nil {
		name, row = m.name, m.row
		delete(ch.agents, agentID)
		if row != nil {
			row.LeftAt = &now
		}
	}
	s.log.Info("chat requeued", "chat", chatID, "agent", agentID, "reason", reason)
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.dropAgent(agentID, chatID)
		}
	},
		emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: name, UserID: agentID, As: protocol.PartOwner}, part: row, term: term},
		emission{body: &protocol.ChatState{State: protocol.StateQueued, Cause: protocol.Cause(reason), At: now}, saveChat: true, term: term})
}

// queueMessage tells a waiting visitor their place, once a minute (WhosOn queuemessage).
func (s *Service) queueMessage(chatID string, pos, of int) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed() {
		return
	}
	text := strings.NewReplacer("$position", strconv.Itoa(pos), "$of", strconv.Itoa(of)).Replace(ch.text(texts.QueueMessage))
	s.emit(ch, nil, line(&protocol.Message{Role: protocol.RoleSystem, Text: text, Key: texts.QueueMessage, Class: "queuemessage", At: s.stamp()}, 0, ""))
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
	if ch.closed() {
		return
	}
	s.emit(ch, nil, s.systemLine(ch, key, "lineo "+string(which)))
}

// closedLinger is how long a closed chat stays in memory after its close is committed, for
// the post-chat survey and late readers.
const closedLinger = 10 * time.Minute

// closeChat ends a chat: the visitor gets the text for the cause (bye, byeNoAgent,
// outOfService), everyone in it leaves, the state becomes closed, routing forgets it. Closing
// a closed chat succeeds. done, if set, is called once the close is durable.
func (s *Service) closeChat(chatID string, cause protocol.Cause, done func(error)) {
	s.closeChatUnder(0, chatID, cause, done)
}

// closeChatUnder is closeChat by a decision of the routing leader of term: the close is
// written only under it (0: not fenced).
func (s *Service) closeChatUnder(term int64, chatID string, cause protocol.Cause, done func(error)) {
	ch := s.chatFor(chatID)
	if ch == nil {
		if done != nil {
			done(nil)
		}
		return
	}
	now := s.stamp()
	ch.mu.Lock()
	if ch.closed() {
		ch.mu.Unlock()
		if done != nil {
			done(nil)
		}
		return
	}
	ch.stopTimers()
	flushLane(ch) // the lines sent before the close go before it
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
	es := []emission{s.systemLine(ch, key, "bye")}
	if ch.isDirect() {
		es[0] = s.directCloseLine(ch, cause)
	}
	for _, m := range ch.agents {
		if m.row != nil {
			// The close says it all; the participants' records just end.
			m.row.LeftAt = &now
			es = append(es, emission{part: m.row})
		}
	}
	es = append(es, emission{body: &protocol.ChatState{State: protocol.StateClosed, Cause: cause, At: now}, saveChat: true, part: s.visitorLeaves(ch, now), term: term})
	s.emit(ch, func(_ []*store.Event, err error) {
		s.clk.AfterFunc(closedLinger, func() { s.drop(chatID) })
		if done != nil {
			done(err)
		}
	}, es...)
	invites := takeInvites(ch)
	ch.mu.Unlock()
	for uid, inv := range invites {
		s.inviteOver(chatID, uid, inv, "closed")
	}
	s.proactiveClosed(chatID)
	if !ch.isDirect() { // the routing engine never had it
		s.router.Submit(acd.ChatClosed{Chat: acd.ChatID(chatID)})
	}
	s.log.Info("chat closed", "chat", chatID, "cause", cause)
}

// visitorLeaves marks the visitor's participation ended. Caller holds ch.mu.
func (s *Service) visitorLeaves(ch *liveChat, now time.Time) *store.Participant {
	if ch.visitorRow == nil {
		return nil
	}
	ch.visitorRow.LeftAt = &now
	return ch.visitorRow
}

// drop forgets a closed chat: only the store has it now, and nobody follows it any more.
func (s *Service) drop(chatID string) {
	s.mu.Lock()
	delete(s.chats, chatID)
	s.mu.Unlock()
	s.forgetSupervised(chatID)
	for _, sub := range s.hub.Subs(chatID) {
		if w := tagOf(sub); w.ss != nil {
			w.ss.unsubscribe(chatID)
		} else {
			sub.Close()
		}
	}
}
