package chat

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/clientip"
	"github.com/parleychat/parley/backend/presence"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// Proactive chats: the loaders of connectors with visitor presence report the visitors on the
// site over /ws/presence ([Service.OpenPresence]); agents see them ([protocol.VisitorsOnline])
// and invite one ([protocol.VisitorInvite]). The chat is made at once, owned by the inviting
// agent with their first message; the loader opens the chat frame, which resumes it with the
// token the invitation carries. The invitation ends when the visitor answers (the chat goes on
// as any other), dismisses it, or leaves the site (the chat closes, and its cause tells the
// agent), or when the agent closes the chat first.

// proactivePush is how often the visitors' list goes to the agents at most, however many page
// views arrive: changes within it are coalesced into one update per tenant.
const proactivePush = time.Second

// presenceFrameRate and presenceFrameBurst bound what one loader may send: a page view and a
// heartbeat every 30 s is the normal pace; more is a script, which is cut off.
const (
	presenceFrameRate  = 1
	presenceFrameBurst = 10
)

// proactive is the service's part for proactive chats: the registry of visitors online and
// their sockets.
type proactive struct {
	reg *presence.Registry

	mu    sync.Mutex
	conns map[string]*PresenceSession // by presence visitor id
}

// PresenceLimits bound the visitors held per address and connector and say when an idle
// visitor is dropped (see package presence); zero values take its defaults.
type PresenceLimits = presence.Limits

// startProactive sets up the registry, follows connector changes (presence switched off drops
// the connector's visitors at once) and starts the loop that sweeps idle visitors and pushes
// the coalesced lists.
func (s *Service) startProactive(bus Bus, lim presence.Limits) {
	s.pro = &proactive{reg: presence.New(lim), conns: map[string]*PresenceSession{}}
	s.unsub = append(s.unsub, bus.SubscribeSettings(s.presenceSettingChanged))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(proactivePush)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.proactiveTick()
			}
		}
	}()
}

// Presence returns the registry of visitors online, for metrics and tests.
func (s *Service) Presence() *presence.Registry { return s.pro.reg }

// proactiveTick drops idle visitors, closes the chats of invited visitors who left, and sends
// every tenant whose list changed its new list.
func (s *Service) proactiveTick() {
	idle, left := s.pro.reg.Sweep(s.clk.Now())
	for _, id := range idle {
		if ps := s.pro.conn(id); ps != nil {
			ps.c.Close(protocol.CloseStale, "no page view or heartbeat")
		}
	}
	for _, l := range left {
		s.log.Info("invited visitor left", "chat", l.Chat, "visitor", l.ID)
		s.closeChat(l.Chat, protocol.CauseVisitorLeft, nil)
	}
	for _, tenant := range s.pro.reg.TakeDirty() {
		s.toAgentsOf(tenant, "visitors", &protocol.VisitorsOnline{Visitors: s.pro.reg.Online(tenant)})
	}
}

// sendVisitors gives a newly connected agent the list at once.
func (s *Service) sendVisitors(ss *Session, tenantID int64) {
	ss.send(protocol.Event{Body: &protocol.VisitorsOnline{Visitors: s.pro.reg.Online(tenantID)}})
}

func (p *proactive) conn(id string) *PresenceSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[id]
}

// presenceSettingChanged drops the visitors of a connector whose presence was switched off or
// that was deleted, closing their sockets: the loaders stop reporting.
func (s *Service) presenceSettingChanged(c changes.Setting) {
	if c.Kind != changes.KindConnector {
		return
	}
	if !c.Deleted {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		conn, err := s.st.Connector(ctx, c.ID)
		cancel()
		if err == nil && conn.VisitorPresence {
			return
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("connector presence not checked", "connector", c.ID, "err", err)
			return
		}
	}
	ids, _ := s.pro.reg.DropConnector(c.ID)
	for _, id := range ids {
		if ps := s.pro.conn(id); ps != nil {
			ps.c.Close(protocol.CloseUnknownConnector, "visitor presence is off")
		}
	}
}

// PresenceSession is the service's side of one loader's presence socket.
type PresenceSession struct {
	s     *Service
	c     Conn
	limit *rate.Limiter

	mu      sync.Mutex
	id      string // presence visitor id, once joined
	conn    store.Connector
	invited string // the chat the loader was told of
}

// OpenPresence starts the session of a loader's presence socket. Its first frame must be a
// page view naming the connector, within the connect timeout: a silent socket is not listed,
// so no cap would bound it.
func (s *Service) OpenPresence(c Conn) *PresenceSession {
	ps := &PresenceSession{s: s, c: c, limit: rate.NewLimiter(presenceFrameRate, presenceFrameBurst)}
	s.clk.AfterFunc(s.cfg.ConnectTimeout, func() {
		ps.mu.Lock()
		joined := ps.id != ""
		ps.mu.Unlock()
		if !joined {
			c.Close(protocol.CloseBadRequest, "no page view in time")
		}
	})
	return ps
}

// Frame handles one frame of the loader.
func (ps *PresenceSession) Frame(frame []byte) {
	s := ps.s
	if !ps.limit.Allow() {
		ps.c.Close(protocol.CloseForbidden, "too many page views")
		return
	}
	var f protocol.PresenceView
	if err := json.Unmarshal(frame, &f); err != nil {
		ps.c.Close(protocol.CloseBadRequest, "not a presence frame")
		return
	}
	ps.mu.Lock()
	id := ps.id
	ps.mu.Unlock()
	now := s.clk.Now()
	switch {
	case id == "" && f.T == "view":
		ps.join(now, f)
	case id == "":
		ps.c.Close(protocol.CloseBadRequest, "the first frame must be a page view")
	case f.T == "view":
		s.pro.reg.View(now, id, f.Page, f.Title, f.Referrer)
	case f.T == "hb":
		s.pro.reg.Beat(now, id)
	case f.T == "dismiss":
		ps.dismiss(id)
	default:
		ps.c.Close(protocol.CloseBadRequest, "unknown presence frame")
	}
}

// join checks the connector and the site, and adds the visitor to the list.
func (ps *PresenceSession) join(now time.Time, f protocol.PresenceView) {
	s, c := ps.s, ps.c
	ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
	defer cancel()
	if len(f.Connector) > limits.IDRunes || len(f.VisitorID) > limits.IDRunes {
		c.Close(protocol.CloseBadRequest, "identifier too long")
		return
	}
	conn, err := s.set.ConnectorByHash(ctx, f.Connector)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.Close(protocol.CloseUnknownConnector, "unknown connector")
		return
	case err != nil:
		c.Close(protocol.CloseRetry, "connector not readable")
		return
	case !conn.VisitorPresence:
		c.Close(protocol.CloseUnknownConnector, "visitor presence is off")
		return
	}
	if _, ok := allowedOrigin(conn.AllowedOrigins, c.Origin(), c.Host(), f.Page); !ok {
		c.Close(protocol.CloseUnknownConnector, "origin not allowed")
		return
	}
	if blocked, err := s.set.IPBlocked(ctx, conn.TenantID, c.IP()); err != nil || blocked {
		c.Close(protocol.CloseForbidden, "address blocked")
		return
	}
	id, err := s.pro.reg.Join(now, presence.Visitor{
		ID: "pv_" + token.New(9), TenantID: conn.TenantID, ConnectorID: conn.ID, ConnectorName: conn.Name,
		Address: clientip.Bucket(c.IP()), VisitorID: f.VisitorID, Returning: f.Returning,
		Page: f.Page, Title: f.Title, Referrer: f.Referrer, Lang: protocol.BaseLang(f.Lang),
	})
	if err != nil {
		c.Close(protocol.CloseForbidden, "too many visitors")
		return
	}
	ps.mu.Lock()
	ps.id, ps.conn = id, conn
	ps.mu.Unlock()
	s.pro.mu.Lock()
	old := s.pro.conns[id]
	s.pro.conns[id] = ps
	s.pro.mu.Unlock()
	if old != nil {
		old.c.Close(protocol.CloseReplaced, "the visitor's next page")
	}
	// A visitor invited on the page before is told again on this one; a loader whose chat
	// frame took the chat over already just shows it.
	for _, ch := range s.invitedChats(id) {
		ps.sendInvite(ch)
	}
}

// invitedChats returns the open invitation of a presence visitor, if any.
func (s *Service) invitedChats(id string) []*liveChat {
	var out []*liveChat
	for _, ch := range s.chatList() {
		if v, ok := s.pro.reg.Invited(ch.id); ok && v.ID == id {
			out = append(out, ch)
		}
	}
	return out
}

// Closed handles the socket's end: the page went away.
func (ps *PresenceSession) Closed() {
	s := ps.s
	ps.mu.Lock()
	id := ps.id
	ps.mu.Unlock()
	if id == "" {
		return
	}
	s.pro.mu.Lock()
	mine := s.pro.conns[id] == ps
	if mine {
		delete(s.pro.conns, id)
	}
	s.pro.mu.Unlock()
	if mine {
		s.pro.reg.Disconnect(s.clk.Now(), id)
	}
}

// dismiss ends the visitor's open invitation unanswered: the chat closes, and its cause tells
// the agent.
func (ps *PresenceSession) dismiss(id string) {
	s := ps.s
	ps.mu.Lock()
	chat := ps.invited
	ps.mu.Unlock()
	if chat == "" {
		return
	}
	if v, ok := s.pro.reg.Invited(chat); !ok || v.ID != id {
		return // answered already, or over
	}
	if _, ok := s.pro.reg.EndInvite(chat); ok {
		s.log.Info("invitation dismissed", "chat", chat, "visitor", id)
		s.closeChat(chat, protocol.CauseDismissed, nil)
	}
}

// sendInvite tells the loader of its invitation: the chat, the visitor's token, the agent and
// the first message.
func (ps *PresenceSession) sendInvite(ch *liveChat) {
	ch.mu.Lock()
	inv := ch.proactive
	ch.mu.Unlock()
	if inv == nil {
		return
	}
	frame, err := json.Marshal(protocol.PresenceInvite{T: "invite", Chat: ch.id, Token: inv.token, Name: inv.agent, Text: inv.text})
	if err != nil {
		return
	}
	ps.mu.Lock()
	ps.invited = ch.id
	ps.mu.Unlock()
	ps.c.Send(frame)
}

// proactiveInvite is what a proactive chat keeps of its invitation, for the loader of the
// visitor's next page.
type proactiveInvite struct {
	token string // the visitor's chat token, in the clear (the store keeps only its hash)
	agent string
	text  string
	cmd   string // the visitor.invite command's id, for its retries
}

// visitorInvite starts a proactive chat with a visitor online: owned by the inviting agent,
// counted toward their capacity, with their first message.
func (ss *Session) visitorInvite(ctx context.Context, cmd protocol.Command, b *protocol.VisitorInvite) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	if user.Role != store.RoleAgent && user.Role != store.RoleSupervisor && user.Role != store.RoleAdmin {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only agents start chats"))
		return
	}
	if owned := s.ownedChats(user.ID); owned >= user.MaxChats {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "you have %d chats, your maximum is %d: end one before starting another", owned, user.MaxChats))
		return
	}
	ps := s.pro.conn(b.Visitor)
	var conn store.Connector
	if ps != nil {
		ps.mu.Lock()
		conn = ps.conn
		ps.mu.Unlock()
	}
	if ps == nil || conn.TenantID != user.TenantID {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "the visitor is no longer on the site"))
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	// A retried command (the app re-sends what was not answered before a reconnect) gets the
	// chat the first one started.
	for _, ch := range s.invitedChats(b.Visitor) {
		ch.mu.Lock()
		same := ch.proactive != nil && ch.proactive.cmd == cmd.ID && ch.rec.AgentID == user.ID
		ch.mu.Unlock()
		if same {
			ss.reply(cmd.ID, &protocol.Ack{Chat: ch.id}, nil)
			return
		}
	}
	chatID := store.NewChatID()
	v, err := s.pro.reg.Invite(user.TenantID, b.Visitor, chatID)
	if errors.Is(err, presence.ErrInvited) {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the visitor has been invited already"))
		return
	} else if err != nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "the visitor is no longer on the site"))
		return
	}
	secret := token.NewSecret()
	now := s.stamp()
	name := DisplayName(user)
	// The visitor's texts and translation follow the language their loader reported; a
	// visitor of unknown language reads the agent's.
	lang, trLang := texts.Negotiate(user.Lang), ""
	if v.Lang != "" {
		lang = texts.Negotiate(v.Lang)
		if ts, err := s.set.TenantSettings(ctx, conn.TenantID); err == nil {
			trLang = visitorTranslateLang(ps.c, v.Lang, v.Lang, translateLanguages(ts, v.Lang))
		}
	}
	rec := store.Chat{
		ID: chatID, TenantID: conn.TenantID, ConnectorID: conn.ID, State: string(protocol.StateActive), AgentID: user.ID,
		AcceptedAt: &now, FirstReplyAt: &now, VisitorID: v.VisitorID, Lang: lang, TranslateLang: trLang,
		VisitorTokenHash: token.Hash(secret), Page: v.Page, Referrer: v.Referrer, IP: ps.c.IP(), UserAgent: ps.c.UserAgent(), CreatedAt: now,
	}
	ch := newLiveChat(rec, conn)
	text := strings.TrimSpace(b.Text)
	ch.proactive = &proactiveInvite{token: secret, agent: name, text: text, cmd: cmd.ID}
	ch.visitorKey = visitorKey(conn.ID, ps.c.IP(), v.VisitorID, chatID)
	m := &member{userID: user.ID, name: name, lang: user.Lang, part: protocol.PartOwner,
		row: &store.Participant{ChatID: chatID, Role: store.ParticipantOwner, UserID: user.ID, Name: name, JoinedAt: now}}
	ch.agents[user.ID] = m
	s.mu.Lock()
	s.chats[chatID] = ch
	s.mu.Unlock()
	// The agent's first message is translated for the visitor before the chat's first write,
	// holding nothing (as a chat request's question); a retry meanwhile finds the chat above.
	tr := s.translateFirst(ctx, ch, protocol.RoleAgent, user.ID, text)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.away = true
	ch.visitorRow = &store.Participant{ChatID: chatID, Role: store.ParticipantVisitor, JoinedAt: now}
	first := line(&protocol.Message{Role: protocol.RoleAgent, Name: name, Text: text, Class: "lineo", ClientID: cmd.ID, At: now}, user.ID, cmd.ID)
	translated(&first, tr)
	if t, ok := tr.For(trLang, text); ok {
		ch.proactive.text = t // the invitation shows what the visitor reads
	}
	s.emit(ch, func(_ []*store.Event, err error) {
		if err != nil {
			s.pro.reg.EndInvite(chatID)
			s.forget(chatID, "")
			ss.reply(cmd.ID, nil, err)
			return
		}
		// Routing counts the chat toward the agent's capacity, as an accepted and answered one.
		s.router.Submit(acd.ChatRestored{Chat: acd.ChatID(chatID), Connector: acd.ConnectorID(conn.ID), RequestedAt: now,
			Agent: acd.AgentID(user.ID), AcceptedAt: now, FirstReplyAt: now})
		s.log.Info("proactive chat started", "chat", chatID, "agent", user.ID, "visitor", v.ID)
		ch.mu.Lock()
		sum := summary(ch, user.ID, ch.seq.Load())
		ch.mu.Unlock()
		s.openFor(user.ID, chatID, sum)
		if cur := s.pro.conn(v.ID); cur != nil {
			cur.sendInvite(ch)
		}
		ss.reply(cmd.ID, &protocol.Ack{Chat: chatID}, nil)
	},
		emission{body: &protocol.ChatState{State: protocol.StateActive, At: now}, saveChat: true, part: ch.visitorRow},
		emission{body: &protocol.Joined{Role: protocol.RoleAgent, Name: name, UserID: user.ID, Lang: user.Lang, As: protocol.PartOwner}, part: m.row},
		first)
}

// ownedChats counts the open chats an agent owns.
func (s *Service) ownedChats(uid int64) int {
	n := 0
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if !ch.closed() && ch.rec.AgentID == uid {
			n++
		}
		ch.mu.Unlock()
	}
	return n
}

// proactiveAnswered ends the invitation into a chat once the visitor wrote in it: the chat
// goes on as any other, and the visitor is listed as in it. Caller may hold ch.mu.
func (s *Service) proactiveAnswered(chatID string) {
	s.pro.reg.Answered(chatID)
}

// proactiveClosed ends the invitation into a chat that closed (the agent closed it, or it was
// dismissed or left), and tells the loader, which closes an invitation it still shows.
func (s *Service) proactiveClosed(chatID string) {
	v, invited := s.pro.reg.Invited(chatID)
	s.pro.reg.EndInvite(chatID) // or the chat the visitor answered
	if !invited {
		return
	}
	if ps := s.pro.conn(v.ID); ps != nil {
		if frame, err := json.Marshal(protocol.PresenceInvite{T: "end", Chat: chatID}); err == nil {
			ps.c.Send(frame)
		}
	}
}
