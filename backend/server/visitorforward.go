package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// visitorForwarded is a visitor's command one node hands to the node that holds its chat
// (chat.VisitorForward, with the command as its frame).
type visitorForwarded struct {
	Key       string `json:"key"`
	Token     string `json:"token"`
	Connector int64  `json:"connector"`
	Lang      string `json:"lang,omitempty"`
	Page      string `json:"page,omitempty"`
	Referrer  string `json:"referrer,omitempty"`
	VisitorID string `json:"visitor_id,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Chat      string `json:"chat"`
	Left      bool   `json:"left,omitempty"`
	Frame     []byte `json:"frame,omitempty"`
}

// forwardVisitor is chat.Config.ForwardVisitor in cluster mode: a visitor's command for a chat
// another node holds is asked on <prefix>.vcmd; only the holder answers (serveForwardVisitor).
// No answer within forwardWait is chat.ErrNoHolder: the holder is gone, and the asking node
// takes the chat over (the command is retried with its id, so it is written once).
func (s *clusterPart) forwardVisitor() func(ctx context.Context, f chat.VisitorForward) (*protocol.Ack, error) {
	if s.bus == nil {
		return nil
	}
	return func(ctx context.Context, f chat.VisitorForward) (*protocol.Ack, error) {
		w := s.wireForward(f)
		if f.Cmd.Body != nil {
			frame, err := protocol.EncodeCommand(f.Cmd)
			if err != nil {
				return nil, err
			}
			w.Frame = frame
		}
		data, _ := json.Marshal(w)
		ctx, cancel := context.WithTimeout(ctx, forwardWait)
		defer cancel()
		m, err := s.nc.RequestWithContext(ctx, s.prefix+".vcmd", data)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) {
			return nil, chat.ErrNoHolder
		}
		if err != nil {
			return nil, protocol.Errorf(protocol.CodeBusy, "the node holding chat %s could not be asked; retry the command with the same id", f.Cmd.Chat)
		}
		return decodeAnswer(m.Data)
	}
}

// wireForward is a visitor's connection as this node forwards it (without its command): its
// key, unique in the cluster, is "<node>/<connection>".
func (s *clusterPart) wireForward(f chat.VisitorForward) visitorForwarded {
	return visitorForwarded{Key: s.id + "/" + f.Key, Token: f.Token, Connector: f.Connector, Lang: f.Lang, Page: f.Page,
		Referrer: f.Referrer, VisitorID: f.VisitorID, UserAgent: f.UserAgent, Chat: f.Cmd.Chat, Left: f.Left}
}

// fromWire is a forwarded visitor's connection as the receiving node sees it (without its
// command), the node that follows it read from its key.
func fromWire(w visitorForwarded) chat.VisitorForward {
	node, _, _ := strings.Cut(w.Key, "/") // wireForward's key: "<node>/<connection>"
	return chat.VisitorForward{Key: w.Key, Node: node, Token: w.Token, Connector: w.Connector, Lang: w.Lang, Page: w.Page,
		Referrer: w.Referrer, VisitorID: w.VisitorID, UserAgent: w.UserAgent, Left: w.Left, Cmd: protocol.Command{Chat: w.Chat}}
}

// decodeAnswer reads the holder's answer to a forwarded command.
func decodeAnswer(data []byte) (*protocol.Ack, error) {
	var a forwardAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("cluster: undecodable answer to a forwarded command: %w", err)
	}
	if a.Err != nil {
		return nil, a.Err
	}
	return a.Ack, nil
}

// encodeAnswer is the holder's answer to a forwarded command: the ack, or the error in the
// protocol's form; any other error is logged and answered busy, for the sender to retry.
func encodeAnswer(ack *protocol.Ack, err error, chatID string, log *slog.Logger) []byte {
	a := forwardAnswer{Ack: ack}
	if err != nil {
		pe, ok := err.(*protocol.Error)
		if !ok {
			log.Warn("cluster: a forwarded command failed", "chat", chatID, "err", err)
			pe = protocol.Errorf(protocol.CodeBusy, "the node holding the chat could not run the command; retry it with the same id")
		}
		a.Ack, a.Err = nil, pe
	}
	data, _ := json.Marshal(a)
	return data
}

// serveForwardVisitor runs the visitors' commands other nodes forward for the chats this node
// holds, and stays silent about the others, which their holders answer.
func (s *clusterPart) serveForwardVisitor(chats *chat.Service, log *slog.Logger) error {
	if s.nc == nil {
		return nil
	}
	_, err := s.nc.Subscribe(s.prefix+".vcmd", func(m *nats.Msg) {
		var w visitorForwarded
		if err := json.Unmarshal(m.Data, &w); err != nil || !chats.Holds(w.Chat) {
			return
		}
		f := fromWire(w)
		if len(w.Frame) > 0 {
			cmd, err := protocol.DecodeCommand(w.Frame, protocol.RoleVisitor)
			if err != nil || cmd.Chat != w.Chat {
				return
			}
			f.Cmd = cmd
		}
		// Run apart from NATS's delivery goroutine: the command waits for its commit.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), forwardWait)
			defer cancel()
			ack, err := chats.ActVisitor(ctx, f)
			if errors.Is(err, chat.ErrNoHolder) {
				return // dropped meanwhile: the asking node finds out without an answer
			}
			_ = m.Respond(encodeAnswer(ack, err, f.Cmd.Chat, log))
		}()
	})
	return err
}

// followedElsewhere is chat.Config.FollowedElsewhere in cluster mode: a node that has just
// taken a chat over asks on <prefix>.follows which visitor connections the other live nodes
// follow it for (serveFollows), waiting for every live node's answer at most claimWait. A
// node that does not answer in time has its visitor counted away until their next command.
func (s *clusterPart) followedElsewhere(st *store.Store, log *slog.Logger) func(ctx context.Context, chatID string) []chat.VisitorForward {
	if s.bus == nil || s.node == nil {
		return nil
	}
	return func(ctx context.Context, chatID string) []chat.VisitorForward {
		others, _, err := s.otherNodes(ctx, st, time.Now().Add(-s.node.Stale()))
		if err != nil || others == 0 {
			return nil
		}
		var out []chat.VisitorForward
		answers, err := s.gather(s.prefix+".follows", []byte(chatID+" "+s.id), others, claimWait, func(data []byte) error {
			var ws []visitorForwarded
			if err := json.Unmarshal(data, &ws); err != nil {
				return fmt.Errorf("cluster: undecodable answer of followed connections: %w", err)
			}
			for _, w := range ws {
				if w.Chat == chatID {
					out = append(out, fromWire(w))
				}
			}
			return nil
		})
		if err != nil || answers < others {
			log.Warn("cluster: not every node said whether it follows a chat taken over for its visitor", "chat", chatID, "answers", answers, "nodes", others, "err", err)
		}
		return out
	}
}

// serveFollows answers a node that took a chat over which of this node's visitor connections
// follow that chat (chat.Service.FollowersOf); a node does not answer its own question.
func (s *clusterPart) serveFollows(chats *chat.Service) error {
	if s.nc == nil {
		return nil
	}
	_, err := s.nc.Subscribe(s.prefix+".follows", func(m *nats.Msg) {
		chatID, asker, _ := strings.Cut(string(m.Data), " ")
		if asker == s.id || chatID == "" {
			return
		}
		ws := []visitorForwarded{}
		for _, f := range chats.FollowersOf(chatID) {
			ws = append(ws, s.wireForward(f))
		}
		data, _ := json.Marshal(ws)
		_ = m.Respond(data)
	})
	return err
}

// followersEvery is how often a node looks whether a node that follows one of its chats for
// the visitor died.
const followersEvery = time.Second

// watchFollowers counts the visitors followed through a node that died as gone on the chats
// this node holds (chat.Service.FollowerGone): the dead node never says their connections
// ended, and they would be counted present for ever. A node is dead when its life lock is
// free or its heartbeat stale.
func (s *clusterPart) watchFollowers(st *store.Store, chats *chat.Service, log *slog.Logger) {
	if s.nc == nil || s.node == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopFollowers = cancel
	go func() {
		t := time.NewTicker(followersEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			nodes := chats.Followers()
			if len(nodes) == 0 {
				continue
			}
			live, err := st.LiveNodes(ctx, time.Now().Add(-s.node.Stale()))
			if err != nil {
				log.Warn("cluster: could not list the live nodes", "err", err)
				continue
			}
			fresh := map[string]bool{}
			for _, n := range live {
				fresh[n.ID] = true
			}
			for _, node := range nodes {
				if node != s.id && (!fresh[node] || s.node.Gone(ctx, node)) {
					chats.FollowerGone(node)
				}
			}
		}
	}()
}
