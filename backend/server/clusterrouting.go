package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/acdbus"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/store"
)

// heldAskWait bounds how long a new routing leader waits for the live nodes to say which
// chats they hold; a node killed a moment ago still counts as live and never answers.
const heldAskWait = time.Second

// linkRouting makes the node's routing link in cluster mode (package acdbus): before the
// election starts, since this node may lead at once.
func (s *clusterPart) linkRouting(st *store.Store, log *slog.Logger) {
	if s.bus == nil {
		return
	}
	s.acd = acdbus.New(acdbus.Config{Conn: s.nc, Prefix: s.prefix, Node: s.id, Store: st, Held: s.heldByLive(st), Live: s.liveNodes(st),
		AgentWindow: s.agentWindow, Logger: log})
}

// liveStale is how old a live node's heartbeat may be (cluster.Config.Stale, as join leaves
// it); read from here since the election may call on routing before join has the node.
const liveStale = 10 * time.Second

// liveNodes lists the ids of the live nodes: of fresh heartbeat, and not dead as their life
// lock says (a killed node's heartbeat looks fresh a while longer).
func (s *clusterPart) liveNodes(st *store.Store) func(ctx context.Context) (map[string]bool, error) {
	return func(ctx context.Context) (map[string]bool, error) {
		live, err := st.LiveNodes(ctx, time.Now().Add(-liveStale))
		self := s.self.Load()
		ids := map[string]bool{}
		for _, n := range live {
			if self == nil || !self.Gone(ctx, n.ID) {
				ids[n.ID] = true
			}
		}
		return ids, err
	}
}

// heldByLive asks every live node which chats it holds. A node whose life lock is free is
// dead however fresh its heartbeat and will not answer: a new leader that waited for it (its
// predecessor, killed) would answer no query and route nothing for heldAskWait.
func (s *clusterPart) heldByLive(st *store.Store) func(ctx context.Context) (map[string]bool, error) {
	return func(ctx context.Context) (map[string]bool, error) {
		live, err := st.LiveNodes(ctx, time.Now().Add(-liveStale))
		if err != nil {
			return nil, err
		}
		self, want := s.self.Load(), 0
		for _, n := range live {
			if self == nil || !self.Gone(ctx, n.ID) {
				want++
			}
		}
		held, _, err := s.askHeld(nil, want, heldAskWait)
		return held, err
	}
}

// lead and depose follow the node's routing leadership (cluster.Config.OnLead, OnDepose).
func (s *clusterPart) lead(term int64) {
	if s.acd != nil {
		s.acd.Lead(term)
	}
}

func (s *clusterPart) depose() {
	if s.acd != nil {
		s.acd.Depose()
	}
}

// routing is chat.Config.Routing: the link to the leader's engine in cluster mode, nil (the
// engine in this process) otherwise.
func (s *clusterPart) routing() func(execute func(int64, []acd.Decision)) chat.Routing {
	if s.acd == nil {
		return nil
	}
	return func(execute func(int64, []acd.Decision)) chat.Routing { return s.acd.Routing(execute) }
}

// attachRouting lets the chat service announce its chats and agents to every new leader.
func (s *clusterPart) attachRouting(chats *chat.Service) {
	if s.acd != nil {
		s.acd.Attach(chats)
		s.fenced = chats.StaleDecisions
	}
}
