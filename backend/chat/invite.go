package chat

import (
	"context"
	"errors"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// inviteWait is how long an invitation stands when the connector sets no connect wait.
const inviteWait = time.Minute

// pendingInvite is an invitation into a chat not yet answered. Guarded by the chat's mu.
type pendingInvite struct {
	from  protocol.Participant
	as    protocol.Part
	timer clockTimer
}

// invite asks another agent of the tenant into the chat (Znuny "invite"): agents who write in
// the chat and supervisors in it may invite; the agent must be signed in, to this node or, in a
// cluster, to another one, which shows the invitation (agentnotice.go) and forwards the answer.
func (ss *Session) invite(ctx context.Context, cmd protocol.Command, b *protocol.ChatInvite) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	supervises := user.Role == store.RoleSupervisor || user.Role == store.RoleAdmin || user.Role == store.RoleSuperAdmin
	ch.mu.Lock()
	me := ch.agents[user.ID]
	direct := ch.isDirect()
	ch.mu.Unlock()
	if direct {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "a chat between two agents is theirs alone"))
		return
	}
	if me == nil || (!me.part.Visible() && !supervises) {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents handling the chat and supervisors in it may invite"))
		return
	}
	target, err := s.st.User(ctx, b.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (target.TenantID != user.TenantID || !target.Active)) {
		ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeNotFound, Field: "user_id", Message: "no such agent in your organisation"})
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
	ch.mu.Lock()
	me = ch.agents[user.ID]
	switch {
	case me == nil || (!me.part.Visible() && !supervises):
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents handling the chat and supervisors in it may invite"))
		return
	case ch.closed():
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	case ch.agents[target.ID] != nil:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "%s is in the chat already", DisplayName(target)))
		return
	}
	if old := ch.invited[target.ID]; old != nil {
		old.timer.Stop() // asked again: the newer invitation counts
	}
	wait := ch.connector.ConnectWait
	if wait <= 0 {
		wait = inviteWait
	}
	inv := &pendingInvite{from: protocol.Participant{UserID: user.ID, Name: me.name, As: me.part}, as: b.As}
	if ch.invited == nil {
		ch.invited = map[int64]*pendingInvite{}
	}
	ch.invited[target.ID] = inv
	wire := protocol.Invitation{Chat: summary(ch, target.ID, ch.seq.Load()), From: inv.from, As: b.As, Expires: s.clk.Now().Add(wait).UTC()}
	inv.timer = s.clk.AfterFunc(wait, func() { s.endInvite(ch, target.ID, inv, "expired") })
	ch.mu.Unlock()
	s.mu.Lock()
	if a := s.agents[target.ID]; a != nil {
		a.invites[ch.id] = wire
	}
	s.mu.Unlock()
	for _, t := range s.agentSessions(target.ID) {
		t.send(protocol.Event{Chat: ch.id, Body: &wire})
	}
	s.publishAgent(AgentNotice{Agent: target.ID, Chat: ch.id, Invitation: &wire})
	s.log.Info("agent invited", "chat", ch.id, "by", user.ID, "agent", target.ID, "as", b.As)
	ss.reply(cmd.ID, nil, nil)
}

// answerInvite accepts (the agent joins in the part offered) or declines an invitation.
func (ss *Session) answerInvite(ctx context.Context, cmd protocol.Command, accept bool) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the invitation is no longer open"))
		return
	}
	if accept {
		if err := s.waitRoom(ctx); err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
	}
	ch.mu.Lock()
	inv := ch.invited[user.ID]
	if inv == nil || ch.closed() {
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the invitation is no longer open"))
		return
	}
	inv.timer.Stop()
	delete(ch.invited, user.ID)
	if !accept {
		ch.mu.Unlock()
		s.inviteOver(ch.id, user.ID, inv, "declined")
		ss.reply(cmd.ID, nil, nil)
		return
	}
	started := s.directAccepting(ch)
	es, sum, switched := s.addMember(ch, user, inv.as)
	es = append(started, es...)
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.log.Info("invitation accepted", "chat", ch.id, "agent", user.ID, "as", inv.as)
			s.retranslateFor(ch, user.Lang)
		}
		ss.reply(cmd.ID, nil, err)
	}, es...)
	ch.mu.Unlock()
	s.inviteOver(ch.id, user.ID, nil, "accepted")
	if !switched {
		s.openFor(user.ID, ch.id, sum)
	}
}

// endInvite ends an invitation that was not answered, if it still stands.
func (s *Service) endInvite(ch *liveChat, uid int64, inv *pendingInvite, reason string) {
	ch.mu.Lock()
	if ch.invited[uid] != inv {
		ch.mu.Unlock()
		return
	}
	delete(ch.invited, uid)
	ch.mu.Unlock()
	s.inviteOver(ch.id, uid, inv, reason)
}

// takeInvites stops and removes every open invitation of a chat, for telling the agents once
// the chat's lock is released (see inviteOver). Caller holds ch.mu.
func takeInvites(ch *liveChat) map[int64]*pendingInvite {
	out := ch.invited
	for _, inv := range out {
		inv.timer.Stop()
	}
	ch.invited = nil
	return out
}

// inviteOver forgets an invitation and tells the agent invited (all their connections) and,
// unless it was accepted, the agent who invited.
func (s *Service) inviteOver(chatID string, uid int64, inv *pendingInvite, reason string) {
	s.mu.Lock()
	if a := s.agents[uid]; a != nil {
		delete(a.invites, chatID)
	}
	s.mu.Unlock()
	body := &protocol.InviteEnded{UserID: uid, Reason: reason}
	ended := protocol.Event{Chat: chatID, Body: body}
	for _, t := range s.agentSessions(uid) {
		t.send(ended)
	}
	s.publishAgent(AgentNotice{Agent: uid, Chat: chatID, InviteEnded: body})
	if inv != nil {
		for _, t := range s.agentSessions(inv.from.UserID) {
			t.send(ended)
		}
		s.publishAgent(AgentNotice{Agent: inv.from.UserID, Chat: chatID, InviteEnded: body})
	}
	s.directUnanswered(chatID, reason)
}
