package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/acdbus"
	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/cluster"
	"github.com/parleychat/parley/backend/metrics"
	"github.com/parleychat/parley/backend/natsbus"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// clusterPart is the node's membership of a cluster (package cluster) and, in cluster mode,
// its NATS connection and bus (package natsbus). On SQLite all of it is nil.
type clusterPart struct {
	id     string
	prefix string // of the NATS subjects
	nc     *nats.Conn
	bus    *natsbus.Bus
	node   *cluster.Node
	acd    *acdbus.Link // the routing link (clusterrouting.go)
	// fenced counts the deposed leaders' decisions the chat service refused to write
	// (chat.Service.StaleDecisions), set by attachRouting.
	fenced func() uint64
	lost   chan error // the life lock's session ended (life.go); nil outside cluster mode
	// self is node for the goroutines the election starts, which may run before join sets
	// node.
	self *atomic.Pointer[cluster.Node]
	// agentWindow is an agent's reconnect window (config.Config.ReconnectWindow), which the
	// routing leader gives the agents of a dead node.
	agentWindow time.Duration
	// stopFollowers ends watchFollowers (visitorforward.go); nil when it does not run.
	stopFollowers context.CancelFunc
}

// dial connects to NATS when cluster mode is configured and returns the publisher the
// store announces committed changes on: the NATS bus around local, or local itself. hold is
// the realtime hub's, taken while bursts of the other nodes' events are delivered.
func (s *clusterPart) dial(natsURL, prefix string, local *changes.Local, hold func() (release func()), log *slog.Logger) (store.Publisher, error) {
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
	bus, err := natsbus.New(nc, local, natsbus.Options{Node: s.id, Prefix: prefix, Logger: log, Hold: hold})
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
	s.self = new(atomic.Pointer[cluster.Node])
	s.linkRouting(st, log)
	s.lost = make(chan error, 1)
	node, err := cluster.Start(ctx, st, cluster.Config{ID: s.id, Addr: host + " " + addr, Clustered: s.bus != nil, Logger: log,
		OnLead: s.lead, OnDepose: s.depose, OnLost: s.lifeLost(log)})
	if err != nil {
		return err
	}
	s.node = node
	s.self.Store(node)
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
func (s *clusterPart) restoreFilter(st *store.Store, log *slog.Logger) func(store.Chat) bool {
	if s.bus == nil || s.node == nil || s.node.Peers() == 0 {
		return nil
	}
	asked := time.Now()
	held, answers, err := s.askHeld(nil, s.node.Peers(), heldWait)
	if err != nil || answers < s.node.Peers() {
		log.Warn("cluster: not every running node said which chats it holds; this node restores no open chat", "answers", answers, "nodes", s.node.Peers(), "err", err)
		return func(store.Chat) bool { return false }
	}
	log.Info("cluster: restoring the open chats no running node holds", "held_elsewhere", len(held))
	return func(c store.Chat) bool {
		if held[c.ID] || !c.CreatedAt.Before(asked) {
			return false
		}
		// A visitor or agent of the chat may be taking it over on a running node right now
		// (claim): the claim in the database decides which node restores it.
		now := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		won, err := st.ClaimChat(ctx, c.ID, s.id, now, now.Add(-s.node.Stale()))
		if err != nil {
			log.Warn("cluster: claim of an open chat at start failed; leaving it to a takeover", "chat", c.ID, "err", err)
		}
		return err == nil && won
	}
}

// askHeld asks the running nodes which chats they hold (of the one named by chat, or all when
// it is nil), waiting for want answers at most wait.
func (s *clusterPart) askHeld(chat []byte, want int, wait time.Duration) (map[string]bool, int, error) {
	held := map[string]bool{}
	answers, err := s.gather(s.prefix+".held", chat, want, wait, func(data []byte) error {
		var ids []string
		if err := json.Unmarshal(data, &ids); err != nil {
			return fmt.Errorf("cluster: undecodable answer of held chats: %w", err)
		}
		for _, id := range ids {
			held[id] = true
		}
		return nil
	})
	return held, answers, err
}

// gather asks every node a question on subject and hands each answer to each, until want
// answers came or wait passed; it returns how many came.
func (s *clusterPart) gather(subject string, question []byte, want int, wait time.Duration, each func([]byte) error) (int, error) {
	inbox := s.nc.NewRespInbox()
	sub, err := s.nc.SubscribeSync(inbox)
	if err != nil {
		return 0, err
	}
	defer sub.Unsubscribe()
	if err := s.nc.PublishRequest(subject, inbox, question); err != nil {
		return 0, err
	}
	answers := 0
	deadline := time.Now().Add(wait)
	for answers < want {
		m, err := sub.NextMsg(time.Until(deadline))
		if err != nil {
			return answers, nil
		}
		if err := each(m.Data); err != nil {
			return answers, err
		}
		answers++
	}
	return answers, nil
}

// serveHeld answers other nodes' question which chats this node holds: all of them, or
// whether it holds the one the question names.
func (s *clusterPart) serveHeld(chats func() []string) error {
	if s.nc == nil {
		return nil
	}
	_, err := s.nc.Subscribe(s.prefix+".held", func(m *nats.Msg) {
		held := chats()
		if len(m.Data) > 0 {
			// "<chat> <asking node>": a node asking about one chat does not answer itself.
			chatID, asker, _ := strings.Cut(string(m.Data), " ")
			if asker == s.id {
				return
			}
			one := []string{}
			if slices.Contains(held, chatID) {
				one = append(one, chatID)
			}
			held = one
		}
		data, _ := json.Marshal(held)
		_ = m.Respond(data)
	})
	return err
}

// claimWait bounds how long a takeover waits for every live node to say whether it holds the
// chat.
const claimWait = time.Second

// claim is chat.Config.Claim in cluster mode: a visitor or agent reconnected to this node for
// an open chat it does not hold. The chat is taken over only when every live node answers
// that it does not hold it (so its holder is dead: its life lock is free, its heartbeat
// stopped, or its row is gone) and the claim in the database (store.ClaimChatFromGone) is
// won, which two nodes cannot both do. Otherwise the answer is busy, and the client resumes
// again: a killed holder's lock is free at once, a hung one's heartbeat goes stale.
func (s *clusterPart) claim(st *store.Store) func(ctx context.Context, chatID string) error {
	if s.bus == nil || s.node == nil {
		return nil
	}
	return func(ctx context.Context, chatID string) error {
		now := time.Now()
		stale := now.Add(-s.node.Stale())
		others, gone, err := s.otherNodes(ctx, st, stale)
		if err != nil {
			return err
		}
		held, answers, err := s.askHeld([]byte(chatID+" "+s.id), others, claimWait)
		switch {
		case err != nil:
			return err
		case held[chatID]:
			return chat.ErrHeldElsewhere
		case answers < others:
			return protocol.Errorf(protocol.CodeBusy, "a node of the cluster did not say whether it holds chat %s; resume again", chatID)
		}
		won, err := st.ClaimChatFromGone(ctx, chatID, s.id, gone, now, stale)
		if err != nil {
			return err
		}
		if !won {
			return protocol.Errorf(protocol.CodeBusy, "another node took chat %s over; resume again", chatID)
		}
		return nil
	}
}

// otherNodes counts the other live nodes of the cluster (heartbeat after stale) and lists
// those among them that are dead: a node whose life lock is free is dead however fresh its
// heartbeat (package cluster).
func (s *clusterPart) otherNodes(ctx context.Context, st *store.Store, stale time.Time) (int, []string, error) {
	live, err := st.LiveNodes(ctx, stale)
	if err != nil {
		return 0, nil, err
	}
	others, gone := 0, []string(nil)
	for _, n := range live {
		if n.ID != s.id && s.node.Gone(ctx, n.ID) {
			gone = append(gone, n.ID)
		} else if n.ID != s.id {
			others++
		}
	}
	return others, gone, nil
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
		rs := s.acd.Stats()
		st := metrics.ClusterStats{Leader: lead, Term: term, Elections: s.node.Elections(), NATSRTT: bs.RTT,
			Sent: bs.Sent, Received: bs.Received, SendFailed: bs.Dropped,
			RoutingSent: rs.Sent, RoutingApplied: rs.Applied, RoutingRefused: rs.Refused, RoutingDropped: rs.Dropped}
		if s.fenced != nil {
			st.RoutingFenced = s.fenced()
		}
		return st
	}
}

// leave gives the leadership up and removes the node's row (before the store closes).
func (s *clusterPart) leave(ctx context.Context) {
	if s.stopFollowers != nil {
		s.stopFollowers()
	}
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

// forwardWait bounds how long a forwarded command waits for the holder's answer; the agent
// retries it with the same id after a busy answer, and the holder applies it once.
const forwardWait = 5 * time.Second

// forwarded is a command one node hands to the node that holds its chat.
type forwarded struct {
	User  int64  `json:"user"`
	Frame []byte `json:"frame"`
}

// forwardAnswer is the holder's answer: the ack, or the error, after its commit.
type forwardAnswer struct {
	Ack *protocol.Ack   `json:"ack,omitempty"`
	Err *protocol.Error `json:"err,omitempty"`
}

// forward is chat.Config.Forward in cluster mode: an agent's command for a chat another live
// node holds is asked on <prefix>.cmd; only the holder answers (serveForward).
func (s *clusterPart) forward() func(ctx context.Context, user store.User, cmd protocol.Command) (*protocol.Ack, error) {
	if s.bus == nil {
		return nil
	}
	return func(ctx context.Context, user store.User, cmd protocol.Command) (*protocol.Ack, error) {
		frame, err := protocol.EncodeCommand(cmd)
		if err != nil {
			return nil, err
		}
		data, _ := json.Marshal(forwarded{User: user.ID, Frame: frame})
		ctx, cancel := context.WithTimeout(ctx, forwardWait)
		defer cancel()
		m, err := s.nc.RequestWithContext(ctx, s.prefix+".cmd", data)
		if err != nil {
			return nil, protocol.Errorf(protocol.CodeBusy, "the node holding chat %s did not answer; retry the command with the same id", cmd.Chat)
		}
		return decodeAnswer(m.Data)
	}
}

// serveForward runs the agents' commands other nodes forward for the chats this node holds
// (and stays silent about the others, which their holders answer).
func (s *clusterPart) serveForward(st *store.Store, chats *chat.Service, log *slog.Logger) error {
	if s.nc == nil {
		return nil
	}
	_, err := s.nc.Subscribe(s.prefix+".cmd", func(m *nats.Msg) {
		var f forwarded
		if err := json.Unmarshal(m.Data, &f); err != nil {
			return
		}
		cmd, err := protocol.DecodeCommand(f.Frame, protocol.RoleAgent)
		if err != nil || !chats.Holds(cmd.Chat) {
			return
		}
		// Run apart from NATS's delivery goroutine: the command waits for its commit.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), forwardWait)
			defer cancel()
			var ack *protocol.Ack
			user, err := st.User(ctx, f.User)
			if err == nil {
				ack, err = chats.Act(ctx, user, cmd)
			}
			_ = m.Respond(encodeAnswer(ack, err, cmd.Chat, log))
		}()
	})
	return err
}
