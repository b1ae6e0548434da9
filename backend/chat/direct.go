package chat

import (
	"context"
	"errors"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// This file is agents chatting with each other (Znuny "agent to agent") and how available
// agents are to colleagues.
//
// A direct chat is a chat row of kind store.ChatDirect with no visitor, no connector and no
// owner: the agent who asks is a participant from the start, the colleague asked
// (store.Chat.PeerID) gets an invitation into it as a participant and joins by accepting it
// (invite.go does the answering). The chat is queued until accepted, then active; declined or
// unanswered, it closes and the agent who asked is told. The routing engine never sees such a
// chat, so it takes nobody's visitor capacity; every event of it is for agents only.
//
// Locks: the ledger of requests (directBook) is guarded by Service.mu, which is taken before a
// chat's mu, as in the service's read-only scans.

// directWait is how long a request for an agent-to-agent chat stands unanswered.
const directWait = 2 * time.Minute

// directBook remembers the answers to direct.start commands, so that a retry with the same id
// gets the same chat. Guarded by Service.mu.
type directBook struct {
	byCmd map[string]directAnswer // by sender and command id
}

// directAnswer is the chat a direct.start command opened, with the hash of its body, kept
// for retries until expires.
type directAnswer struct {
	chat    string
	hash    uint64
	expires time.Time
}

// directMemory is how long a direct.start answer is kept for a retry.
const directMemory = 10 * time.Minute

// sweep forgets the answers that expired by now. Caller holds Service.mu.
func (b *directBook) sweep(now time.Time) {
	for k, a := range b.byCmd {
		if now.After(a.expires) {
			delete(b.byCmd, k)
		}
	}
}

// isDirect reports whether the chat is between two agents.
func (ch *liveChat) isDirect() bool { return ch.rec.Kind == store.ChatDirect }

// directStart opens a chat with a colleague: the first message is written, the sender has the
// chat at once, the colleague gets the request (an invitation as a participant).
func (ss *Session) directStart(ctx context.Context, cmd protocol.Command, b *protocol.DirectStart) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	if b.UserID == user.ID {
		ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeInvalid, Field: "user_id", Message: "you cannot chat with yourself"})
		return
	}
	key := itoa(user.ID) + "/" + cmd.ID
	hash := bodyHash(cmd.Body)
	if id, err, ok := s.directKnown(key, hash, user.ID, b.UserID); ok {
		ss.reply(cmd.ID, &protocol.Ack{Chat: id}, err)
		return
	}
	target, err := s.st.User(ctx, b.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (target.TenantID != user.TenantID || !target.Active || !colleagueRole(target.Role))) {
		ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeNotFound, Field: "user_id", Message: "no such colleague in your organisation"})
		return
	}
	if err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	if !s.signedInAnywhere(target.ID) {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "%s is not signed in", DisplayName(target)))
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	now := s.stamp()
	rec := store.Chat{ID: store.NewChatID(), TenantID: user.TenantID, State: string(protocol.StateQueued), Kind: store.ChatDirect,
		PeerID: target.ID, VisitorName: DisplayName(target), Lang: user.Lang, CreatedAt: now}
	ch := newLiveChat(rec, store.Connector{TenantID: user.TenantID})
	me := &member{userID: user.ID, name: DisplayName(user), lang: user.Lang, part: protocol.PartParticipant,
		row: &store.Participant{ChatID: rec.ID, Role: string(protocol.PartParticipant), UserID: user.ID, Name: DisplayName(user), JoinedAt: now}}
	ch.agents[user.ID] = me

	// Once more under the lock, so that two requests racing open one chat.
	s.mu.Lock()
	if id, err, ok := s.directKnownLocked(key, hash, user.ID, target.ID); ok {
		s.mu.Unlock()
		ss.reply(cmd.ID, &protocol.Ack{Chat: id}, err)
		return
	}
	if s.direct.byCmd == nil {
		s.direct.byCmd = map[string]directAnswer{}
	}
	s.direct.byCmd[key] = directAnswer{chat: rec.ID, hash: hash, expires: s.clk.Now().Add(directMemory)}
	s.chats[rec.ID] = ch
	s.mu.Unlock()

	ch.mu.Lock()
	// The line names no command: direct.start is answered by its ack, not by this line.
	msg := line(&protocol.Message{Role: protocol.RoleAgent, Name: me.name, Text: b.Text, Class: "lineo", At: now}, user.ID, "")
	msg.agentsOnly = true
	s.emit(ch, func(_ []*store.Event, err error) {
		if err != nil {
			s.mu.Lock()
			delete(s.direct.byCmd, key)
			s.mu.Unlock()
			s.drop(rec.ID)
			ss.reply(cmd.ID, nil, err)
			return
		}
		s.log.Info("agent chat requested", "chat", rec.ID, "by", user.ID, "agent", target.ID)
		ss.reply(cmd.ID, &protocol.Ack{Chat: rec.ID}, nil)
	},
		emission{body: &protocol.Joined{Role: protocol.RoleAgent, Name: me.name, UserID: user.ID, Lang: user.Lang, As: me.part}, part: me.row, agentsOnly: true, saveChat: true},
		msg)
	wire := s.directRequest(ch, me, now.Add(directWait))
	sum := summary(ch, user.ID, ch.seq.Load())
	ch.mu.Unlock()
	s.openFor(user.ID, rec.ID, sum)
	s.deliverInvite(target.ID, ch.id, wire)
}

// directKnown answers a direct.start that was answered before (a retry), or whose two agents
// have an open chat together already: the chat, an error for the same id with another body,
// and whether it was known.
func (s *Service) directKnown(key string, hash uint64, from, to int64) (string, error, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.directKnownLocked(key, hash, from, to)
}

// directKnownLocked is directKnown for a caller holding s.mu.
func (s *Service) directKnownLocked(key string, hash uint64, from, to int64) (string, error, bool) {
	if a, ok := s.direct.byCmd[key]; ok {
		if a.hash != hash {
			return "", protocol.Errorf(protocol.CodeConflict, "command id was used for another request"), true
		}
		return a.chat, nil, true
	}
	for _, ch := range s.chats {
		ch.mu.Lock()
		same := ch.isDirect() && !ch.closed() && ch.between(from, to)
		ch.mu.Unlock()
		if same {
			return ch.id, nil, true
		}
	}
	return "", nil, false
}

// between reports whether a direct chat is the one of agents a and b, whoever asked. Caller
// holds ch.mu.
func (ch *liveChat) between(a, b int64) bool {
	has := func(uid int64) bool { return ch.agents[uid] != nil || ch.rec.PeerID == uid }
	return has(a) && has(b)
}

// directRequest arms the request of a direct chat to its colleague: the invitation stands
// until expires. Caller holds ch.mu.
func (s *Service) directRequest(ch *liveChat, from *member, expires time.Time) protocol.Invitation {
	peer := ch.rec.PeerID
	inv := &pendingInvite{from: protocol.Participant{UserID: from.userID, Name: from.name, As: from.part}, as: protocol.PartParticipant}
	if ch.invited == nil {
		ch.invited = map[int64]*pendingInvite{}
	}
	ch.invited[peer] = inv
	inv.timer = s.clk.AfterFunc(max(0, expires.Sub(s.clk.Now())), func() { s.endInvite(ch, peer, inv, "expired") })
	return protocol.Invitation{Chat: summary(ch, peer, ch.seq.Load()), From: inv.from, As: inv.as, Expires: expires.UTC()}
}

// deliverInvite files an invitation with the agent invited and sends it to their connections,
// here and, in a cluster, on the other nodes (agentnotice.go): the colleague's app may be
// connected to another node than the one that holds the chat, which then forwards the answer.
func (s *Service) deliverInvite(uid int64, chatID string, wire protocol.Invitation) {
	s.mu.Lock()
	if a := s.agents[uid]; a != nil {
		a.invites[chatID] = wire
	}
	s.mu.Unlock()
	for _, t := range s.agentSessions(uid) {
		t.send(protocol.Event{Chat: chatID, Body: &wire})
	}
	s.publishAgent(AgentNotice{Agent: uid, Chat: chatID, Invitation: &wire})
}

// directAccepting makes an accepted direct chat active and returns the write of its new
// state; nothing for other chats. Caller holds ch.mu.
func (s *Service) directAccepting(ch *liveChat) []emission {
	if !ch.isDirect() || ch.rec.State != string(protocol.StateQueued) {
		return nil
	}
	now := s.stamp()
	ch.rec.State = string(protocol.StateActive)
	ch.rec.AcceptedAt = &now
	return []emission{{body: &protocol.ChatState{State: protocol.StateActive, At: now}, saveChat: true, agentsOnly: true}}
}

// directUnanswered closes a direct chat whose request was declined or expired before anyone
// accepted it; the agent who asked learns it from the close cause.
func (s *Service) directUnanswered(chatID, reason string) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	ch.mu.Lock()
	pending := ch.isDirect() && ch.rec.State == string(protocol.StateQueued)
	ch.mu.Unlock()
	if !pending {
		return
	}
	switch reason {
	case "declined":
		s.closeChat(chatID, protocol.CauseDeclined, nil)
	case "expired":
		s.closeChat(chatID, protocol.CauseUnanswered, nil)
	}
}

// directCloseLine is the line that ends a direct chat, naming the colleague who did not take
// it when it never started. Caller holds ch.mu.
func (s *Service) directCloseLine(ch *liveChat, cause protocol.Cause) emission {
	text := "The chat has ended."
	switch cause {
	case protocol.CauseDeclined:
		text = ch.rec.VisitorName + " declined the chat."
	case protocol.CauseUnanswered:
		text = ch.rec.VisitorName + " did not answer the chat request."
	}
	e := line(&protocol.Message{Role: protocol.RoleSystem, Text: text, Class: "bye", At: s.stamp()}, 0, "")
	e.agentsOnly = true
	return e
}

// directSummary names a direct chat for agent uid by the colleague on the other side. Caller
// holds ch.mu.
func directSummary(ch *liveChat, uid int64, sum *protocol.ChatSummary) {
	sum.Kind = protocol.KindDirect
	name := ch.rec.VisitorName // the colleague asked
	if uid == ch.rec.PeerID {
		name = "Colleague"
		for id, m := range ch.agents {
			if id != uid {
				name = m.name
			}
		}
	}
	sum.Visitor = protocol.VisitorInfo{Name: name, Lang: ch.rec.Lang}
}

// leaveDirect ends a direct chat when one of its agents leaves it: two make the chat. It
// reports whether the chat was direct (and the command answered).
func (ss *Session) leaveDirect(cmd protocol.Command) bool {
	ch := ss.s.chatFor(cmd.Chat)
	if ch == nil {
		return false
	}
	uid := ss.userID()
	ch.mu.Lock()
	direct, member := ch.isDirect(), ch.agents[uid] != nil
	ch.mu.Unlock()
	if !direct {
		return false
	}
	if !member {
		ss.reply(cmd.ID, nil, nil) // not there (any more): a retry
		return true
	}
	ss.s.closeChat(cmd.Chat, protocol.CauseAgent, func(err error) { ss.reply(cmd.ID, nil, err) })
	return true
}

// restoreDirect takes a direct chat loaded at start: it needs no routing and has no visitor
// to wait for; a request not yet answered stands again until its time is up.
func (s *Service) restoreDirect(ch *liveChat) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.rec.State != string(protocol.StateQueued) {
		return
	}
	var from *member
	for _, m := range ch.agents {
		if m.userID != ch.rec.PeerID {
			from = m
		}
	}
	if from == nil {
		from = &member{name: "Colleague", part: protocol.PartParticipant}
	}
	s.directRequest(ch, from, ch.rec.CreatedAt.Add(directWait))
}

// pendingDirect lists the open requests for direct chats addressed to agent uid that are not
// among known (the requests of chats restored at start, whose colleague was not signed in).
func (s *Service) pendingDirect(uid int64, known []protocol.Invitation) []protocol.Invitation {
	have := map[string]bool{}
	for _, inv := range known {
		have[inv.Chat.ID] = true
	}
	var out []protocol.Invitation
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if inv := ch.invited[uid]; inv != nil && ch.isDirect() && !have[ch.id] {
			out = append(out, protocol.Invitation{Chat: summary(ch, uid, ch.seq.Load()), From: inv.from, As: inv.as,
				Expires: ch.rec.CreatedAt.Add(directWait).UTC()})
		}
		ch.mu.Unlock()
	}
	return out
}

// directRequestsStore is the store's list of the direct chats asked of an agent and not yet
// answered, over every node of a cluster.
type directRequestsStore interface {
	DirectRequestsTo(ctx context.Context, tenantID, peerID int64) ([]store.Chat, error)
}

// remoteDirect lists, in a cluster, the open requests for direct chats addressed to agent
// user that other nodes hold and that are not among known, and files them with the agent
// here, so that an app connecting to this node after the request was made sees it and its
// answer goes to the holder (forward).
func (s *Service) remoteDirect(ctx context.Context, user store.User, known []protocol.Invitation) []protocol.Invitation {
	ds, ok := s.st.(directRequestsStore)
	if !ok || !s.clustered() {
		return nil
	}
	recs, err := ds.DirectRequestsTo(ctx, user.TenantID, user.ID)
	if err != nil {
		s.log.Warn("agent start: direct chat requests held elsewhere", "agent", user.ID, "err", err)
		return nil
	}
	have := map[string]bool{}
	for _, inv := range known {
		have[inv.Chat.ID] = true
	}
	now := s.clk.Now()
	var out []protocol.Invitation
	for _, rec := range recs {
		expires := rec.CreatedAt.Add(directWait)
		if have[rec.ID] || s.chatFor(rec.ID) != nil || !now.Before(expires) {
			continue
		}
		ch := newLiveChat(rec, store.Connector{TenantID: rec.TenantID})
		if err := s.restoreParticipants(ctx, ch); err != nil {
			s.log.Warn("agent start: direct chat request held elsewhere", "chat", rec.ID, "agent", user.ID, "err", err)
			continue
		}
		ch.mu.Lock()
		from := protocol.Participant{Name: "Colleague", As: protocol.PartParticipant}
		for _, m := range ch.agents {
			if m.userID != user.ID {
				from = protocol.Participant{UserID: m.userID, Name: m.name, As: m.part}
			}
		}
		out = append(out, protocol.Invitation{Chat: summary(ch, user.ID, 0), From: from, As: protocol.PartParticipant, Expires: expires.UTC()})
		ch.mu.Unlock()
	}
	s.mu.Lock()
	if a := s.agents[user.ID]; a != nil {
		for _, inv := range out {
			a.invites[inv.Chat.ID] = inv
		}
	}
	s.mu.Unlock()
	return out
}

// activity records that an agent is at the app; colleagues are told when that ends their
// being away.
func (ss *Session) activity(ctx context.Context, cmd protocol.Command) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	idle := s.idleThreshold(ctx, user.TenantID)
	now := s.clk.Now()
	s.mu.Lock()
	wasAway := false
	if a := s.agents[user.ID]; a != nil {
		wasAway = !a.active.IsZero() && now.Sub(a.active) >= idle
		a.active = now
	}
	s.mu.Unlock()
	if wasAway {
		s.colleaguesChanged(user.TenantID)
	}
	ss.reply(cmd.ID, nil, nil)
}

// idleThreshold is the tenant's time without activity after which an agent is away.
func (s *Service) idleThreshold(ctx context.Context, tenantID int64) time.Duration {
	if t, err := s.set.TenantSettings(ctx, tenantID); err == nil && t.AgentIdle > 0 {
		return t.AgentIdle
	}
	return store.DefaultAgentIdle
}

// colleaguesChanged tells the tenant's agent apps that someone's presence changed.
func (s *Service) colleaguesChanged(tenantID int64) {
	s.toAgentsOf(tenantID, "colleagues", &protocol.ColleaguesChanged{})
}

// colleagueRole reports whether a user of that role takes part in chats of the tenant.
func colleagueRole(role string) bool {
	switch role {
	case store.RoleAgent, store.RoleSupervisor, store.RoleAdmin:
		return true
	}
	return false
}

// Presence is what the service knows of an agent for their colleagues' list.
type Presence struct {
	// SignedIn: the agent has a session with the service (connected, or within the reconnect
	// window after their connection went).
	SignedIn bool
	// Connected: the agent app has a connection now.
	Connected bool
	// AllowsChat: the agent's status receives chats.
	AllowsChat bool
	// LastActive is the agent's last reported activity (or their connecting).
	LastActive time.Time
}

// Availability is an agent's availability to colleagues at now, after Znuny's colours: signed
// out (black) without a session; inactive (pink) while their app's connection is gone;
// unavailable (red) in a status that takes no chats; away (yellow) once idle, the time since
// their last activity, reaches the threshold; active (green) otherwise.
func Availability(p Presence, now time.Time, idle time.Duration) protocol.Availability {
	switch {
	case !p.SignedIn:
		return protocol.AvailSignedOut
	case !p.Connected:
		return protocol.AvailInactive
	case !p.AllowsChat:
		return protocol.AvailUnavailable
	case idle > 0 && !p.LastActive.IsZero() && now.Sub(p.LastActive) >= idle:
		return protocol.AvailAway
	}
	return protocol.AvailActive
}

// tenantID is the session's agent's tenant.
func (ss *Session) tenantID() int64 {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.user.TenantID
}
