package chat

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/chat/routing"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Routing is the routing engine as the service sees it: events go in (Submit without
// waiting, Apply waiting for their decisions to be carried out), the executor given to
// [Config.Routing] carries out its decisions in order, and queries are answered. A single node
// runs [routing.Router]; in a cluster every node talks to the one engine the leader runs, and
// every node carries out every decision for the parts it has: the chats it holds and the
// agents connected to it.
type Routing interface {
	Submit(ev acd.Event)
	Apply(ev acd.Event) []acd.Decision
	QueueInfo(c acd.ConnectorID) acd.QueueInfo
	ChatInfo(c acd.ChatID) (acd.ChatInfo, bool)
	Explain(c acd.ChatID) []acd.LogEntry
	Snapshot() acd.Snapshot
	Staffed(c acd.ConnectorID, t acd.Target) bool
	Close()
}

var _ Routing = (*routing.Router)(nil)

// clustered reports whether the engine runs on the cluster's leader: then decisions about
// chats other nodes hold reach this node too, for its agents.
func (s *Service) clustered() bool { return s.cfg.Routing != nil }

// remoteOffers are the offers to this node's agents of chats other nodes hold, while they
// stand: an offer's card is read from the database apart from the decisions' goroutine, and
// is shown only if no revoke or assignment came meanwhile.
type remoteOffers struct {
	mu   sync.Mutex
	gen  uint64
	open map[remoteKey]uint64
}

type remoteKey struct {
	chat  string
	agent int64
}

func (r *remoteOffers) start(chat string, agent int64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open == nil {
		r.open = map[remoteKey]uint64{}
	}
	r.gen++
	r.open[remoteKey{chat, agent}] = r.gen
	return r.gen
}

func (r *remoteOffers) current(chat string, agent int64, gen uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.open[remoteKey{chat, agent}] == gen
}

func (r *remoteOffers) end(chat string, agent int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.open, remoteKey{chat, agent})
}

func (r *remoteOffers) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.open = nil
}

// hasAgent reports whether an agent is signed in to this node (or in their reconnect window).
func (s *Service) hasAgent(uid int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.agents[uid] != nil
}

// offerRemote shows an agent of this node an offer of a chat another node holds: the card is
// read from the database, as the holder wrote it when the chat was requested.
func (s *Service) offerRemote(chatID string, agentID int64, expires time.Time) {
	s.showRemote(chatID, agentID, func(ctx context.Context) (protocol.Offer, *translationJob, error) {
		return s.offerCard(ctx, chatID, agentID, expires)
	})
}

// transferOfferRemote shows an agent of this node a chat another node holds that is being
// handed on to them: the card, who hands it on and their note are read from the database (the
// holder wrote the pending transfer before routing heard of it).
func (s *Service) transferOfferRemote(d acd.TransferOffer) {
	chatID := string(d.Chat)
	s.showRemote(chatID, int64(d.Agent), func(ctx context.Context) (protocol.Offer, *translationJob, error) {
		o, job, err := s.offerCard(ctx, chatID, int64(d.Agent), d.Expires)
		if err != nil {
			return o, nil, err
		}
		info, err := s.pendingTransfer(ctx, chatID, int64(d.From))
		o.Transfer = &info
		return o, job, err
	})
}

// pendingTransfer reads the chat's last transfer event: who hands it on and their note;
// without one, the owner from hands it on.
func (s *Service) pendingTransfer(ctx context.Context, chatID string, from int64) (protocol.TransferInfo, error) {
	evs, err := s.st.EventsAfter(ctx, chatID, 0, 0)
	if err != nil {
		return protocol.TransferInfo{}, err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type != string(protocol.TypeTransfer) {
			continue
		}
		var t protocol.Transfer
		if err := json.Unmarshal(evs[i].Data, &t); err == nil && t.State == protocol.TransferPending {
			return protocol.TransferInfo{From: t.By, Note: t.Note}, nil
		}
		break
	}
	u, err := s.st.User(ctx, from)
	if err != nil {
		return protocol.TransferInfo{}, err
	}
	return protocol.TransferInfo{From: protocol.Participant{UserID: from, Name: DisplayName(u), As: protocol.PartOwner}}, nil
}

// showRemote shows an agent of this node an offer whose card card reads, unless the offer
// ended meanwhile. When the card's question is still to be translated into the agent's
// language, it is translated once the offer went out and the offer sent again with it, as
// for a chat held here (offertranslation.go).
func (s *Service) showRemote(chatID string, agentID int64, card func(ctx context.Context) (protocol.Offer, *translationJob, error)) {
	if !s.clustered() || !s.hasAgent(agentID) {
		return
	}
	gen := s.remote.start(chatID, agentID)
	s.background(func() {
		ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
		defer cancel()
		o, job, err := card(ctx)
		if err != nil {
			s.log.Warn("cluster: the card of an offer of a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
			return
		}
		if !s.showCard(chatID, agentID, gen, o) || job == nil {
			return
		}
		tr := s.translateLine(chatID, o.Question, job)
		if tr.Failed {
			return
		}
		s.reoffer(chatID, agentID, func(cur *protocol.Offer) bool {
			if !cur.Expires.Equal(o.Expires) || cur.Question != o.Question || cur.Translation != nil {
				return false // another offer of the chat since, or already translated
			}
			cur.Translation = tr
			return true
		})
	})
}

// showCard sends an agent an offer of a chat held elsewhere, unless it ended meanwhile.
func (s *Service) showCard(chatID string, agentID int64, gen uint64, o protocol.Offer) bool {
	// Sent under mu, checked against a revoke that came meanwhile: a revoke takes mu after
	// ending the offer, so its notice follows this one.
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil || !s.remote.current(chatID, agentID, gen) {
		return false
	}
	a.offers[chatID] = o
	for ss := range a.conns {
		ss.send(protocol.Event{Chat: chatID, Body: &o})
	}
	return true
}

// offerCard builds an offer of a chat to an agent of this node from its database row and its
// first visitor line, with the question in the agent's language when the chat is translated:
// the translation stored with the line when it is in that language, else the job that makes
// it (nil when none is needed).
func (s *Service) offerCard(ctx context.Context, chatID string, agentID int64, expires time.Time) (protocol.Offer, *translationJob, error) {
	rec, err := s.st.Chat(ctx, chatID)
	if err != nil {
		return protocol.Offer{}, nil, err
	}
	conn, err := s.st.Connector(ctx, rec.ConnectorID)
	if err != nil {
		return protocol.Offer{}, nil, err
	}
	msgs, err := s.st.Messages(ctx, chatID, 0)
	if err != nil {
		return protocol.Offer{}, nil, err
	}
	var first store.Message
	for _, m := range msgs {
		if m.Role == string(protocol.RoleVisitor) {
			first = m
			break
		}
	}
	o := protocol.Offer{Chat: chatID, ConnectorID: conn.ID, Connector: conn.Name, Visitor: rec.VisitorName,
		Question: first.Text, Lang: rec.Lang, Expires: expires.UTC()}
	if o.Question == "" || rec.TranslateLang == "" || rec.TranslateOff || rec.Kind == store.ChatDirect {
		return o, nil, nil
	}
	tt, to := s.translationInto(rec.TenantID, s.agentLang(agentID))
	switch {
	case tt == nil || to == "" || to == rec.TranslateLang:
		return o, nil, nil
	case first.Translation != "" && first.TranslationLang == to:
		o.Translation = &protocol.Translation{From: rec.TranslateLang, To: to, Text: first.Translation}
		return o, nil, nil
	}
	return o, &translationJob{service: tt.service, from: rec.TranslateLang, to: to}, nil
}

// openRemote opens a chat another node holds on the connections of its new owner here: the
// holder writes the assignment; this node follows the chat's events, which reach it over the
// cluster's bus, and forwards the owner's commands to the holder.
func (s *Service) openRemote(chatID string, agentID int64) {
	s.openRemoteAs(chatID, agentID, protocol.PartOwner)
}

// openRemoteAs opens a chat another node holds on the connections of an agent here who is in
// it in part (the owner, or an agent who accepted an invitation), as openRemote.
func (s *Service) openRemoteAs(chatID string, agentID int64, part protocol.Part) {
	if !s.clustered() {
		return
	}
	s.remote.end(chatID, agentID)
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
	s.background(func() {
		ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
		defer cancel()
		s.awaitJoin(ctx, chatID, agentID)
		rec, err := s.st.Chat(ctx, chatID)
		if err != nil {
			s.log.Warn("cluster: opening a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
			return
		}
		conn, err := s.chatConnector(ctx, rec)
		if err != nil {
			s.log.Warn("cluster: opening a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
			return
		}
		ch := newLiveChat(rec, conn)
		if err := s.restoreParticipants(ctx, ch); err != nil {
			s.log.Warn("cluster: opening a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
		}
		if part == protocol.PartOwner {
			ch.rec.State, ch.rec.AgentID = string(protocol.StateActive), agentID
		}
		if m := ch.agents[agentID]; m == nil || part == protocol.PartOwner {
			ch.agents[agentID] = &member{userID: agentID, name: DisplayName(user), lang: user.Lang, part: part}
		}
		s.openFor(agentID, chatID, summary(ch, agentID, ch.seq.Load()))
	})
}

// remoteJoinWait is the longest an agent's node waits for the holder of a chat to write the
// agent's join before it opens the chat on the agent's connections all the same.
const remoteJoinWait = 2 * time.Second

// awaitJoin waits until the holder of a chat another node holds has written agentID's join
// (one read of the participants every 20 ms), at most remoteJoinWait or until ctx ends: the
// holder writes it when the routing decision reaches it, which may be after this node heard
// the same decision, and an app that opened the chat before would send its first line to a
// holder that does not count the agent in the chat yet ("only the agents in the chat may write
// in it"). After the wait, or when the participants cannot be read, the chat opens as it is.
func (s *Service) awaitJoin(ctx context.Context, chatID string, agentID int64) {
	deadline := time.Now().Add(remoteJoinWait)
	for {
		ps, err := s.st.Participants(ctx, chatID)
		if err != nil || !time.Now().Before(deadline) || slices.ContainsFunc(ps, func(p store.Participant) bool {
			return p.UserID == agentID && p.LeftAt == nil && p.Role != store.ParticipantVisitor
		}) {
			return
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Announce lists what this node tells a new routing leader, after the leader rebuilt the
// queue from the database: the open chats it holds (which the engine keeps as it rebuilt them,
// or learns when they were missed) and the state of its connected agents.
func (s *Service) Announce() []acd.Event {
	var recs []store.Chat
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if !ch.closed() && !ch.isDirect() {
			recs = append(recs, ch.rec)
		}
		ch.mu.Unlock()
	}
	routing.SortRestored(recs)
	out := make([]acd.Event, 0, len(recs))
	for _, rec := range recs {
		out = append(out, routing.Restored(rec))
	}
	s.mu.Lock()
	uids := make([]int64, 0, len(s.agents))
	for uid := range s.agents {
		uids = append(uids, uid)
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	for _, uid := range uids {
		if a := s.agents[uid]; len(a.conns) > 0 && a.statuses != nil {
			out = append(out, routing.AgentState(a.user, a.statuses, true))
		}
	}
	s.mu.Unlock()
	return out
}

// DropOffers withdraws every offer shown on this node: a new routing leader rebuilt the
// queue and offers its chats again, so that an offer of the deposed one is never accepted
// beside the new one's.
func (s *Service) DropOffers() {
	s.remote.reset()
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		ch.offerTo = 0
		ch.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.agents {
		for chatID := range a.offers {
			delete(a.offers, chatID)
			for ss := range a.conns {
				ss.send(protocol.Event{Chat: chatID, Body: &protocol.OfferRevoked{Reason: "rerouted"}})
			}
		}
	}
}
