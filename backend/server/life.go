package server

import (
	"log/slog"
	"os"
)

// lifeLost is cluster.Config.OnLost: a node whose PostgreSQL session with its life lock is gone
// may already see its chats taken over by other nodes, so it must not act as their holder one
// moment longer. It ends the process at once; its supervisor starts it again as a new node,
// and its clients reconnect to the others meanwhile.
func lifeLost(log *slog.Logger) func(error) {
	return func(err error) {
		log.Error("cluster: this node lost its PostgreSQL session and stops now, so that it never holds a chat beside another node", "err", err)
		os.Exit(3)
	}
}
