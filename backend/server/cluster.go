package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/cluster"
	"github.com/parleychat/parley/backend/metrics"
	"github.com/parleychat/parley/backend/natsbus"
	"github.com/parleychat/parley/backend/store"
)

// clusterPart is the node's membership of a cluster (package cluster) and, in cluster mode,
// its NATS connection and bus (package natsbus). On SQLite all of it is nil.
type clusterPart struct {
	id     string
	prefix string // of the NATS subjects
	nc     *nats.Conn
	bus    *natsbus.Bus
	node   *cluster.Node
}

// dialCluster connects to NATS when cluster mode is configured and returns the publisher the
// store announces committed changes on: the NATS bus around local, or local itself.
func (s *clusterPart) dial(natsURL, prefix string, local *changes.Local, log *slog.Logger) (store.Publisher, error) {
	s.id = cluster.NewID()
	if natsURL == "" {
		return local, nil
	}
	s.prefix = prefix
	if s.prefix == "" {
		s.prefix = natsbus.DefaultPrefix
	}
	nc, err := nats.Connect(natsURL, nats.Name("parley "+s.id), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("cluster: NATS disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Warn("cluster: NATS reconnected", "server", c.ConnectedUrl()) }))
	if err != nil {
		return nil, fmt.Errorf("cluster mode: connect to NATS at %s: %w (check PARLEY_NATS_URL)", natsURL, err)
	}
	bus, err := natsbus.New(nc, local, natsbus.Options{Node: s.id, Prefix: prefix, Logger: log})
	if err != nil {
		nc.Close()
		return nil, err
	}
	s.nc, s.bus = nc, bus
	return bus, nil
}

// join registers the node on PostgreSQL (a single node too, so that cluster nodes refuse to
// start beside it, and it beside them) and starts the election in cluster mode.
func (s *clusterPart) join(ctx context.Context, st *store.Store, addr string, log *slog.Logger) error {
	if st.Dialect() != store.DialectPostgres {
		return nil
	}
	host, _ := os.Hostname()
	node, err := cluster.Start(ctx, st, cluster.Config{ID: s.id, Addr: host + " " + addr, Clustered: s.bus != nil, Logger: log})
	if err != nil {
		return err
	}
	s.node = node
	return nil
}

// heldWait bounds how long a starting node waits for the running nodes to say which chats
// they hold.
const heldWait = 3 * time.Second

// restoreFilter chooses the open chats a starting cluster node restores (chat.Config.Restore):
// all of them when it is alone (a first start, or a restart in its own place with no other
// node live); beside running nodes, only those none of them holds (its predecessor's, or a dead
// node's), created before it asked, so that a chat another node creates meanwhile is not
// taken. When a live node does not answer, it restores none: two holders of one chat would
// offer it twice and close it under a connected visitor.
func (s *clusterPart) restoreFilter(log *slog.Logger) func(store.Chat) bool {
	if s.bus == nil || s.node == nil || s.node.Peers() == 0 {
		return nil
	}
	asked := time.Now()
	held, answers, err := s.askHeld(s.node.Peers())
	if err != nil || answers < s.node.Peers() {
		log.Warn("cluster: not every running node said which chats it holds; this node restores no open chat", "answers", answers, "nodes", s.node.Peers(), "err", err)
		return func(store.Chat) bool { return false }
	}
	log.Info("cluster: restoring the open chats no running node holds", "held_elsewhere", len(held))
	return func(c store.Chat) bool { return !held[c.ID] && c.CreatedAt.Before(asked) }
}

// askHeld asks the running nodes which chats they hold, waiting for want answers at most heldWait.
func (s *clusterPart) askHeld(want int) (map[string]bool, int, error) {
	inbox := s.nc.NewRespInbox()
	sub, err := s.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, 0, err
	}
	defer sub.Unsubscribe()
	if err := s.nc.PublishRequest(s.prefix+".held", inbox, nil); err != nil {
		return nil, 0, err
	}
	held := map[string]bool{}
	answers := 0
	deadline := time.Now().Add(heldWait)
	for answers < want {
		m, err := sub.NextMsg(time.Until(deadline))
		if err != nil {
			return held, answers, nil
		}
		var ids []string
		if err := json.Unmarshal(m.Data, &ids); err != nil {
			return held, answers, fmt.Errorf("cluster: undecodable answer of held chats: %w", err)
		}
		for _, id := range ids {
			held[id] = true
		}
		answers++
	}
	return held, answers, nil
}

// serveHeld answers other nodes' question which chats this node holds.
func (s *clusterPart) serveHeld(chats func() []string) error {
	if s.nc == nil {
		return nil
	}
	_, err := s.nc.Subscribe(s.prefix+".held", func(m *nats.Msg) {
		data, _ := json.Marshal(chats())
		_ = m.Respond(data)
	})
	return err
}

// ready says why the node should get no traffic, or nil.
func (s *clusterPart) ready() error {
	if s.node != nil {
		if err := s.node.Ready(); err != nil {
			return err
		}
	}
	if s.nc != nil && !s.nc.IsConnected() {
		return errors.New("cluster: NATS unreachable")
	}
	return nil
}

// stats are the node's cluster figures for /metrics, nil outside cluster mode.
func (s *clusterPart) stats() func() metrics.ClusterStats {
	if s.bus == nil || s.node == nil {
		return nil
	}
	return func() metrics.ClusterStats {
		lead, term := s.node.Leader()
		bs := s.bus.Stats()
		return metrics.ClusterStats{Leader: lead, Term: term, Elections: s.node.Elections(), NATSRTT: bs.RTT,
			Sent: bs.Sent, Received: bs.Received, SendFailed: bs.Dropped}
	}
}

// leave gives the leadership up and removes the node's row (before the store closes).
func (s *clusterPart) leave(ctx context.Context) {
	if s.node != nil {
		s.node.Close(ctx)
	}
}

// close stops the NATS bus and connection (after the store's last commits were published).
func (s *clusterPart) close() {
	if s.bus != nil {
		s.bus.Close()
	}
	if s.nc != nil {
		_ = s.nc.Drain()
	}
}
