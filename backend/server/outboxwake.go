package server

import "github.com/parleychat/parley/backend/changes"

// wakeOnOwnCommits wakes an outbox worker on every chat event this node committed, for the rows
// the worker delivers are written in the same transactions as those events. Another cluster
// node's events (package natsbus, Remote) never bring this node's worker work: that node's own
// worker is woken by them, and the rows of a node that died are found by every worker's poll.
// Waking on them too would have each node query its outboxes for every event of the cluster.
func wakeOnOwnCommits(bus changes.Bus, wake func()) (cancel func()) {
	return bus.SubscribeChats(func(e changes.ChatEvent) {
		if !e.Remote {
			wake()
		}
	})
}
