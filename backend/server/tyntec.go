package server

import (
	"context"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
	"github.com/parleychat/parley/shared/protocol"
)

// tyntecPart carries WhatsApp chats through TynTec: the webhook bridge and the outbox worker,
// woken by every committed chat event (the lines they wrote to the outbox).
type tyntecPart struct {
	bridge *tyntec.Bridge
	worker *tyntec.Worker
	stop   context.CancelFunc
	done   chan struct{}
	unsub  func()
}

// setupTynTec builds the bridge and the worker; startTynTec runs the worker.
func (s *Server) setupTynTec() {
	client := tyntec.NewClient(s.cfg.TynTecURL)
	s.tyntec.bridge = tyntec.NewBridge(tyntec.Options{Store: s.store, Chats: s.chats, Client: client, Logger: s.log,
		OnStatus: func(l store.WhatsAppOut, reason string) {
			if l.Test {
				return
			}
			s.chats.LineStatus(l.ChatID, l.Seq, tyntec.Delivery(l.Status), reason)
		}})
	s.tyntec.worker = tyntec.NewWorker(tyntec.WorkerOptions{Store: s.store, Client: client, PublicURL: s.cfg.PublicURL, Logger: s.log,
		OnOutcome: func(l store.WhatsAppOut, a store.WhatsAppAttempt) {
			switch {
			case l.Test:
			case a.Err == "":
				// Delivered or read already when TynTec reported so before it answered.
				reason := ""
				if l.Status == store.WhatsAppFailed {
					reason = l.LastError
				}
				s.chats.LineStatus(l.ChatID, l.Seq, tyntec.Delivery(l.Status), reason)
			case a.GiveUp:
				s.chats.LineStatus(l.ChatID, l.Seq, protocol.DeliveryFailed, a.Err)
			}
		}})
}

// startTynTec re-joins the open WhatsApp chats and runs the worker until stopTynTec: lines
// left pending by an earlier run (a crash, a kill) are sent from the start.
func (s *Server) startTynTec() {
	ctx, cancel := context.WithCancel(context.Background())
	s.tyntec.stop, s.tyntec.done = cancel, make(chan struct{})
	s.tyntec.unsub = wakeOnOwnWrites(s.bus, s.outboxWrites(store.OutboxWhatsApp), s.tyntec.worker.Wake)
	go func() {
		defer close(s.tyntec.done)
		// The customers' open chats carry on: re-joined before they count as gone.
		if err := s.tyntec.bridge.Restore(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("tyntec: open WhatsApp chats not continued", "err", err)
		}
		s.tyntec.worker.Run(ctx)
	}()
}

// stopTynTec ends the customers' connections and stops the worker; an attempt it interrupts
// is tried again after the next start.
func (s *Server) stopTynTec() {
	if s.tyntec.stop == nil {
		return
	}
	s.tyntec.bridge.Close()
	s.tyntec.unsub()
	s.tyntec.stop()
	<-s.tyntec.done
}
