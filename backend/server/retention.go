package server

import (
	"context"

	"github.com/parleychat/parley/backend/retention"
)

// retentionPart is the worker that deletes what the tenants' retention policies expired.
type retentionPart struct {
	worker *retention.Worker
	stop   context.CancelFunc
	done   chan struct{}
}

// startRetention runs the retention worker until stopRetention. Every node runs it; the
// deletions are safe to run twice.
func (s *Server) startRetention() {
	s.retention.worker = retention.New(retention.Options{Store: s.store, Logger: s.log})
	ctx, cancel := context.WithCancel(context.Background())
	s.retention.stop, s.retention.done = cancel, make(chan struct{})
	go func() {
		defer close(s.retention.done)
		s.retention.worker.Run(ctx)
	}()
}

// stopRetention stops the worker and waits for it; a round it interrupts is finished by the
// next one.
func (s *Server) stopRetention() {
	if s.retention.stop == nil {
		return
	}
	s.retention.stop()
	<-s.retention.done
}

// retentionStats reports the worker's totals for /metrics.
func (s *Server) retentionStats() retention.Stats {
	if s.retention.worker == nil {
		return retention.Stats{}
	}
	return s.retention.worker.Stats()
}
