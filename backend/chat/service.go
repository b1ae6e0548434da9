// Package chat is Parley's chat service: it runs the life of every chat between the realtime
// connections of visitors and agents, the store and the ACD engine.
//
// It owns the rules of a conversation — who may say what in which chat, the texts a visitor
// sees at each step, the reconnect window — and the guarantees of the protocol: a per-chat
// sequence number for every durable event, acknowledgements and fan-out only after the group
// commit has made an event durable, replay after reconnect without gaps or duplicates, and
// commands retried with the same id applied once.
//
// Locking: each live chat has its own mutex, under which sequence numbers are assigned and
// writes enqueued (so commit order is sequence order), and a separate subscriber mutex used by
// the fan-out that runs after commit. Agents are guarded by the service's mutex. The ACD engine
// is owned by one goroutine (see router.go); nothing waits on it while holding a chat's mutex.
package chat

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Store is what the chat service needs from persistence.
type Store interface {
	ConnectorByHash(ctx context.Context, hash string) (store.Connector, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
	Tenants(ctx context.Context) ([]store.Tenant, error)
	Tenant(ctx context.Context, id int64) (store.Tenant, error)
	Groups(ctx context.Context, tenantID int64) ([]store.ACDGroup, error)
	Statuses(ctx context.Context, tenantID int64) ([]store.AgentStatus, error)
	User(ctx context.Context, id int64) (store.User, error)
	AgentsOfGroup(ctx context.Context, groupID int64) ([]store.User, error)
	SetUserStatus(ctx context.Context, userID, statusID int64) error
	SessionUser(ctx context.Context, rawToken string) (store.User, error)
	Chat(ctx context.Context, id string) (store.Chat, error)
	ChatsOpen(ctx context.Context, tenantID int64) ([]store.Chat, error)
	EventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]store.Event, error)
	MessageByClientID(ctx context.Context, chatID, role string, userID int64, clientID string) (store.Message, error)
	Enqueue(w store.Write, done func(error))
	Commit(ctx context.Context, ws ...store.Write) error
	SurveyFields(ctx context.Context, connectorID int64, kind string) ([]store.SurveyField, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	IPBlocked(ctx context.Context, tenantID int64, ip string) (bool, error)
	FileInfo(ctx context.Context, id string) (store.File, error)
}

// Config holds the chat service's timing rules.
type Config struct {
	// ReconnectWindow is how long a visitor may be away before their chat is closed, when the
	// connector sets none (MiCC CustomerDisconnectTimeoutSeconds, 60 s).
	ReconnectWindow time.Duration
	// AgentWarning is how long before that close the agent is warned (MiCC
	// AgentWarningCustomerDisconnectTimeoutSeconds, 20 s).
	AgentWarning time.Duration
	// AgentReconnectWindow is how long an agent may be away before their offers are revoked
	// and their chats go back to the queue (60 s).
	AgentReconnectWindow time.Duration
	Logger               *slog.Logger
}

func (c *Config) defaults() {
	if c.ReconnectWindow <= 0 {
		c.ReconnectWindow = 60 * time.Second
	}
	if c.AgentWarning <= 0 || c.AgentWarning >= c.ReconnectWindow {
		c.AgentWarning = min(20*time.Second, c.ReconnectWindow/3)
	}
	if c.AgentReconnectWindow <= 0 {
		c.AgentReconnectWindow = 60 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Service is the chat service. Create it with [New], feed it connections through
// [Service.Visitors] and [Service.Agents], and stop it with [Service.Close].
type Service struct {
	st  Store
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	chats    map[string]*liveChat
	agents   map[int64]*liveAgent
	requests map[string]requestRecord // chat.request idempotency, by visitor session and command id

	router   *router
	messages atomic.Uint64
	wg       sync.WaitGroup
	stop     chan struct{}
	closed   bool
}

// requestRecord remembers the answer to a chat request for a retry after a reconnect.
type requestRecord struct {
	ack     protocol.Ack
	expires time.Time
}

// New builds the service and rebuilds the routing state from the store: connectors, groups and
// every open chat, which keep their place in the queue and their timers.
func New(ctx context.Context, st Store, cfg Config) (*Service, error) {
	cfg.defaults()
	s := &Service{
		st:       st,
		cfg:      cfg,
		log:      cfg.Logger,
		chats:    make(map[string]*liveChat),
		agents:   make(map[int64]*liveAgent),
		requests: make(map[string]requestRecord),
		stop:     make(chan struct{}),
	}
	s.router = newRouter(s.execute, s.log)
	if err := s.restore(ctx); err != nil {
		return nil, err
	}
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.router.run(s.stop) }()
	go func() { defer s.wg.Done(); s.sweep() }()
	return s, nil
}

// Close stops the router and the timers. Connections must have been closed before (the
// server closes them with a reconnect code first); the store is flushed by its own Close.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, ch := range s.chats {
		ch.stopTimers()
	}
	for _, a := range s.agents {
		if a.goneTimer != nil {
			a.goneTimer.Stop()
		}
	}
	s.mu.Unlock()
	close(s.stop)
	s.wg.Wait()
}

// sweep forgets expired chat-request answers.
func (s *Service) sweep() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			for k, r := range s.requests {
				if now.After(r.expires) {
					delete(s.requests, k)
				}
			}
			s.mu.Unlock()
		}
	}
}

// restore loads connectors, groups and open chats into the engine.
func (s *Service) restore(ctx context.Context) error {
	tenants, err := s.st.Tenants(ctx)
	if err != nil {
		return err
	}
	var restored []store.Chat
	for _, t := range tenants {
		loc := location(t.TimeZone)
		groups, err := s.st.Groups(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			s.router.submit(groupConfig(g))
		}
		conns, err := s.st.Connectors(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, c := range conns {
			s.router.submit(connectorConfig(c, loc))
		}
		open, err := s.st.ChatsOpen(ctx, t.ID)
		if err != nil {
			return err
		}
		restored = append(restored, open...)
	}
	// The engine wants chats that hold an agent's capacity first, then the waiting ones in
	// queue order, so that no waiting chat is offered into a slot an accepted one holds.
	sort.SliceStable(restored, func(i, j int) bool {
		ai, aj := restored[i].State == string(protocol.StateActive), restored[j].State == string(protocol.StateActive)
		if ai != aj {
			return ai
		}
		return restored[i].CreatedAt.Before(restored[j].CreatedAt)
	})
	for _, rec := range restored {
		conn, err := s.st.Connector(ctx, rec.ConnectorID)
		if err != nil {
			return err
		}
		ch := newLiveChat(rec, conn)
		last, err := s.lastSeq(ctx, rec.ID, rec.LastSeq)
		if err != nil {
			return err
		}
		ch.seq = last
		ch.restored = true
		s.chats[rec.ID] = ch
		ev := acd.ChatRestored{Chat: acd.ChatID(rec.ID), Connector: acd.ConnectorID(rec.ConnectorID), RequestedAt: rec.CreatedAt}
		if rec.State == string(protocol.StateActive) && rec.AgentID != 0 {
			if u, err := s.st.User(ctx, rec.AgentID); err == nil {
				ch.agentName = DisplayName(u)
			}
			ev.Agent = acd.AgentID(rec.AgentID)
			if rec.AcceptedAt != nil {
				ev.AcceptedAt = *rec.AcceptedAt
			}
			if rec.FirstReplyAt != nil {
				ev.FirstReplyAt = *rec.FirstReplyAt
			}
		}
		s.router.submit(ev)
		// Nobody is connected right after a start: the visitor has the reconnect window.
		s.visitorAway(ch)
	}
	return nil
}

// lastSeq finds a chat's last sequence number from its event log.
func (s *Service) lastSeq(ctx context.Context, chatID string, from uint64) (uint64, error) {
	last := from
	for {
		evs, err := s.st.EventsAfter(ctx, chatID, last, 1000)
		if err != nil {
			return 0, err
		}
		if len(evs) == 0 {
			return last, nil
		}
		last = evs[len(evs)-1].Seq
	}
}

// ConnectorChanged makes a connector's new settings take effect at once, for new chats and
// for the chats already open on it (texts, reconnect window, routing, opening hours).
func (s *Service) ConnectorChanged(c store.Connector) {
	loc := time.UTC
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if t, err := s.st.Tenant(ctx, c.TenantID); err == nil {
		loc = location(t.TimeZone)
	}
	s.mu.Lock()
	for _, ch := range s.chats {
		ch.mu.Lock()
		if ch.rec.ConnectorID == c.ID {
			ch.setConnector(c)
		}
		ch.mu.Unlock()
	}
	s.mu.Unlock()
	s.router.submit(connectorConfig(c, loc))
}

// TenantChanged makes a tenant's new time zone apply to its connectors' opening hours.
func (s *Service) TenantChanged(ctx context.Context, t store.Tenant) error {
	conns, err := s.st.Connectors(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, c := range conns {
		s.router.submit(connectorConfig(c, location(t.TimeZone)))
	}
	return nil
}

// location loads a tenant's time zone; the store validated it, so failure means UTC.
func location(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// GroupChanged makes a group's new strategy take effect at once.
func (s *Service) GroupChanged(g store.ACDGroup) { s.router.submit(groupConfig(g)) }

// ConnectorOpen reports whether a connector takes chats now: in service and, by the routing
// engine's schedule, within its opening hours.
func (s *Service) ConnectorOpen(c store.Connector) bool {
	return !c.OutOfService && s.router.queueInfo(acd.ConnectorID(c.ID)).Open
}

// Stats are the chat service's figures for monitoring.
type Stats struct {
	Open            int    // chats not closed
	Waiting         int    // chats not yet handled by an agent
	AgentsConnected int    // agents with a connection
	Messages        uint64 // messages committed since start
}

// Stats reads the service's figures.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	chats := make([]*liveChat, 0, len(s.chats))
	for _, ch := range s.chats {
		chats = append(chats, ch)
	}
	st := Stats{Messages: s.messages.Load()}
	for _, a := range s.agents {
		if len(a.conns) > 0 {
			st.AgentsConnected++
		}
	}
	s.mu.Unlock()
	for _, ch := range chats {
		ch.mu.Lock()
		switch ch.rec.State {
		case string(protocol.StateClosed):
		case string(protocol.StateActive):
			st.Open++
		default:
			st.Open++
			st.Waiting++
		}
		ch.mu.Unlock()
	}
	return st
}

// Visitors returns the realtime handler of the visitor endpoint.
func (s *Service) Visitors() realtime.Handler { return visitorHandler{s} }

// Agents returns the realtime handler of the agent endpoint.
func (s *Service) Agents() realtime.Handler { return agentHandler{s} }

// errorOf turns an internal error into the wire error the client sees, keeping causes private.
func (s *Service) errorOf(id string, err error) protocol.Event {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		cp := *pe
		return protocol.Event{ID: id, Body: &cp}
	}
	if errors.Is(err, store.ErrNotFound) {
		return protocol.Event{ID: id, Body: protocol.Errorf(protocol.CodeNotFound, "not found")}
	}
	s.log.Error("command failed", "id", id, "err", err)
	return protocol.Event{ID: id, Body: protocol.Errorf(protocol.CodeInternal, "the server could not complete the command; retry it with the same id")}
}

// reply sends an ack or the error for a command.
func (s *Service) reply(c *realtime.Conn, id string, ack *protocol.Ack, err error) {
	if err != nil {
		c.SendEvent(s.errorOf(id, err))
		return
	}
	if ack == nil {
		ack = &protocol.Ack{}
	}
	c.SendEvent(protocol.Event{ID: id, Body: ack})
}
