package chat

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Supervision: the live list of every open chat that supervisors and administrators watch
// (supervise.watch), and taking a chat over (chat.takeover).
//
// The list is pushed: a watch gets the whole list of its tenant at once, then updates. Every
// committed chat event, offer and withdrawn offer marks its chat changed; changed chats are sent
// together at most once per [superviseEvery], each as it is then, so that a tenant with
// thousands of busy chats costs a supervisor one frame a second (split in frames of
// [superviseBatch] chats), not one per message.
//
// Taking over: the supervisor becomes the chat's owner. The previous owner is told
// (chat.taken_over) and leaves the chat, as the visitor sees: in a contact center a supervisor
// takes a chat over to handle it themselves and to free the agent for the next visitor, so the
// chat's capacity goes with it; the supervisor can invite the agent back. A waiting chat leaves
// the queue through the routing engine (an offer to someone else is withdrawn), as an accepted
// offer does. The supervisor names the owner they saw, and the engine, which serialises all
// assignments, refuses a takeover of a chat that has moved on since: of two supervisors taking
// the same chat at once exactly one wins, and the other is told who has it.

// superviseEvery is the shortest interval between two updates of the supervisors' lists: a
// person reads a list of chats at this pace, and a busy tenant's chats coalesce within it.
const superviseEvery = time.Second

// superviseBatch bounds the chats of one list or update frame, well inside the frame size the
// agent app reads (a chat's row is a few hundred bytes).
const superviseBatch = 64

// supervision is the service's state of the supervisors' lists. Its mu is taken after
// Service.mu or a chat's mu, never before; sendMu orders a watch's first list against the
// updates, so that no update built before a list arrives after it.
type supervision struct {
	mu       sync.Mutex
	watchers map[*Session]int64         // the tenant each watching connection sees
	groups   map[int64]map[int64]string // group names by tenant, read when a watch starts
	dirty    map[string]struct{}        // chats changed since the last update
	last     map[string]time.Time       // each live chat's latest committed event
	timer    clockTimer

	sendMu sync.Mutex
}

// supervises reports whether a user may watch and take over every chat of their tenant.
func supervises(u store.User) bool {
	return u.Role == store.RoleSupervisor || u.Role == store.RoleAdmin || u.Role == store.RoleSuperAdmin
}

// touched marks a chat changed for the supervisors' lists; at is its latest activity (zero
// when only its offer changed).
func (s *Service) touched(chatID string, at time.Time) {
	sup := &s.sup
	sup.mu.Lock()
	defer sup.mu.Unlock()
	if !at.IsZero() {
		if sup.last == nil {
			sup.last = map[string]time.Time{}
		}
		sup.last[chatID] = at
	}
	if len(sup.watchers) == 0 {
		return
	}
	if sup.dirty == nil {
		sup.dirty = map[string]struct{}{}
	}
	sup.dirty[chatID] = struct{}{}
	if sup.timer == nil {
		sup.timer = s.clk.AfterFunc(superviseEvery, s.flushSupervision)
	}
}

// forgetSupervised forgets what the lists kept of a chat that left memory (it was reported
// gone when it closed), so that the service keeps nothing per chat beyond the live ones.
func (s *Service) forgetSupervised(chatID string) {
	s.sup.mu.Lock()
	delete(s.sup.last, chatID)
	delete(s.sup.dirty, chatID)
	s.sup.mu.Unlock()
}

// watch starts or stops a connection's list.
func (ss *Session) watch(ctx context.Context, cmd protocol.Command, b *protocol.SuperviseWatch) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	if !supervises(user) {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only supervisors and administrators see every chat"))
		return
	}
	if b.Off {
		s.unwatch(ss)
		ss.reply(cmd.ID, nil, nil)
		return
	}
	groups, err := s.st.Groups(ctx, user.TenantID)
	if err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	names := make(map[int64]string, len(groups))
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	sup := &s.sup
	sup.sendMu.Lock()
	defer sup.sendMu.Unlock()
	sup.mu.Lock()
	if sup.watchers == nil {
		sup.watchers, sup.groups = map[*Session]int64{}, map[int64]map[int64]string{}
	}
	sup.watchers[ss] = user.TenantID
	sup.groups[user.TenantID] = names
	sup.mu.Unlock()
	var rows []protocol.SupervisedChat
	for _, ch := range s.chatList() {
		if row, ok := s.supervised(ch, user.TenantID); ok {
			rows = append(rows, row)
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if !rows[i].Since.Equal(rows[j].Since) {
			return rows[i].Since.Before(rows[j].Since)
		}
		return rows[i].ID < rows[j].ID
	})
	ss.reply(cmd.ID, nil, nil)
	first := min(len(rows), superviseBatch)
	ss.send(protocol.Event{Body: &protocol.SuperviseList{Chats: append([]protocol.SupervisedChat{}, rows[:first]...)}})
	for rest := rows[first:]; len(rest) > 0; {
		n := min(len(rest), superviseBatch)
		ss.send(protocol.Event{Body: &protocol.SuperviseUpdate{Chats: rest[:n]}})
		rest = rest[n:]
	}
}

// unwatch ends a connection's list (it asked, or it closed).
func (s *Service) unwatch(ss *Session) {
	s.sup.mu.Lock()
	delete(s.sup.watchers, ss)
	s.sup.mu.Unlock()
}

// supervised is a chat as the list of tenant's supervisors shows it; ok is false for a chat of
// another tenant or one that has ended.
func (s *Service) supervised(ch *liveChat, tenant int64) (protocol.SupervisedChat, bool) {
	ch.mu.Lock()
	if ch.rec.TenantID != tenant || ch.closed() || ch.isDirect() {
		ch.mu.Unlock()
		return protocol.SupervisedChat{}, false
	}
	r := ch.rec
	row := protocol.SupervisedChat{ID: r.ID, Phase: protocol.PhaseWaiting, ConnectorID: r.ConnectorID, Connector: ch.connector.Name,
		GroupID: ch.connector.GroupID, Visitor: r.VisitorName, Since: r.CreatedAt.UTC(), LastActivity: r.CreatedAt.UTC()}
	if r.AgentID != 0 {
		row.Phase, row.Owner = protocol.PhaseActive, r.AgentID
		if m := ch.agents[r.AgentID]; m != nil {
			row.OwnerName = m.name
		}
	}
	if r.AcceptedAt != nil {
		at := r.AcceptedAt.UTC()
		row.Accepted, row.LastActivity = &at, at
	}
	for _, m := range ch.agents {
		row.Agents = append(row.Agents, protocol.Participant{UserID: m.userID, Name: m.name, As: m.part})
	}
	offerTo := ch.offerTo
	ch.mu.Unlock()
	sort.Slice(row.Agents, func(i, j int) bool { return row.Agents[i].UserID < row.Agents[j].UserID })
	if offerTo != 0 && row.Owner == 0 {
		row.Phase = protocol.PhaseOffered
		s.mu.Lock()
		if a := s.agents[offerTo]; a != nil {
			row.OfferedTo = DisplayName(a.user)
		}
		s.mu.Unlock()
	}
	s.sup.mu.Lock()
	if at, ok := s.sup.last[row.ID]; ok && at.After(row.LastActivity) {
		row.LastActivity = at.UTC()
	}
	row.Group = s.sup.groups[tenant][row.GroupID]
	s.sup.mu.Unlock()
	return row, true
}

// flushSupervision sends the chats changed since the last update to the watchers of their
// tenants.
func (s *Service) flushSupervision() {
	sup := &s.sup
	sup.sendMu.Lock()
	defer sup.sendMu.Unlock()
	sup.mu.Lock()
	dirty := sup.dirty
	sup.dirty, sup.timer = nil, nil
	byTenant := map[int64][]*Session{}
	for ss, tenant := range sup.watchers {
		byTenant[tenant] = append(byTenant[tenant], ss)
	}
	sup.mu.Unlock()
	ids := make([]string, 0, len(dirty))
	for id := range dirty {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	updates := map[int64]*protocol.SuperviseUpdate{}
	for _, id := range ids {
		ch := s.chatFor(id)
		var tenant int64
		if ch != nil {
			ch.mu.Lock()
			tenant = ch.rec.TenantID
			ch.mu.Unlock()
		}
		if ch == nil || len(byTenant[tenant]) == 0 {
			continue // a chat already forgotten was reported gone when it closed
		}
		u := updates[tenant]
		if u == nil {
			u = &protocol.SuperviseUpdate{}
			updates[tenant] = u
		}
		if row, ok := s.supervised(ch, tenant); ok {
			u.Chats = append(u.Chats, row)
		} else {
			u.Gone = append(u.Gone, id)
			sup.mu.Lock()
			delete(sup.last, id)
			sup.mu.Unlock()
		}
	}
	for tenant, u := range updates {
		for len(u.Chats) > 0 || len(u.Gone) > 0 {
			part := &protocol.SuperviseUpdate{}
			n := min(len(u.Chats), superviseBatch)
			part.Chats, u.Chats = u.Chats[:n], u.Chats[n:]
			g := min(len(u.Gone), superviseBatch-n)
			part.Gone, u.Gone = u.Gone[:g], u.Gone[g:]
			for _, ss := range byTenant[tenant] {
				ss.send(protocol.Event{Body: part})
			}
		}
	}
}

// takeover makes a supervisor the owner of a chat of their tenant (see the comment at the top).
func (ss *Session) takeover(ctx context.Context, cmd protocol.Command, b *protocol.ChatTakeover) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	if !supervises(user) {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only supervisors and administrators take chats over"))
		return
	}
	ch := s.chatFor(cmd.Chat)
	if ch == nil && s.clustered() {
		ss.takeoverRemote(ctx, cmd, b, user)
		return
	}
	if ch == nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat))
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	ch.mu.Lock()
	tenant, closed, owner, direct := ch.rec.TenantID, ch.closed(), ch.rec.AgentID, ch.isDirect()
	ch.mu.Unlock()
	switch {
	case tenant != user.TenantID:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat))
		return
	case direct:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "a chat between colleagues cannot be taken over"))
		return
	case closed:
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	case owner == user.ID:
		ss.reply(cmd.ID, nil, nil) // theirs already: a retry
		return
	}
	if s.takeOver(cmd.Chat, user.ID, b.Owner) {
		ss.reply(cmd.ID, nil, nil)
		return
	}
	ch.mu.Lock()
	closed, now := ch.closed(), ""
	if m := ch.owner(); m != nil {
		now = m.name
	}
	ch.mu.Unlock()
	switch {
	case closed:
		ss.reply(cmd.ID, nil, errChatEnded)
	case now != "":
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "%s has the chat now; take it over from them if you still want it", now))
	default:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the chat is no longer where you saw it; look at the list again"))
	}
}

// takeoverRemote takes over a chat another node of the cluster holds: the chat is read from
// the database, the engine decides as for a chat held here, the holder writes the takeover
// (takenOver there) and this node opens the chat for the supervisor (takenOver here).
func (ss *Session) takeoverRemote(ctx context.Context, cmd protocol.Command, b *protocol.ChatTakeover, user store.User) {
	s := ss.s
	rec, err := s.st.Chat(ctx, cmd.Chat)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && rec.TenantID != user.TenantID):
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat))
		return
	case err != nil:
		ss.reply(cmd.ID, nil, err)
		return
	case rec.Kind == store.ChatDirect:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "a chat between colleagues cannot be taken over"))
		return
	case rec.State == string(protocol.StateClosed):
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	case rec.AgentID == user.ID:
		ss.reply(cmd.ID, nil, nil) // theirs already: a retry
		return
	}
	if s.takeOver(cmd.Chat, user.ID, b.Owner) {
		ss.reply(cmd.ID, nil, nil)
		return
	}
	info, ok := s.router.ChatInfo(acd.ChatID(cmd.Chat))
	if !ok {
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	}
	if u, err := s.st.User(ctx, int64(info.Agent)); info.Agent != 0 && err == nil {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "%s has the chat now; take it over from them if you still want it", DisplayName(u)))
		return
	}
	ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the chat is no longer where you saw it; look at the list again"))
}

// takeOver asks the engine to give a chat to supervisor uid, taken from owner (0: waiting), and
// reports whether it did.
func (s *Service) takeOver(chatID string, uid, owner int64) bool {
	for _, d := range s.router.Apply(acd.Takeover{Chat: acd.ChatID(chatID), Agent: acd.AgentID(uid), From: acd.AgentID(owner)}) {
		if t, ok := d.(acd.TakenOver); ok && t.Chat == acd.ChatID(chatID) && t.Agent == acd.AgentID(uid) {
			return true
		}
	}
	return false
}

// takenOver carries out the engine's [acd.TakenOver]: the supervisor owns the chat, the
// previous owner leaves it and is told, the visitor sees the supervisor join. A node that does
// not hold the chat opens it for the supervisor if they are connected to it; the holder tells
// a previous owner connected elsewhere through their node (agentnotice.go).
func (s *Service) takenOver(chatID string, agentID int64) {
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
	var es []emission
	prev := ch.rec.AgentID
	if pm := ch.agents[prev]; prev != 0 && prev != agentID && pm != nil {
		delete(ch.agents, prev)
		if pm.row != nil {
			pm.row.LeftAt = &now
		}
		es = append(es, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: pm.name, UserID: prev, As: protocol.PartOwner}, part: pm.row})
	}
	old := ch.agents[agentID]
	if old != nil && old.row != nil {
		// The supervisor was reading along (or writing as a participant).
		old.row.LeftAt = &now
		es = append(es, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: old.name, UserID: agentID, As: old.part}, part: old.row, agentsOnly: !old.part.Visible()})
	}
	m := &member{userID: agentID, name: name, lang: user.Lang, part: protocol.PartOwner,
		row: &store.Participant{ChatID: chatID, Role: store.ParticipantOwner, UserID: agentID, Name: name, JoinedAt: now}}
	ch.agents[agentID] = m
	ch.offerTo = 0
	ch.rec.AgentID = agentID
	ch.rec.TargetAgentID = 0 // taken over, as the engine drops it (acd Targets)
	waited := ch.rec.State != string(protocol.StateActive)
	// The chat's row records the new owner with the join, or with the state when it waited.
	es = append(es, emission{body: &protocol.Joined{Role: protocol.RoleAgent, Name: name, UserID: agentID, Lang: user.Lang, As: protocol.PartOwner}, part: m.row, saveChat: !waited})
	if waited {
		ch.rec.State = string(protocol.StateActive)
		ch.rec.AcceptedAt, ch.rec.FirstReplyAt = &now, nil
		es = append(es, emission{body: &protocol.ChatState{State: protocol.StateActive, At: now}, saveChat: true})
	}
	sum := summary(ch, agentID, ch.seq.Load())
	sum.State = protocol.StateActive
	by := protocol.Participant{UserID: agentID, Name: name, As: protocol.PartOwner}
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.retranslateFor(ch, user.Lang)
		}
		if err != nil || prev == 0 || prev == agentID {
			return
		}
		body := &protocol.TakenOver{By: by}
		for _, ss := range s.agentSessions(prev) {
			ss.send(protocol.Event{Chat: chatID, Body: body})
		}
		s.dropAgent(prev, chatID)
		s.publishAgent(AgentNotice{Agent: prev, Chat: chatID, TakenOver: body})
	}, es...)
	ch.mu.Unlock()
	s.log.Info("chat taken over", "chat", chatID, "agent", agentID, "from", prev)
	s.touched(chatID, time.Time{})
	if old == nil {
		s.openFor(agentID, chatID, sum)
	}
}
