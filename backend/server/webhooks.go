package server

import (
	"context"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/webhook"
)

// webhookPart is the server's webhook worker, woken by every committed chat event (the
// deliveries they caused were written in the same commit).
type webhookPart struct {
	worker *webhook.Worker
	stop   context.CancelFunc
	done   chan struct{}
	unsub  func()
}

// setupWebhooks builds the worker; startWebhooks runs it.
func (s *Server) setupWebhooks() {
	s.webhooks.worker = webhook.NewWorker(webhook.Options{Store: s.store, AllowPrivate: s.cfg.WebhookAllowPrivate, Logger: s.log})
}

// startWebhooks runs the worker until stopWebhooks: deliveries left pending by an earlier
// run (a crash, a kill) are delivered from the start.
func (s *Server) startWebhooks() {
	ctx, cancel := context.WithCancel(context.Background())
	s.webhooks.stop, s.webhooks.done = cancel, make(chan struct{})
	s.webhooks.unsub = wakeOnOwnWrites(s.bus, s.outboxWrites(store.OutboxWebhooks), s.webhooks.worker.Wake)
	go func() {
		defer close(s.webhooks.done)
		s.webhooks.worker.Run(ctx)
	}()
}

// stopWebhooks stops the worker and waits for it; an attempt it interrupts is tried again
// after the next start.
func (s *Server) stopWebhooks() {
	if s.webhooks.stop == nil {
		return
	}
	s.webhooks.unsub()
	s.webhooks.stop()
	<-s.webhooks.done
}
