package server

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/backend/admin"
	"github.com/parleychat/parley/backend/agentapi"
	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/store"
)

// pushPart is the server's Web Push sender (package push).
type pushPart struct {
	sender *push.Sender
	stop   context.CancelFunc
	done   chan struct{}
}

// pushWorkers is how many outbox workers post pushes at once.
const pushWorkers = 4

// setupPush builds the sender with the configured VAPID keys, or the installation's own,
// made at the first start. It is nil when pushes are off.
func (s *Server) setupPush(ctx context.Context) error {
	if s.cfg.PushOff {
		return nil
	}
	keys := store.VAPIDKeys{Public: s.cfg.VAPIDPublicKey, Private: s.cfg.VAPIDPrivateKey}
	if keys.Public == "" {
		var err error
		if keys, err = s.store.EnsureVAPIDKeys(ctx, push.GenerateKeys); err != nil {
			return fmt.Errorf("web push keys: %w", err)
		}
	}
	if err := push.CheckKeys(keys); err != nil {
		return fmt.Errorf("web push keys (PARLEY_VAPID_PUBLIC_KEY, PARLEY_VAPID_PRIVATE_KEY): %w", err)
	}
	s.push.sender = push.New(push.Options{Store: s.store, Keys: keys, Subject: s.cfg.VAPIDSubject, Logger: s.log})
	return nil
}

// pusher is what the chat service wakes after writing pushes, nil when pushes are off.
func (s *Server) pusher() *push.Sender { return s.push.sender }

// startPush runs the sender until stopPush.
func (s *Server) startPush() {
	if s.push.sender == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.push.stop, s.push.done = cancel, make(chan struct{})
	go func() {
		defer close(s.push.done)
		s.push.sender.Run(ctx, pushWorkers)
	}()
}

// stopPush stops the sender and waits for it: pushes still pending are sent after the next
// start, within their TTL.
func (s *Server) stopPush() {
	if s.push.stop == nil {
		return
	}
	s.push.stop()
	<-s.push.done
}

// PushStats are the Web Push sender's counts (zero when pushes are off).
func (s *Server) PushStats() push.Stats {
	if s.push.sender == nil {
		return push.Stats{}
	}
	return s.push.sender.Stats()
}

// pushKeys is what the agent API serves the public key from, nil when pushes are off.
func (s *Server) pushKeys() agentapi.PushKeys {
	if s.push.sender == nil {
		return nil
	}
	return s.push.sender
}

// PushPublicKey is the VAPID public key the agent app subscribes with ("" when pushes are
// off).
func (s *Server) PushPublicKey() string {
	if s.push.sender == nil {
		return ""
	}
	return s.push.sender.PublicKey()
}

// pushWaker is what the admin pages wake after a test or replay, nil when pushes are off.
func (s *Server) pushWaker() admin.PushWaker {
	if s.push.sender == nil {
		return nil
	}
	return s.push.sender
}
