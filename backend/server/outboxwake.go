package server

import (
	"sync/atomic"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/store"
)

// wakeOnOwnWrites wakes an outbox worker when a chat event this node committed came with new
// rows for it: writes counts the rows this node's commits added to the worker's outbox
// ([store.Store.OutboxWrites]), and they are written in the same transactions as those events.
// Each wake costs the worker its queries, so waking on every event would run them once per
// commit of a busy server. Another cluster node's events (package natsbus, Remote) never bring
// this node's worker work: that node's own worker is woken by them, and the rows of a node
// that died are found by every worker's poll.
func wakeOnOwnWrites(bus changes.Bus, writes func() uint64, wake func()) (cancel func()) {
	var seen atomic.Uint64
	return bus.SubscribeChats(func(e changes.ChatEvent) {
		if e.Remote {
			return
		}
		if n := writes(); seen.Swap(n) != n {
			wake()
		}
	})
}

// outboxWrites is the counter of this node's rows written to outbox o, for wakeOnOwnWrites.
func (s *Server) outboxWrites(o store.Outbox) func() uint64 {
	return func() uint64 { return s.store.OutboxWrites(o) }
}
