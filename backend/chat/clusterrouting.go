package chat

import (
	"context"
	"encoding/json"
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
	s.showRemote(chatID, agentID, func(ctx context.Context) (protocol.Offer, error) {
		return s.offerCard(ctx, chatID, expires)
	})
}

// transferOfferRemote shows an agent of this node a chat another node holds that is being
// handed on to them: the card, who hands it on and their note are read from the database (the
// holder wrote the pending transfer before routing heard of it).
func (s *Service) transferOfferRemote(d acd.TransferOffer) {
	chatID := string(d.Chat)
	s.showRemote(chatID, int64(d.Agent), func(ctx context.Context) (protocol.Offer, error) {
		o, err := s.offerCard(ctx, chatID, d.Expires)
		if err != nil {
			return o, err
		}
		info, err := s.pendingTransfer(ctx, chatID, int64(d.From))
		o.Transfer = &info
		return o, err
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
// ended meanwhile.
func (s *Service) showRemote(chatID string, agentID int64, card func(ctx context.Context) (protocol.Offer, error)) {
	if !s.clustered() || !s.hasAgent(agentID) {
		return
	}
	gen := s.remote.start(chatID, agentID)
	s.background(func() {
		ctx, cancel := context.WithTimeout(s.ctx, commandTimeout)
		defer cancel()
		o, err := card(ctx)
		if err != nil {
			s.log.Warn("cluster: the card of an offer of a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
			return
		}
		// Sent under mu, checked against a revoke that came meanwhile: a revoke takes mu
		// after ending the offer, so its notice follows this one.
		s.mu.Lock()
		defer s.mu.Unlock()
		a := s.agents[agentID]
		if a == nil || !s.remote.current(chatID, agentID, gen) {
			return
		}
		a.offers[chatID] = o
		for ss := range a.conns {
			ss.send(protocol.Event{Chat: chatID, Body: &o})
		}
	})
}

// offerCard builds an offer of a chat from its database row and its first visitor line.
func (s *Service) offerCard(ctx context.Context, chatID string, expires time.Time) (protocol.Offer, error) {
	rec, err := s.st.Chat(ctx, chatID)
	if err != nil {
		return protocol.Offer{}, err
	}
	conn, err := s.st.Connector(ctx, rec.ConnectorID)
	if err != nil {
		return protocol.Offer{}, err
	}
	msgs, err := s.st.Messages(ctx, chatID, 0)
	if err != nil {
		return protocol.Offer{}, err
	}
	question := ""
	for _, m := range msgs {
		if m.Role == string(protocol.RoleVisitor) {
			question = m.Text
			break
		}
	}
	return protocol.Offer{Chat: chatID, ConnectorID: conn.ID, Connector: conn.Name, Visitor: rec.VisitorName,
		Question: question, Lang: rec.Lang, Expires: expires.UTC()}, nil
}

// openRemote opens a chat another node holds on the connections of its new owner here: the
// holder writes the assignment; this node follows the chat's events, which reach it over the
// cluster's bus, and forwards the owner's commands to the holder.
func (s *Service) openRemote(chatID string, agentID int64) {
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
		rec, err := s.st.Chat(ctx, chatID)
		if err != nil {
			s.log.Warn("cluster: opening a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
			return
		}
		conn, err := s.st.Connector(ctx, rec.ConnectorID)
		if err != nil {
			s.log.Warn("cluster: opening a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
			return
		}
		ch := newLiveChat(rec, conn)
		if err := s.restoreParticipants(ctx, ch); err != nil {
			s.log.Warn("cluster: opening a chat held elsewhere", "chat", chatID, "agent", agentID, "err", err)
		}
		ch.rec.State, ch.rec.AgentID = string(protocol.StateActive), agentID
		ch.agents[agentID] = &member{userID: agentID, name: DisplayName(user), lang: user.Lang, part: protocol.PartOwner}
		s.openFor(agentID, chatID, summary(ch, agentID, ch.seq.Load()))
	})
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
