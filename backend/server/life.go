package server

import (
	"log/slog"
)

// lifeLost is cluster.Config.OnLost: a node whose PostgreSQL session with its life lock is gone
// may already see its chats taken over by other nodes, so it must not act as their holder one
// moment longer. It tells [Server.Lost], on which [Run] stops this server at once (its clients
// are told to reconnect, its chats leave its memory open as they are) and starts a new one,
// a new node, once the database answers again.
func (s *clusterPart) lifeLost(log *slog.Logger) func(error) {
	return func(err error) {
		log.Error("cluster: this node lost its PostgreSQL session; it stops serving as this node and starts again as a new one, so that it never holds a chat beside another node", "err", err)
		select {
		case s.lost <- err:
		default:
		}
	}
}

// Lost delivers the end of the node's life lock's session (cluster mode on PostgreSQL): the
// server must then be shut down and a new one started ([Run] does). Outside cluster mode it
// never delivers.
func (s *Server) Lost() <-chan error { return s.cluster.lost }
