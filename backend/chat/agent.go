package chat

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/backend/chat/routing"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// liveAgent is a signed-in agent (or one given the reconnect window after a restart) with
// their sessions. Guarded by Service.mu.
type liveAgent struct {
	user      store.User
	statuses  []store.AgentStatus
	conns     map[*Session]struct{}
	offers    map[string]protocol.Offer
	invites   map[string]protocol.Invitation // open invitations into chats, by chat
	goneTimer clock.Timer
	active    time.Time // last activity in the app, for colleagues (direct.go)
}

// agentCommand runs a command of a connected agent.
func (ss *Session) agentCommand(ctx context.Context, cmd protocol.Command) {
	s := ss.s
	uid := ss.userID()
	if ss.forward(ctx, cmd) {
		return
	}
	switch b := cmd.Body.(type) {
	case *protocol.StatusSet:
		ss.reply(cmd.ID, nil, s.setStatus(ctx, uid, b.Status, ""))
	case *protocol.OfferAccept:
		ss.reply(cmd.ID, nil, s.accept(cmd.Chat, uid))
	case *protocol.OfferDecline:
		if !s.offered(uid, cmd.Chat) {
			ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "chat %q is not offered to you", cmd.Chat))
			return
		}
		s.router.Submit(acd.OfferDeclined{Chat: acd.ChatID(cmd.Chat), Agent: acd.AgentID(uid)})
		ss.reply(cmd.ID, nil, nil)
	case *protocol.Resume:
		ss.agentResume(ctx, cmd, b)
	case *protocol.Send:
		if !b.Internal && !ss.lineAllowed(ctx, cmd, b.Text, false) {
			return
		}
		ss.post(ctx, cmd, b.Text, b.HideLocal, nil)
	case *protocol.FileSend:
		if !ss.lineAllowed(ctx, cmd, b.Name, true) {
			return
		}
		ss.sendFile(ctx, cmd, b)
	case *protocol.FieldAsk:
		ss.askField(cmd, uid, b)
	case *protocol.FileAsk:
		ss.askFile(ctx, cmd, uid, b)
	case *protocol.Typing:
		ss.inChat(cmd, func(ch *liveChat) error {
			ch.mu.Lock()
			m := ch.agents[uid]
			ch.mu.Unlock()
			if m == nil {
				return notInChat(cmd.Chat)
			}
			// The visitor sees agents who write to them typing (not an internal note); the
			// other agents see everyone, so that two do not answer the visitor at once.
			visible := m.part.Visible() && !b.Internal
			if visible {
				s.transient(ch.id, "typing/agent/"+itoa(uid), &protocol.TypingEvent{Role: protocol.RoleAgent, Name: m.name, On: b.On}, toVisitor)
			}
			s.transient(ch.id, "typing/agent/"+itoa(uid), &protocol.TypingEvent{Role: protocol.RoleAgent, Name: m.name, On: b.On, UserID: uid, Internal: b.Internal},
				TransientTo{Role: protocol.RoleAgent, Except: uid})
			return nil
		})
	case *protocol.Close:
		ss.agentClose(ctx, cmd, b)
	case *protocol.ChatTags:
		ss.chatTags(ctx, cmd, b)
	case *protocol.TranslateSet:
		ss.translateSet(cmd, b)
	case *protocol.ChatJoin:
		ss.join(ctx, cmd, b.As)
	case *protocol.ChatLeave:
		ss.leave(ctx, cmd)
	case *protocol.ChatInvite:
		ss.invite(ctx, cmd, b)
	case *protocol.InviteAccept:
		ss.answerInvite(ctx, cmd, true)
	case *protocol.InviteDecline:
		ss.answerInvite(ctx, cmd, false)
	case *protocol.SuperviseWatch:
		ss.watch(ctx, cmd, b)
	case *protocol.ChatTakeover:
		ss.takeover(ctx, cmd, b)
	case *protocol.ChatTransfer:
		ss.transfer(ctx, cmd, b)
	case *protocol.TransferCancel:
		ss.cancelTransfer(cmd)
	case *protocol.DirectStart:
		ss.directStart(ctx, cmd, b)
	case *protocol.Activity:
		ss.activity(ctx, cmd)
	case *protocol.VisitorInvite:
		ss.visitorInvite(ctx, cmd, b)
	default:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not handled on this endpoint", cmd.Body.CommandType()))
	}
}

// agentConnect authenticates an agent connection and sends what the app needs to start.
// lineAllowed runs the service's AgentLineCheck on an agent's line to the visitor and
// answers the command with its refusal.
func (ss *Session) lineAllowed(ctx context.Context, cmd protocol.Command, text string, file bool) bool {
	check := ss.s.cfg.AgentLineCheck
	if check == nil || !ss.follows(cmd.Chat) {
		return true // a chat the agent is not in is refused by the command itself
	}
	if err := check(ctx, cmd.Chat, text, file); err != nil {
		ss.reply(cmd.ID, nil, err)
		return false
	}
	return true
}

func (ss *Session) agentConnect(ctx context.Context, id string, b *protocol.AgentConnect) {
	s, c := ss.s, ss.c
	ss.mu.Lock()
	connected := ss.connected
	ss.mu.Unlock()
	if connected {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeConflict, "already connected"))
		return
	}
	raw := b.Token
	if raw == "" {
		raw = c.Cookie(session.Cookie)
	}
	user, err := s.st.SessionUser(ctx, raw)
	if err != nil || !user.Active || user.TenantID == 0 {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			ss.reply(id, nil, err)
			return
		}
		ss.reply(id, nil, protocol.Errorf(protocol.CodeUnauthorized, "the session is not valid; sign in again"))
		c.Close(protocol.CloseUnauthorized, "sign in again")
		return
	}
	statuses, err := s.st.Statuses(ctx, user.TenantID)
	if err != nil {
		ss.reply(id, nil, err)
		return
	}
	ss.mu.Lock()
	ss.connected, ss.user = true, user
	ss.mu.Unlock()

	s.mu.Lock()
	a := s.agents[user.ID]
	if a == nil {
		a = &liveAgent{conns: map[*Session]struct{}{}, offers: map[string]protocol.Offer{}, invites: map[string]protocol.Invitation{}}
		s.agents[user.ID] = a
	}
	if a.goneTimer != nil {
		a.goneTimer.Stop()
		a.goneTimer = nil
	}
	a.user, a.statuses = user, statuses
	a.conns[ss] = struct{}{}
	a.active = s.clk.Now()
	offers := make([]protocol.Offer, 0, len(a.offers))
	for _, o := range a.offers {
		offers = append(offers, o)
	}
	var invites []protocol.Invitation
	for _, inv := range a.invites {
		invites = append(invites, inv)
	}
	s.mu.Unlock()
	s.router.Submit(routing.AgentState(user, statuses, true))
	s.colleaguesChanged(user.TenantID)
	invites = append(invites, s.pendingDirect(user.ID, invites)...)
	invites = append(invites, s.remoteDirect(ctx, user, invites)...)

	sort.Slice(invites, func(i, j int) bool { return invites[i].Expires.Before(invites[j].Expires) })
	ready := &protocol.AgentReady{User: WireUser(user), Status: user.StatusID, Offers: offers, Chats: s.chatsOf(user.ID), Invitations: invites}
	for _, st := range statuses {
		ready.Statuses = append(ready.Statuses, wireStatus(st))
	}
	if err := s.classifyLists(ctx, user.TenantID, ready); err != nil {
		s.log.Warn("agent start: tag and outcome lists", "agent", user.ID, "err", err)
	}
	if err := s.surveyLists(ctx, user.TenantID, ready); err != nil {
		s.log.Warn("agent start: survey fields", "agent", user.ID, "err", err)
	}
	sort.Slice(ready.Offers, func(i, j int) bool { return ready.Offers[i].Expires.Before(ready.Offers[j].Expires) })
	ss.reply(id, nil, nil)
	ss.send(protocol.Event{Body: ready})
	s.sendVisitors(ss, user.TenantID)
}

// agentLeft handles an agent session's end: an agent whose last connection went away has the
// reconnect window to come back before their offers and chats go to others.
func (s *Service) agentLeft(ss *Session) {
	uid := ss.userID()
	defer s.colleaguesChanged(ss.tenantID())
	// The offers still ringing when the app closes are pushed (after mu is released).
	var ringing []protocol.Offer
	defer func() {
		for _, o := range ringing {
			s.pushOffer(uid, o)
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[uid]
	if a == nil {
		return
	}
	delete(a.conns, ss)
	if len(a.conns) > 0 || s.closed {
		return
	}
	s.router.Submit(acd.AgentDisconnected{Agent: acd.AgentID(uid)})
	s.startAgentGone(uid, a)
	if s.cfg.Push != nil {
		for _, o := range a.offers {
			ringing = append(ringing, o)
		}
	}
}

// startAgentGone starts an absent agent's reconnect window. Caller holds s.mu.
func (s *Service) startAgentGone(uid int64, a *liveAgent) {
	if a.goneTimer != nil {
		a.goneTimer.Stop()
	}
	a.goneTimer = s.clk.AfterFunc(s.cfg.AgentReconnectWindow, func() {
		s.mu.Lock()
		gone := s.agents[uid] == a && len(a.conns) == 0
		tenant := a.user.TenantID
		if gone {
			delete(s.agents, uid)
		}
		s.mu.Unlock()
		if gone {
			s.log.Info("agent did not come back", "agent", uid)
			s.router.Submit(acd.AgentGone{Agent: acd.AgentID(uid)})
			s.colleaguesChanged(tenant)
		}
	})
}

// chatsOf lists the open chats an agent is in, oldest first.
func (s *Service) chatsOf(uid int64) []protocol.ChatSummary {
	out := []protocol.ChatSummary{}
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if ch.agents[uid] != nil && !ch.closed() {
			out = append(out, summary(ch, uid, ch.seq.Load()))
		}
		ch.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// offered reports whether a chat is offered to the agent now.
func (s *Service) offered(uid int64, chatID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[uid]
	if a == nil {
		return false
	}
	_, ok := a.offers[chatID]
	return ok
}

// setStatus changes an agent's status, if the tenant has it and agents may set it (reason is
// empty) or the system sets it (reason says why).
func (s *Service) setStatus(ctx context.Context, userID, statusID int64, reason string) error {
	s.mu.Lock()
	a := s.agents[userID]
	var statuses []store.AgentStatus
	if a != nil {
		statuses = a.statuses
	}
	s.mu.Unlock()
	if a == nil || statuses == nil {
		u, err := s.st.User(ctx, userID)
		if err != nil {
			return err
		}
		if statuses, err = s.st.Statuses(ctx, u.TenantID); err != nil {
			return err
		}
	}
	var found *store.AgentStatus
	for i := range statuses {
		if statuses[i].ID == statusID {
			found = &statuses[i]
		}
	}
	if found == nil {
		return protocol.Errorf(protocol.CodeNotFound, "status %d does not exist", statusID)
	}
	if reason == "" && !found.AgentSettable {
		return protocol.Errorf(protocol.CodeForbidden, "status %q cannot be set by agents", found.Name)
	}
	s.userMu.Lock()
	defer s.userMu.Unlock()
	if err := s.st.SetUserStatus(ctx, userID, statusID); err != nil {
		return err
	}
	s.mu.Lock()
	a = s.agents[userID]
	var conns []*Session
	var tenant int64
	if a != nil {
		tenant = a.user.TenantID
		a.user.StatusID = statusID
		for c := range a.conns {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	// The agent hears of the status before routing does, so that an offer it brings follows
	// agent.status on the agent's connections. Routing then gets the agent's state as it is
	// now, under mu like every other change of it (userMu keeps status changes in order).
	for _, c := range conns {
		c.send(protocol.Event{Body: &protocol.AgentStatus{Status: statusID, Reason: reason}})
	}
	s.mu.Lock()
	if a = s.agents[userID]; a != nil {
		s.router.Submit(routing.AgentState(a.user, a.statuses, len(a.conns) > 0))
	}
	s.mu.Unlock()
	if tenant != 0 {
		s.colleaguesChanged(tenant)
	}
	return nil
}

// accept asks the engine whether the offer still stands; the engine's Assigned decision then
// joins the agent to the chat (see assign).
func (s *Service) accept(chatID string, userID int64) error {
	for _, d := range s.router.Apply(acd.OfferAccepted{Chat: acd.ChatID(chatID), Agent: acd.AgentID(userID)}) {
		if a, ok := d.(acd.Assigned); ok && a.Chat == acd.ChatID(chatID) && a.Agent == acd.AgentID(userID) {
			return nil
		}
		if t, ok := d.(acd.TransferDone); ok && t.Chat == acd.ChatID(chatID) && t.To == acd.AgentID(userID) {
			return nil
		}
	}
	return protocol.Errorf(protocol.CodeConflict, "the offer is no longer open")
}

// agentResume re-attaches an agent connection to a chat they are in, sending what they missed
// first; a chat they handled that has ended (and left memory) can still be read.
func (ss *Session) agentResume(ctx context.Context, cmd protocol.Command, b *protocol.Resume) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		rec, err := s.st.Chat(ctx, cmd.Chat)
		if err != nil || rec.TenantID != user.TenantID || !s.tookPart(ctx, rec, user.ID) {
			ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "you do not handle chat %q", cmd.Chat))
			return
		}
		if rec.State != string(protocol.StateClosed) && s.cfg.Claim != nil {
			// An open chat this node does not hold: its node died (take it over), or another
			// live node holds it: then this connection follows it here (its events come over
			// NATS) and its commands go to that node (forward).
			if ch, err = s.adopt(ctx, rec); errors.Is(err, ErrHeldElsewhere) && s.cfg.Forward != nil {
				last, err := ss.subscribe(ctx, cmd.Chat, fanout.Agents, b.After, who{role: protocol.RoleAgent, userID: user.ID, ss: ss})
				ss.reply(cmd.ID, &protocol.Ack{Chat: cmd.Chat, Seq: last}, err)
				return
			} else if err != nil {
				ss.reply(cmd.ID, nil, err)
				return
			}
		}
	}
	if ch == nil {
		last, err := ss.subscribe(ctx, cmd.Chat, fanout.Agents, b.After, who{role: protocol.RoleAgent, userID: user.ID, ss: ss})
		if err == nil {
			ss.unsubscribe(cmd.Chat)
		}
		ss.reply(cmd.ID, &protocol.Ack{Chat: cmd.Chat, Seq: last}, err)
		return
	}
	ch.mu.Lock()
	member := ch.agents[user.ID] != nil
	ch.mu.Unlock()
	if !member {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "you do not handle chat %q", cmd.Chat))
		return
	}
	last, err := ss.subscribe(ctx, ch.id, fanout.Agents, b.After, who{role: protocol.RoleAgent, userID: user.ID, ss: ss})
	ss.reply(cmd.ID, &protocol.Ack{Chat: ch.id, Seq: last}, err)
}

// tookPart reports whether an agent was in a chat that has left memory: its last owner, or a
// recorded participant.
func (s *Service) tookPart(ctx context.Context, rec store.Chat, uid int64) bool {
	if rec.AgentID == uid {
		return true
	}
	ps, err := s.st.Participants(ctx, rec.ID)
	if err != nil {
		return false
	}
	for _, p := range ps {
		if p.UserID == uid && p.Role != store.ParticipantVisitor {
			return true
		}
	}
	return false
}

// join adds a supervisor or administrator to a chat of their tenant as an observer (unseen by
// the visitor) or a participant, or switches an agent already in the chat (invited) between
// the two parts; a newcomer's app gets the chat and its history.
func (ss *Session) join(ctx context.Context, cmd protocol.Command, as protocol.Part) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat))
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	ch.mu.Lock()
	_, member := ch.agents[user.ID]
	supervises := user.Role == store.RoleSupervisor || user.Role == store.RoleAdmin || user.Role == store.RoleSuperAdmin
	switch {
	case ch.rec.TenantID != user.TenantID:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat))
		return
	case ch.isDirect():
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "a chat between two agents is theirs alone"))
		return
	case !member && !supervises && !(user.Bot && as == protocol.PartParticipant):
		// A bot user joins chats it is told about (webhooks) to answer them (WhosOn IsBot).
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only supervisors and administrators may join chats they were not given; ask to be invited"))
		return
	case ch.closed():
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	case ch.agents[user.ID] != nil && ch.agents[user.ID].part == as:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, nil) // already there, as asked: a retry
		return
	case ch.rec.AgentID == user.ID:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "you own this chat"))
		return
	}
	es, sum, switched := s.addMember(ch, user, as)
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.log.Info("agent joined a chat", "chat", ch.id, "agent", user.ID, "as", as)
			s.retranslateFor(ch, user.Lang)
		}
		ss.reply(cmd.ID, nil, err)
	}, es...)
	ch.mu.Unlock()
	if !switched {
		s.openFor(user.ID, ch.id, sum)
	}
}

// addMember puts an agent into a chat in a part, or moves them to another (leaving as the
// old, joining as the new), and returns the writes, the chat as the agent's list shows it, and
// whether they were in it already. Caller holds ch.mu.
func (s *Service) addMember(ch *liveChat, user store.User, as protocol.Part) ([]emission, protocol.ChatSummary, bool) {
	now := s.stamp()
	var es []emission
	m := ch.agents[user.ID]
	switched := m != nil
	var was protocol.Part
	if m != nil {
		was = m.part
	}
	s.countPart(ch.id, user.ID, was, as)
	if m != nil && m.row != nil {
		left := now
		m.row.LeftAt = &left
		es = append(es, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: m.name, UserID: user.ID, As: m.part}, part: m.row, agentsOnly: !m.part.Visible()})
	}
	m = &member{userID: user.ID, name: DisplayName(user), lang: user.Lang, part: as,
		row: &store.Participant{ChatID: ch.id, Role: string(as), UserID: user.ID, Name: DisplayName(user), JoinedAt: now}}
	ch.agents[user.ID] = m
	es = append(es, emission{body: &protocol.Joined{Role: protocol.RoleAgent, Name: m.name, UserID: user.ID, Lang: user.Lang, As: as}, part: m.row, agentsOnly: !as.Visible()})
	return es, summary(ch, user.ID, ch.seq.Load()), switched
}

// leave takes an agent who joined a chat out of it; the owner hands a chat on by other means.
func (ss *Session) leave(ctx context.Context, cmd protocol.Command) {
	s := ss.s
	uid := ss.userID()
	if ss.leaveDirect(cmd) {
		return
	}
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat))
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	ch.mu.Lock()
	m := ch.agents[uid]
	switch {
	case m == nil:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, nil) // not there (any more): a retry
		return
	case uid == ch.rec.AgentID:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "you own this chat: close it, or wait for its transfer"))
		return
	}
	delete(ch.agents, uid)
	s.countPart(ch.id, uid, m.part, "")
	now := s.stamp()
	m.row.LeftAt = &now
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.dropAgent(uid, ch.id)
		}
		ss.reply(cmd.ID, nil, err)
	}, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: m.name, UserID: uid, As: m.part}, part: m.row, agentsOnly: !m.part.Visible()})
	ch.mu.Unlock()
}

// openFor puts a chat on every connection of an agent: chat.opened, then its history. The
// connections follow the chat at once; the history is sent on goroutines of their own, so
// that routing never waits for a client.
func (s *Service) openFor(uid int64, chatID string, sum protocol.ChatSummary) {
	for _, ss := range s.agentSessions(uid) {
		// Followed before the app hears of the chat, so that a command it sends at once is
		// taken (here, or forwarded to the holder); the chat's events wait for the catch-up.
		sub := ss.attach(chatID, fanout.Agents, 0, who{role: protocol.RoleAgent, userID: uid, ss: ss})
		ss.send(protocol.Event{Chat: chatID, Body: &protocol.ChatOpened{Chat: sum}})
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stop := context.AfterFunc(s.ctx, cancel)
			defer stop()
			if _, err := ss.catchUp(ctx, sub); err != nil {
				s.log.Warn("chat history for an agent", "chat", chatID, "agent", uid, "err", err)
			}
		}()
	}
}

// dropAgent takes a chat off every connection of an agent.
func (s *Service) dropAgent(uid int64, chatID string) {
	for _, ss := range s.agentSessions(uid) {
		ss.unsubscribe(chatID)
	}
}

// askField sends the visitor an agent's field request and remembers it until answered; a
// visitor who reconnects gets the open requests again.
func (ss *Session) askField(cmd protocol.Command, uid int64, b *protocol.FieldAsk) {
	s := ss.s
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	f := b.Field
	f.Enabled = true
	ch.mu.Lock()
	switch {
	case !ch.writes(uid):
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents handling the chat may ask the visitor"))
		return
	case ch.closed():
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	}
	if ch.asked == nil {
		ch.asked = map[string]protocol.SurveyField{}
	}
	ch.asked[f.Name] = f
	ch.mu.Unlock()
	s.transient(ch.id, "field/"+f.Name, &protocol.FieldRequest{Field: f}, toVisitor)
	ss.reply(cmd.ID, nil, nil)
}

// Colleagues lists the colleagues of agent me, the tenant's other active agents, supervisors
// and administrators, by name, with their presence (connected or not, their status as this
// service knows it) and how many open chats each holds a slot for (owned, or taking part in as
// a participant, as routing counts them): what the agent app's invitation and
// transfer pickers offer (GET /api/agents).
func (s *Service) Colleagues(ctx context.Context, me store.User) ([]api.Colleague, error) {
	users, err := s.st.Users(ctx, me.TenantID)
	if err != nil {
		return nil, err
	}
	statuses, err := s.st.Statuses(ctx, me.TenantID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]store.AgentStatus, len(statuses))
	for _, st := range statuses {
		byID[st.ID] = st
	}
	idle, now := s.idleThreshold(ctx, me.TenantID), s.clk.Now()
	owned := map[int64]int{}
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if !ch.closed() && ch.rec.TenantID == me.TenantID && !ch.isDirect() {
			if ch.rec.AgentID != 0 {
				owned[ch.rec.AgentID]++
			}
			for uid, m := range ch.agents { // participants hold a slot of their capacity too
				if m.part == protocol.PartParticipant && uid != ch.rec.AgentID {
					owned[uid]++
				}
			}
		}
		ch.mu.Unlock()
	}
	out := []api.Colleague{}
	s.mu.Lock()
	for _, u := range users {
		if u.ID == me.ID || !u.Active {
			continue
		}
		switch u.Role {
		case store.RoleAgent, store.RoleSupervisor, store.RoleAdmin:
		default:
			continue
		}
		status := u.StatusID
		c := api.Colleague{ID: u.ID, Name: DisplayName(u), Role: u.Role, Chats: owned[u.ID], MaxChats: u.MaxChats}
		var p Presence
		if a := s.agents[u.ID]; a != nil {
			c.Online = len(a.conns) > 0
			status = a.user.StatusID
			p = Presence{SignedIn: true, Connected: c.Online, LastActive: a.active}
		}
		if st, ok := byID[status]; ok {
			c.Status, c.AllowsChat = st.Name, st.AllowsChat
		}
		p.AllowsChat = c.AllowsChat
		c.Availability = Availability(p, now, idle)
		out = append(out, c)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// agentConnected reports whether an agent has a connection.
func (s *Service) agentConnected(userID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[userID]
	return a != nil && len(a.conns) > 0
}

// agentSessions returns an agent's sessions.
func (s *Service) agentSessions(userID int64) []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[userID]
	if a == nil {
		return nil
	}
	out := make([]*Session, 0, len(a.conns))
	for c := range a.conns {
		out = append(out, c)
	}
	return out
}

// DisplayName is how an agent is named to visitors and colleagues: the nickname, else the
// name, else the user id (as jtel fills $agent).
func DisplayName(u store.User) string {
	if u.Nickname != "" {
		return u.Nickname
	}
	if u.Name != "" {
		return u.Name
	}
	return strconv.FormatInt(u.ID, 10)
}

// WireUser is a user as the protocol and the agent API show them.
func WireUser(u store.User) protocol.User {
	return protocol.User{ID: u.ID, Name: u.Name, Nickname: u.Nickname, Login: u.Login, Role: u.Role, Lang: u.Lang, MaxChats: u.MaxChats}
}

func wireStatus(st store.AgentStatus) protocol.Status {
	return protocol.Status{ID: st.ID, Name: st.Name, Short: st.Short, Color: st.FontColor, Background: st.BackgroundColor, AllowsChat: st.AllowsChat, Settable: st.AgentSettable}
}

// forward sends an agent's command for a chat that another live node holds, and that this
// connection follows (or, for the answer to an invitation, that the agent was invited into),
// to that node, and answers it with that node's answer. It reports whether it did: commands
// for chats this node holds, and those Act does not take from outside (offers, supervision),
// are run here. An accepted invitation opens the chat here once the holder wrote the join.
func (ss *Session) forward(ctx context.Context, cmd protocol.Command) bool {
	s := ss.s
	if s.cfg.Forward == nil || cmd.Chat == "" || ss.headless || s.chatFor(cmd.Chat) != nil || !actable(cmd.Body) {
		return false
	}
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	var inv protocol.Invitation
	switch cmd.Body.(type) {
	case *protocol.InviteAccept, *protocol.InviteDecline:
		var ok bool
		if inv, ok = s.invitationHere(user.ID, cmd.Chat); !ok {
			return false
		}
	default:
		if ss.sub(cmd.Chat) == nil {
			return false
		}
	}
	ack, err := s.cfg.Forward(ctx, user, cmd)
	if _, accepted := cmd.Body.(*protocol.InviteAccept); accepted && err == nil {
		s.openRemoteAs(cmd.Chat, user.ID, inv.As)
	}
	ss.reply(cmd.ID, ack, err)
	return true
}
