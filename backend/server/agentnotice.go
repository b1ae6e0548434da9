package server

import (
	"encoding/json"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/backend/chat"
)

// agentNotice is a chat.AgentNotice on <prefix>.agent, with the node that sent it, which
// ignores its own (it told its connections itself).
type agentNotice struct {
	Node string `json:"node"`
	chat.AgentNotice
}

// publishAgent is chat.Config.PublishAgent in cluster mode: an agent's notices about a chat
// this node holds reach the agent's connections on the other nodes (receiveAgent there).
func (s *clusterPart) publishAgent() func(n chat.AgentNotice) {
	if s.nc == nil {
		return nil
	}
	return func(n chat.AgentNotice) {
		data, err := json.Marshal(agentNotice{Node: s.id, AgentNotice: n})
		if err == nil {
			_ = s.nc.Publish(s.prefix+".agent", data)
		}
	}
}

// receiveAgent delivers the other nodes' agent notices to this node's connections.
func (s *clusterPart) receiveAgent(chats *chat.Service) error {
	if s.nc == nil {
		return nil
	}
	_, err := s.nc.Subscribe(s.prefix+".agent", func(m *nats.Msg) {
		var n agentNotice
		if err := json.Unmarshal(m.Data, &n); err != nil || n.Node == s.id {
			return
		}
		chats.DeliverAgent(n.AgentNotice)
	})
	return err
}
