package server

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/clientip"
)

// clusterConnectLimit is connectLimit over every node of a cluster: each new connection is
// counted in PostgreSQL, per limit (kind), client address and minute, with one atomic upsert
// (store.AddConnectHit), so a client whose connections the load balancer spreads over the
// nodes gets perMinute in all, not perMinute on each. When the count cannot be written the
// node's own limiter decides. Outside cluster mode it is connectLimit.
func (s *Server) clusterConnectLimit(kind string, perMinute int, msg string) fiber.Handler {
	local := connectLimit(perMinute, msg)
	if perMinute <= 0 || s.cluster.bus == nil {
		return local
	}
	var swept atomic.Int64 // unix seconds of the last sweep of old windows
	return func(c *fiber.Ctx) error {
		now := time.Now()
		window := now.Truncate(time.Minute)
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		hits, err := s.store.AddConnectHit(ctx, kind+"/"+clientip.Bucket(c.IP()), window)
		cancel()
		if err != nil {
			s.log.Warn("cluster: connection not counted; this node's own limit applies", "err", err)
			return local(c)
		}
		if last := swept.Load(); now.Unix()-last >= 60 && swept.CompareAndSwap(last, now.Unix()) {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := s.store.PurgeConnectHits(ctx, window.Add(-2*time.Minute)); err != nil {
					s.log.Warn("cluster: sweeping old connection counts failed", "err", err)
				}
			}()
		}
		if hits > perMinute {
			return c.Status(fiber.StatusTooManyRequests).SendString(msg)
		}
		return c.Next()
	}
}
