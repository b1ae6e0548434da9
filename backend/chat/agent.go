package chat

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// liveAgent is a signed-in agent with their connections. Guarded by Service.mu.
type liveAgent struct {
	user      store.User
	statuses  []store.AgentStatus
	conns     map[*realtime.Conn]struct{}
	offers    map[string]protocol.Offer
	goneTimer *time.Timer
}

// agentHandler runs agent connections.
type agentHandler struct{ s *Service }

// Open implements [realtime.Handler].
func (h agentHandler) Open(c *realtime.Conn) {
	c.SetState(&connState{subs: make(map[string]*subscription)})
}

// Frame implements [realtime.Handler].
func (h agentHandler) Frame(c *realtime.Conn, frame []byte) {
	h.s.dispatch(c, frame, protocol.RoleAgent, func(ctx context.Context, cmd protocol.Command) {
		h.s.agentConnect(ctx, c, cmd.ID, cmd.Body.(*protocol.AgentConnect))
	}, func(ctx context.Context, cmd protocol.Command) { h.command(ctx, c, cmd) })
}

// command runs a command of a connected agent.
func (h agentHandler) command(ctx context.Context, c *realtime.Conn, cmd protocol.Command) {
	s, cs := h.s, connOf(c)
	uid := cs.user.ID
	switch b := cmd.Body.(type) {
	case *protocol.StatusSet:
		s.reply(c, cmd.ID, nil, s.setStatus(ctx, uid, b.Status, ""))
	case *protocol.OfferAccept:
		s.reply(c, cmd.ID, nil, s.accept(cmd.Chat, uid))
	case *protocol.OfferDecline:
		s.router.submit(acd.OfferDeclined{Chat: acd.ChatID(cmd.Chat), Agent: acd.AgentID(uid)})
		s.reply(c, cmd.ID, nil, nil)
	case *protocol.Resume:
		s.agentResume(ctx, c, cmd, b)
	case *protocol.Send:
		s.send(c, cmd.ID, cmd.Chat, protocol.RoleAgent, uid, b)
	case *protocol.FileSend:
		s.sendFile(ctx, c, cmd.ID, cmd.Chat, protocol.RoleAgent, uid, b)
	case *protocol.FieldAsk:
		s.askField(c, cmd, uid, b)
	case *protocol.Typing:
		ch := s.chatFor(cmd.Chat)
		if ch == nil || cs.sub(cmd.Chat) == nil {
			s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
			return
		}
		ch.broadcast(&protocol.TypingEvent{Role: protocol.RoleAgent, Name: DisplayName(cs.user), On: b.On}, func(sub *subscription) bool {
			return sub.role == protocol.RoleVisitor || sub.userID != uid
		})
		s.reply(c, cmd.ID, nil, nil)
	case *protocol.Close:
		ch := s.chatFor(cmd.Chat)
		if ch == nil || cs.sub(cmd.Chat) == nil {
			s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
			return
		}
		s.closeChat(cmd.Chat, protocol.CauseAgent, func(err error) { s.reply(c, cmd.ID, nil, err) })
	default:
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not handled on this endpoint", cmd.Body.CommandType()))
	}
}

// Closed implements [realtime.Handler]: an agent whose last connection went away has the
// reconnect window to come back before their offers and chats go to others.
func (h agentHandler) Closed(c *realtime.Conn) {
	s := h.s
	cs := connOf(c)
	for chatID, sub := range cs.allSubs() {
		if ch := s.chatFor(chatID); ch != nil {
			ch.unsubscribe(sub)
		}
	}
	if !cs.connected {
		return
	}
	uid := cs.user.ID
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[uid]
	if a == nil {
		return
	}
	delete(a.conns, c)
	if len(a.conns) > 0 || s.closed {
		return
	}
	s.router.submit(acd.AgentDisconnected{Agent: acd.AgentID(uid)})
	a.goneTimer = time.AfterFunc(s.cfg.AgentReconnectWindow, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a := s.agents[uid]; a != nil && len(a.conns) == 0 {
			delete(s.agents, uid)
			s.router.submit(acd.AgentGone{Agent: acd.AgentID(uid)})
		}
	})
}

// agentConnect authenticates an agent connection and sends what the app needs to start.
func (s *Service) agentConnect(ctx context.Context, c *realtime.Conn, id string, b *protocol.AgentConnect) {
	cs := connOf(c)
	if cs.connected {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeConflict, "already connected"))
		return
	}
	token := b.Token
	if token == "" {
		token = c.Cookie(session.Cookie)
	}
	user, err := s.st.SessionUser(ctx, token)
	if err != nil || !user.Active || user.TenantID == 0 {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.reply(c, id, nil, err)
			return
		}
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeUnauthorized, "the session is not valid; sign in again"))
		c.Close(protocol.CloseUnauthorized, "sign in again")
		return
	}
	statuses, err := s.st.Statuses(ctx, user.TenantID)
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	cs.mu.Lock()
	cs.connected, cs.user = true, user
	cs.mu.Unlock()

	s.mu.Lock()
	a := s.agents[user.ID]
	if a == nil {
		a = &liveAgent{conns: map[*realtime.Conn]struct{}{}, offers: map[string]protocol.Offer{}}
		s.agents[user.ID] = a
	}
	if a.goneTimer != nil {
		a.goneTimer.Stop()
		a.goneTimer = nil
	}
	a.user, a.statuses = user, statuses
	a.conns[c] = struct{}{}
	offers := make([]protocol.Offer, 0, len(a.offers))
	for _, o := range a.offers {
		offers = append(offers, o)
	}
	s.mu.Unlock()
	s.router.submit(agentState(user, statuses, true))

	ready := &protocol.AgentReady{User: WireUser(user), Status: user.StatusID, Offers: offers, Chats: s.chatsOf(user.ID)}
	for _, st := range statuses {
		ready.Statuses = append(ready.Statuses, wireStatus(st))
	}
	sort.Slice(ready.Offers, func(i, j int) bool { return ready.Offers[i].Expires.Before(ready.Offers[j].Expires) })
	s.reply(c, id, nil, nil)
	c.SendEvent(protocol.Event{Body: ready})
}

// chatsOf lists the open chats an agent handles.
func (s *Service) chatsOf(userID int64) []protocol.ChatSummary {
	s.mu.Lock()
	chats := make([]*liveChat, 0)
	for _, ch := range s.chats {
		chats = append(chats, ch)
	}
	s.mu.Unlock()
	out := []protocol.ChatSummary{}
	for _, ch := range chats {
		ch.mu.Lock()
		if ch.rec.AgentID == userID && ch.rec.State == string(protocol.StateActive) {
			out = append(out, summary(ch))
		}
		ch.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// summary describes a chat for an agent's list. Caller holds ch.mu.
func summary(ch *liveChat) protocol.ChatSummary {
	r := ch.rec
	return protocol.ChatSummary{
		ID: r.ID, ConnectorID: r.ConnectorID, Connector: ch.connector.Name, State: protocol.ChatStatus(r.State), Seq: ch.seq, CreatedAt: r.CreatedAt,
		Visitor: protocol.VisitorInfo{Name: r.VisitorName, Email: r.VisitorEmail, Phone: r.VisitorPhone, CustomerID: r.CustomerID, Lang: r.Lang,
			Page: r.Page, Referrer: r.Referrer, UserAgent: r.UserAgent, PData: r.PData, UData: r.UData, Fields: r.Fields},
	}
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
	if a == nil {
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
	if err := s.st.SetUserStatus(ctx, userID, statusID); err != nil {
		return err
	}
	s.mu.Lock()
	a = s.agents[userID]
	var conns []*realtime.Conn
	if a != nil {
		a.user.StatusID = statusID
		s.router.submit(agentState(a.user, a.statuses, len(a.conns) > 0))
		for c := range a.conns {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.SendEvent(protocol.Event{Body: &protocol.AgentStatus{Status: statusID, Reason: reason}})
	}
	return nil
}

// accept asks the engine whether the offer still stands; the engine's Assigned decision then
// joins the agent to the chat (see assign).
func (s *Service) accept(chatID string, userID int64) error {
	decisions := s.router.apply(acd.OfferAccepted{Chat: acd.ChatID(chatID), Agent: acd.AgentID(userID)})
	for _, d := range decisions {
		if a, ok := d.(acd.Assigned); ok && a.Chat == acd.ChatID(chatID) && a.Agent == acd.AgentID(userID) {
			return nil
		}
	}
	return protocol.Errorf(protocol.CodeConflict, "the offer is no longer open")
}

// agentResume re-attaches an agent connection to a chat they handle.
func (s *Service) agentResume(ctx context.Context, c *realtime.Conn, cmd protocol.Command, b *protocol.Resume) {
	uid := connOf(c).user.ID
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		rec, err := s.st.Chat(ctx, cmd.Chat)
		if err != nil || rec.AgentID != uid || rec.TenantID != connOf(c).user.TenantID {
			s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "you do not handle chat %q", cmd.Chat))
			return
		}
		last := b.After
		err = s.replay(ctx, cmd.Chat, b.After, func(seq uint64, frame []byte) { c.Send(frame); last = seq })
		s.reply(c, cmd.ID, &protocol.Ack{Chat: cmd.Chat, Seq: last}, err)
		return
	}
	ch.mu.Lock()
	mine := ch.rec.AgentID == uid
	ch.mu.Unlock()
	if !mine {
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "you do not handle chat %q", cmd.Chat))
		return
	}
	last, err := s.subscribe(ctx, ch, c, protocol.RoleAgent, uid, b.After, true)
	s.reply(c, cmd.ID, &protocol.Ack{Chat: ch.id, Seq: last}, err)
}

// agentConnected reports whether an agent has a connection.
func (s *Service) agentConnected(userID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[userID]
	return a != nil && len(a.conns) > 0
}

// agentConns returns an agent's connections.
func (s *Service) agentConns(userID int64) []*realtime.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[userID]
	if a == nil {
		return nil
	}
	out := make([]*realtime.Conn, 0, len(a.conns))
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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
