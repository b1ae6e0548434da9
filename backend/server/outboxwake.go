package server

import (
	"sync/atomic"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/store"
)

// wakeOnWrites returns the chat-event subscriber of a delivery worker: it wakes the worker
// when a commit of this node added to the worker's outbox o, and for every event another node
// committed (whose writes this node does not count), instead of for every event: each wake
// costs the worker its queries, one round of them per commit of a busy server.
func (s *Server) wakeOnWrites(o store.Outbox, wake func()) func(changes.ChatEvent) {
	var seen atomic.Uint64
	return func(e changes.ChatEvent) {
		if e.Remote {
			wake()
			return
		}
		if n := s.store.OutboxWrites(o); seen.Swap(n) != n {
			wake()
		}
	}
}
