package chat

import (
	"context"
	"errors"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// pendingTransfer is a transfer asked for and not yet over. Guarded by the chat's mu.
type pendingTransfer struct {
	key  string                // who asked with which command id, to know a retry
	body protocol.ChatTransfer // what was asked, to tell a retry from a second transfer
	wire protocol.Transfer     // the pending event, repeated in the outcome
	// conn is the connector the chat moves to on a channel change (nil: it stays).
	conn *store.Connector
	// routed: routing was told, once the pending event was written.
	routed bool
}

// transferKey names a transfer command of one agent.
func transferKey(uid int64, cmdID string) string { return itoa(uid) + "/" + cmdID }

// transfer hands a chat on (Znuny "transfer" / "channel change"): its owner, or a supervisor
// of the tenant, names an agent, a group or a connector of the tenant; the ACD routes the chat
// with the target's rules while the owner keeps it (see [acd.TransferRequested]), and the
// handover happens when an agent accepts (handOver) or the transfer fails (transferFailed).
func (ss *Session) transfer(ctx context.Context, cmd protocol.Command, b *protocol.ChatTransfer) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ch.mu.Lock()
	tenant, owner, direct := ch.rec.TenantID, ch.rec.AgentID, ch.isDirect()
	ch.mu.Unlock()
	if tenant != user.TenantID {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	if direct {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "a chat between colleagues cannot be transferred"))
		return
	}
	if owner != user.ID && !supervises(user) {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agent handling the chat and supervisors may transfer it"))
		return
	}
	ev := acd.TransferRequested{Chat: acd.ChatID(ch.id)}
	wire := protocol.Transfer{Note: b.Note}
	var moveTo *store.Connector
	switch {
	case b.UserID > 0:
		target, err := s.st.User(ctx, b.UserID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (target.TenantID != user.TenantID || !target.Active)) {
			ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeNotFound, Field: "user_id", Message: "no such agent in your organisation"})
			return
		}
		if err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
		if err := s.mayTake(target); err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
		ev.ToAgent = acd.AgentID(target.ID)
		wire.ToUserID, wire.ToName = target.ID, DisplayName(target)
	case b.GroupID > 0:
		g, err := s.st.Group(ctx, b.GroupID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && g.TenantID != user.TenantID) {
			ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeNotFound, Field: "group_id", Message: "no such group in your organisation"})
			return
		}
		if err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
		ev.ToGroup = acd.GroupID(g.ID)
		wire.ToGroupID, wire.ToName = g.ID, g.Name
	default:
		k, err := s.st.Connector(ctx, b.ConnectorID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.TenantID != user.TenantID) {
			ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeNotFound, Field: "connector_id", Message: "no such connector in your organisation"})
			return
		}
		if err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
		if k.OutOfService {
			ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeOutOfService, Field: "connector_id", Message: k.Name + " is out of service"})
			return
		}
		ev.ToConnector = acd.ConnectorID(k.ID)
		wire.ToConnectorID, wire.ToName = k.ID, k.Name
		moveTo = &k
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	key := transferKey(user.ID, cmd.ID)
	ch.mu.Lock()
	me := ch.agents[user.ID]
	switch {
	case ch.transfer != nil && ch.transfer.key == key && ch.transfer.body == *b:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, nil) // a retry of the transfer under way
		return
	case ch.lastTransfer == key:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, nil) // a retry of a transfer that is over
		return
	case ch.closed():
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	case ch.rec.AgentID == 0 || ch.owner() == nil:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the chat has no agent yet; it is being routed"))
		return
	case ch.rec.AgentID != user.ID && !supervises(user):
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agent handling the chat and supervisors may transfer it"))
		return
	case ch.transfer != nil:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "a transfer of this chat is under way"))
		return
	case b.UserID != 0 && b.UserID == ch.rec.AgentID:
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeConflict, Field: "user_id", Message: wire.ToName + " handles the chat already"})
		return
	}
	by := protocol.Participant{UserID: user.ID, Name: DisplayName(user), As: protocol.PartSupervisor}
	if me != nil {
		by.Name, by.As = me.name, me.part
	}
	wire.State, wire.By, wire.At = protocol.TransferPending, by, s.stamp()
	ev.By = acd.AgentID(ch.rec.AgentID)
	pt := &pendingTransfer{key: key, body: *b, wire: wire, conn: moveTo}
	ch.transfer = pt
	ch.lastTransfer = key
	// Routing hears of the transfer once the pending event is written: a node that offers the
	// chat to its agent reads who hands it on, and the note, from the database.
	s.emit(ch, func(_ []*store.Event, err error) {
		s.background(func() { s.transferWritten(ch, pt, ev, err) })
		ss.reply(cmd.ID, nil, err)
	}, emission{body: &wire, agentsOnly: true})
	ch.mu.Unlock()
	s.log.Info("transfer asked", "chat", ch.id, "by", user.ID, "to", wire.ToName)
}

// transferWritten submits a transfer to routing once its pending event is written; a transfer
// whose event was not written is dropped, so that a retry of the command asks again.
func (s *Service) transferWritten(ch *liveChat, pt *pendingTransfer, ev acd.TransferRequested, err error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	switch {
	case ch.transfer != pt:
		// Canceled before it was written.
	case err != nil:
		ch.transfer = nil
		if ch.lastTransfer == pt.key {
			ch.lastTransfer = ""
		}
	default:
		// Under mu, so that a cancel reaches routing after it (Submit does not wait).
		pt.routed = true
		s.router.Submit(ev)
	}
}

// mayTake refuses a target agent who cannot take a chat now: not signed in, or in a status
// that does not allow chats, or taking no chats at all.
func (s *Service) mayTake(target store.User) error {
	s.mu.Lock()
	a := s.agents[target.ID]
	online := a != nil && len(a.conns) > 0
	var allows bool
	if a != nil {
		for _, st := range a.statuses {
			if st.ID == a.user.StatusID {
				allows = st.AllowsChat
			}
		}
	}
	s.mu.Unlock()
	if !online && s.clustered() {
		// The agent may be connected to another node: the engine knows.
		for _, l := range s.router.Snapshot().Agents {
			if l.Agent == acd.AgentID(target.ID) {
				online, allows = l.Connected, l.AllowsChat
			}
		}
	}
	name := DisplayName(target)
	switch {
	case !online:
		return &protocol.Error{Code: protocol.CodeNotConnected, Field: "user_id", Message: name + " is not signed in"}
	case !allows:
		return &protocol.Error{Code: protocol.CodeConflict, Field: "user_id", Message: name + "'s status does not take chats"}
	case target.MaxChats <= 0:
		return &protocol.Error{Code: protocol.CodeConflict, Field: "user_id", Message: name + " takes no chats"}
	}
	return nil
}

// cancelTransfer withdraws a chat's pending transfer; transferFailed tells the agents.
func (ss *Session) cancelTransfer(cmd protocol.Command) {
	s := ss.s
	ss.mu.Lock()
	user := ss.user
	ss.mu.Unlock()
	ch := s.chatFor(cmd.Chat)
	if ch == nil {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ch.mu.Lock()
	tenant, owner, pending := ch.rec.TenantID, ch.rec.AgentID, ch.transfer != nil
	if pending && !ch.transfer.routed && tenant == user.TenantID && (owner == user.ID || supervises(user)) {
		// Routing has not heard of it yet, and now never will.
		s.endTransfer(ch, acd.TransferWithdrawn)
		ch.mu.Unlock()
		ss.reply(cmd.ID, nil, nil)
		return
	}
	ch.mu.Unlock()
	switch {
	case tenant != user.TenantID:
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	case owner != user.ID && !supervises(user):
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agent handling the chat and supervisors may cancel its transfer"))
		return
	case !pending:
		ss.reply(cmd.ID, nil, nil) // nothing under way (any more): a retry, or it ended meanwhile
		return
	}
	s.router.Apply(acd.TransferCanceled{Chat: acd.ChatID(ch.id), By: acd.AgentID(owner)})
	ss.reply(cmd.ID, nil, nil)
}

// transferOffer shows the agent a chat handed on to them, with who hands it on and their note.
func (s *Service) transferOffer(d acd.TransferOffer) {
	ch := s.chatFor(string(d.Chat))
	if ch == nil {
		s.transferOfferRemote(d)
		return
	}
	lang := s.agentLang(int64(d.Agent))
	ch.mu.Lock()
	if ch.closed() || ch.transfer == nil {
		ch.mu.Unlock()
		return
	}
	pt := ch.transfer
	o := protocol.Offer{Chat: ch.id, ConnectorID: ch.connector.ID, Connector: ch.connector.Name, Visitor: ch.rec.VisitorName,
		Question: ch.question, Lang: ch.rec.Lang, Expires: d.Expires.UTC(),
		Transfer: &protocol.TransferInfo{From: pt.wire.By, Note: pt.wire.Note}}
	later := offerTranslation(ch, &o, lang)
	ch.mu.Unlock()
	s.sendOffer(ch, int64(d.Agent), o, lang, later)
}

// handOver carries out an accepted transfer: the visitor reads the neutral line, the former
// owner leaves and the new one joins as owner; the new owner's app opens the chat with its
// whole history, the former owner's lets it go.
func (s *Service) handOver(d acd.TransferDone) {
	chatID, from, to := string(d.Chat), int64(d.From), int64(d.To)
	if s.chatFor(chatID) == nil {
		s.openRemote(chatID, to)
		return
	}
	ch, user, ok := s.newOwner(chatID, to)
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
	wire := protocol.Transfer{By: protocol.Participant{UserID: from, As: protocol.PartOwner}, ToUserID: to, ToName: name}
	var moveTo *store.Connector
	if pt := ch.transfer; pt != nil {
		wire, moveTo = pt.wire, pt.conn
	}
	ch.transfer = nil
	wire.State, wire.Reason, wire.At = protocol.TransferAccepted, "", now
	if wire.ToUserID == 0 {
		wire.ToName = name // a group or connector: who took it
	}
	wire.ToUserID = to
	es := []emission{s.systemLine(ch, texts.Transferring, "transfer")}
	if old := ch.agents[from]; old != nil {
		delete(ch.agents, from)
		if old.row != nil {
			old.row.LeftAt = &now
		}
		es = append(es, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: old.name, UserID: from, As: old.part}, part: old.row})
	}
	cur := ch.agents[to]
	if cur != nil && cur.row != nil {
		// An agent who was in the chat already (invited) takes it over.
		cur.row.LeftAt = &now
		es = append(es, emission{body: &protocol.Left{Role: protocol.RoleAgent, Name: cur.name, UserID: to, As: cur.part}, part: cur.row, agentsOnly: !cur.part.Visible()})
	}
	m := &member{userID: to, name: name, lang: user.Lang, part: protocol.PartOwner,
		row: &store.Participant{ChatID: chatID, Role: store.ParticipantOwner, UserID: to, Name: name, JoinedAt: now}}
	ch.agents[to] = m
	if moveTo != nil && moveTo.ID != ch.rec.ConnectorID {
		// A channel change: the chat belongs to the other connector from now on, as the
		// routing engine has it.
		ch.rec.ConnectorID = moveTo.ID
		ch.setConnector(*moveTo)
	}
	ch.rec.AgentID = to
	ch.rec.TargetAgentID = 0 // handed on, as the engine drops it (acd Targets)
	ch.rec.AcceptedAt = &now
	ch.rec.State = string(protocol.StateActive)
	es = append(es,
		emission{body: &protocol.Joined{Role: protocol.RoleAgent, Name: name, UserID: to, Lang: user.Lang, As: protocol.PartOwner}, part: m.row},
		emission{body: &wire, agentsOnly: true, saveChat: true})
	sum := summary(ch, to, ch.seq.Load())
	s.emit(ch, func(_ []*store.Event, err error) {
		if err == nil {
			s.dropAgent(from, chatID)
			s.retranslateFor(ch, user.Lang)
		}
	}, es...)
	ch.mu.Unlock()
	s.log.Info("chat transferred", "chat", chatID, "from", from, "to", to)
	if cur == nil {
		s.openFor(to, chatID, sum)
	}
}

// transferFailed ends a transfer without a handover and tells the agents in the chat; the
// owner keeps it.
func (s *Service) transferFailed(d acd.TransferFailed) {
	if d.Reason == acd.TransferBusy {
		return // the one under way goes on
	}
	ch := s.chatFor(string(d.Chat))
	if ch == nil {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.transfer == nil || ch.closed() {
		return
	}
	s.endTransfer(ch, d.Reason)
}

// endTransfer ends the chat's pending transfer without a handover and tells the agents in the
// chat. Caller holds ch.mu.
func (s *Service) endTransfer(ch *liveChat, reason acd.TransferFailReason) {
	wire := ch.transfer.wire
	ch.transfer = nil
	wire.State, wire.Reason, wire.At = protocol.TransferFailed, string(reason), s.stamp()
	s.emit(ch, nil, emission{body: &wire, agentsOnly: true})
	s.log.Info("transfer failed", "chat", ch.id, "reason", reason)
}
