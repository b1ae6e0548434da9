package chat

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/backend/chat/routing"
	"github.com/parleychat/parley/backend/settings"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/protocol"
)

// Store is what the chat service needs from persistence.
type Store interface {
	fanout.History
	Tenants(ctx context.Context) ([]store.Tenant, error)
	Tenant(ctx context.Context, id int64) (store.Tenant, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
	Groups(ctx context.Context, tenantID int64) ([]store.ACDGroup, error)
	Group(ctx context.Context, id int64) (store.ACDGroup, error)
	Statuses(ctx context.Context, tenantID int64) ([]store.AgentStatus, error)
	User(ctx context.Context, id int64) (store.User, error)
	Users(ctx context.Context, tenantID int64) ([]store.User, error)
	AgentsOfGroup(ctx context.Context, groupID int64) ([]store.User, error)
	SetUserStatus(ctx context.Context, userID, statusID int64) error
	SessionUser(ctx context.Context, rawToken string) (store.User, error)
	Chat(ctx context.Context, id string) (store.Chat, error)
	ChatsOpen(ctx context.Context, tenantID int64) ([]store.Chat, error)
	Participants(ctx context.Context, chatID string) ([]store.Participant, error)
	MessageByClientID(ctx context.Context, chatID, role string, userID int64, clientID string) (store.Message, error)
	Messages(ctx context.Context, chatID string, limit int) ([]store.Message, error)
	Enqueue(w store.Write, done func(error))
	EnqueueAll(done func(error), ws ...store.Write)
	EnqueueFenced(term int64, done func(error), ws ...store.Write)
	CheckTerm(ctx context.Context, term int64) error
	WaitRoom(ctx context.Context) error
	HasRoom() bool
	FileInfo(ctx context.Context, id string) (store.File, error)
	SurveyFields(ctx context.Context, connectorID int64, kind string) ([]store.SurveyField, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	IPBlocked(ctx context.Context, tenantID int64, ip string) (bool, error)
	Classifier
}

// Settings is what the chat service reads of a tenant's configuration on every connect: held
// in memory and kept fresh by the change bus (package settings).
type Settings interface {
	ConnectorByHash(ctx context.Context, hash string) (store.Connector, error)
	Survey(ctx context.Context, connectorID int64) (settings.Survey, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	Tenant(ctx context.Context, id int64) (store.Tenant, error)
	IPBlocked(ctx context.Context, tenantID int64, ip string) (bool, error)
	Texts(conn store.Connector, lang string) map[string]string
}

// Bus is where committed changes arrive: settings changes (routing, open visitor pages and
// agent apps follow them) and chat events (fan-out delivers them).
type Bus interface {
	SubscribeSettings(f func(changes.Setting)) (cancel func())
	SubscribeChats(f func(changes.ChatEvent)) (cancel func())
}

// Config holds the chat service's rules of time and rate.
type Config struct {
	// ReconnectWindow is how long a visitor may be away before their chat is closed, when the
	// connector sets none (MiCC CustomerDisconnectTimeoutSeconds, 60 s).
	ReconnectWindow time.Duration
	// AgentWarning is how long before that close the agent is warned (MiCC
	// AgentWarningCustomerDisconnectTimeoutSeconds, 20 s).
	AgentWarning time.Duration
	// AgentReconnectWindow is how long an agent may be away before their offers are revoked
	// and their chats go back to the queue (60 s). After a restart every agent who had chats
	// gets this long to come back.
	AgentReconnectWindow time.Duration
	// ConnectTimeout is how long a new connection may take to send its connect command (10 s).
	ConnectTimeout time.Duration
	// CommandRate and CommandBurst bound a connection's commands: CommandRate per second on
	// average, CommandBurst at once (20 and 60). More are answered with rate_limited.
	CommandRate  float64
	CommandBurst int
	// Presence bounds the visitors online that loaders report (proactive chats).
	Presence PresenceLimits
	// Push delivers the Web Push notices of offers and visitor messages to agents whose app
	// is closed, which the service writes with its events; nil writes and sends none.
	Push Pusher
	// AgentLineCheck, when set, checks an agent's line to the visitor (a message or a file,
	// not an internal note) before it is written; an error, a *protocol.Error, refuses it.
	// Channels with rules of their own use it (WhatsApp's 24-hour rule, package tyntec).
	AgentLineCheck func(ctx context.Context, chatID, text string, file bool) error
	// Translator translates the lines of chats whose visitor and agent speak different
	// languages, through the tenant's service (translation.go); nil translates nothing.
	Translator Translator
	// TranslateWait bounds how long a line waits for its translation before it is written
	// untranslated (translate.DefaultTimeout).
	TranslateWait time.Duration
	// Restore, when set, chooses the open chats the start restores. A node joining a cluster
	// whose other nodes run leaves them the chats they hold: a second holder would route them
	// again (an offer to a second agent) and start their reconnect windows (closing chats
	// whose visitors are connected elsewhere). Nil restores every open chat.
	Restore func(store.Chat) bool
	// Claim, when set, takes over an open chat this node does not hold, for a visitor or an
	// agent of it who reconnects here: it answers nil when the chat is now this node's (its
	// holder died), and an error when another live node holds it or the claim could not be
	// decided. Nil (a single node) never takes a chat over: all open chats were restored.
	Claim func(ctx context.Context, chatID string) error
	// Forward, when set, carries an agent's command for a chat another live node holds to
	// that node, which runs it ([Service.Act]) and answers with the ack or the error after its
	// commit. Nil: every chat is this node's.
	Forward func(ctx context.Context, user store.User, cmd protocol.Command) (*protocol.Ack, error)
	// Routing, when set, makes the routing the service talks to, given the executor of its
	// decisions: in a cluster, a link to the one engine the leader runs (clusterrouting.go).
	// Nil runs the engine in this process ([routing.Router]). The executor gets the leader's
	// term with its decisions: the writes that carry out an assignment, a requeue or a close
	// are fenced on it ([store.Store.EnqueueFenced]), so a deposed leader's decision changes
	// nothing even on a node that has not heard of the new leader yet.
	Routing func(execute func(term int64, ds []acd.Decision)) Routing
	// ForwardVisitor, when set, carries a visitor's command for a chat another live node
	// holds to that node, which runs it ([Service.ActVisitor]); it answers ErrNoHolder when
	// no node does. Nil: every chat is this node's.
	ForwardVisitor func(ctx context.Context, f VisitorForward) (*protocol.Ack, error)
	// FollowedElsewhere, when set, asks the other live nodes which of their visitor
	// connections follow a chat this node has just taken over, or restores at its start beside
	// them ([Service.FollowersOf]): the node counts those visitors present instead of
	// starting their reconnect windows, which would close the chat under a visitor who reads
	// without writing. Nil: none.
	FollowedElsewhere func(ctx context.Context, chatID string) []VisitorForward
	// PublishTransient, when set, hands a transient event of a chat (its encoded frame, and
	// whom it is for) to the other nodes, which deliver it to their followers of the chat
	// ([Service.DeliverTransient]). It must not block. Nil: every follower is here.
	PublishTransient func(chatID, key string, to TransientTo, frame []byte)
	// PublishAgent, when set, hands a notice for one agent's connections (an invitation, its
	// end, a takeover) to the other nodes, which deliver it ([Service.DeliverAgent]). It must
	// not block. Nil: every agent is here.
	PublishAgent func(n AgentNotice)
	// Clock is the service's time; nil is the wall clock.
	Clock  clock.Clock
	Logger *slog.Logger
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
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.CommandRate <= 0 {
		c.CommandRate = 20
	}
	if c.CommandBurst <= 0 {
		c.CommandBurst = 60
	}
	if c.TranslateWait <= 0 {
		c.TranslateWait = translate.DefaultTimeout
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// commandTimeout bounds the store work of one command.
const commandTimeout = 10 * time.Second

// Service is the chat service. Create it with [New], open sessions for connections with
// [Service.OpenVisitor] and [Service.OpenAgent], and stop it with [Service.Close].
type Service struct {
	st  Store
	set Settings
	cfg Config
	log *slog.Logger
	clk clock.Clock

	hub    *fanout.Hub
	router Routing
	remote remoteOffers // offers of chats other nodes hold (clusterrouting.go)
	// staleDecisions counts deposed routing leaders' decisions refused (decisions.go).
	staleDecisions atomic.Uint64
	unsub          []func()

	// leftNotifier and publicURL e-mail the notices of left messages (leftnotice.go).
	leftNotifier LeftNotifier
	publicURL    func(host string) string

	mu sync.Mutex
	// adoptMu lets one takeover of a chat at a time happen (adopt), so that a visitor and an
	// agent reconnecting at once restore it once.
	adoptMu sync.Mutex
	// userMu orders an agent's status writes (setStatus) with reloads of agents' user rows
	// (userChanged): a reload that read the row before a status was written must not install
	// the older status after it. Taken before mu, never inside it.
	userMu   sync.Mutex
	chats    map[string]*liveChat
	agents   map[int64]*liveAgent
	sessions map[*Session]struct{}
	requests map[string]requestRecord // chat.request answers, by visitor and command id
	direct   directBook               // direct.start answers (direct.go)
	closed   bool

	sup      supervision // the supervisors' live lists
	pro      *proactive  // visitors online and proactive chats (proactive.go)
	messages atomic.Uint64
	mailer   transcriptMailer // transcript e-mails (transcriptmail.go)
	stop     chan struct{}
	ctx      context.Context // ends when the service closes
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	// bg guards starting the background work Close waits for (retranslation.go).
	bg struct {
		sync.Mutex
		closed bool
	}
}

// requestRecord remembers the answer to a chat request for a retry after a reconnect.
type requestRecord struct {
	ack     protocol.Ack
	hash    uint64
	expires time.Time
}

// New builds the service and rebuilds the routing state from the store: connectors, groups and
// every open chat, which keep their place in the queue and their timers. Agents who had chats
// get the reconnect window to come back.
func New(ctx context.Context, st Store, set Settings, bus Bus, cfg Config) (*Service, error) {
	cfg.defaults()
	s := &Service{
		st: st, set: set, cfg: cfg, log: cfg.Logger, clk: cfg.Clock,
		chats:    make(map[string]*liveChat),
		agents:   make(map[int64]*liveAgent),
		sessions: make(map[*Session]struct{}),
		requests: make(map[string]requestRecord),
		stop:     make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hub = fanout.New(st, s.log)
	if cfg.Routing != nil {
		s.router = cfg.Routing(s.execute)
	} else {
		s.router = routing.New(s.clk, func(ds []acd.Decision) { s.execute(0, ds) }, s.log)
	}
	s.unsub = append(s.unsub, bus.SubscribeChats(s.committed))
	if err := s.restore(ctx); err != nil {
		s.cancel()
		s.unsub[0]()
		s.router.Close()
		s.hub.Close()
		return nil, err
	}
	s.unsub = append(s.unsub, bus.SubscribeSettings(s.settingChanged))
	s.startProactive(bus, cfg.Presence)
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.sweep() }()
	return s, nil
}

// Close stops the routing goroutine, the timers and fan-out. Connections should have been
// closed before (the server closes them with a reconnect code first); the store is flushed by
// its own Close.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	chats := s.allChats()
	for _, a := range s.agents {
		if a.goneTimer != nil {
			a.goneTimer.Stop()
		}
	}
	s.mu.Unlock()
	for _, ch := range chats {
		ch.mu.Lock()
		ch.stopTimers()
		ch.mu.Unlock()
	}
	for _, f := range s.unsub {
		f()
	}
	close(s.stop)
	s.cancel()
	s.bg.Lock()
	s.bg.closed = true
	s.bg.Unlock()
	s.wg.Wait()
	s.router.Close()
	s.hub.Close()
}

// allChats lists the live chats. Caller holds s.mu.
func (s *Service) allChats() []*liveChat {
	out := make([]*liveChat, 0, len(s.chats))
	for _, ch := range s.chats {
		out = append(out, ch)
	}
	return out
}

// ErrHeldElsewhere is Config.Claim's answer for a chat that another live node holds.
var ErrHeldElsewhere = protocol.Errorf(protocol.CodeBusy, "the chat is held by another node of the cluster")

// Holds reports whether this node holds a chat (its rule state lives here), for a command
// another node forwards.
func (s *Service) Holds(chatID string) bool { return s.chatFor(chatID) != nil }

// HeldChats lists the ids of the chats this service holds (their rule state lives here): in
// a cluster, a node starting beside this one leaves them alone.
func (s *Service) HeldChats() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.chats))
	for id := range s.chats {
		ids = append(ids, id)
	}
	return ids
}

// chatList lists the live chats.
func (s *Service) chatList() []*liveChat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allChats()
}

// committed receives every committed chat event from the bus, in commit order.
func (s *Service) committed(ev changes.ChatEvent) {
	if ev.Type == string(protocol.TypeMessage) && !ev.Remote {
		s.messages.Add(1)
	}
	if ch := s.chatFor(ev.ChatID); ch != nil {
		for cur := ch.seq.Load(); ev.Seq > cur && !ch.seq.CompareAndSwap(cur, ev.Seq); cur = ch.seq.Load() {
		}
	}
	s.hub.Publish(ev)
	s.touched(ev.ChatID, ev.At)
}

// sweep forgets expired chat-request answers.
func (s *Service) sweep() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			now := s.clk.Now()
			s.mu.Lock()
			for k, r := range s.requests {
				if now.After(r.expires) {
					delete(s.requests, k)
				}
			}
			s.direct.sweep(now)
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
		loc := routing.Location(t.TimeZone)
		groups, err := s.st.Groups(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, g := range groups {
			s.router.Submit(routing.GroupConfig(g))
		}
		conns, err := s.st.Connectors(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, c := range conns {
			s.router.Submit(routing.ConnectorConfig(c, loc))
		}
		open, err := s.st.ChatsOpen(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, c := range open {
			if s.cfg.Restore == nil || s.cfg.Restore(c) {
				restored = append(restored, c)
			}
		}
	}
	routing.SortRestored(restored)
	absent := map[int64]bool{}
	for _, rec := range restored {
		var followers []VisitorForward
		if s.cfg.Restore != nil && s.cfg.FollowedElsewhere != nil {
			// Beside running nodes, a restored chat is a dead node's, which they may follow
			// for its visitor.
			followers = s.cfg.FollowedElsewhere(ctx, rec.ID)
		}
		if err := s.restoreChat(ctx, rec, absent, followers); err != nil {
			return err
		}
	}
	s.restoreAbsent(absent)
	return nil
}

// restoreParticipants loads the agents still in a restored chat.
func (s *Service) restoreParticipants(ctx context.Context, ch *liveChat) error {
	ps, err := s.st.Participants(ctx, ch.id)
	if err != nil {
		return err
	}
	for i := range ps {
		p := ps[i]
		if p.LeftAt != nil || p.Role == store.ParticipantVisitor {
			if p.Role == store.ParticipantVisitor && p.LeftAt == nil {
				ch.visitorRow = &p
			}
			continue
		}
		m := &member{userID: p.UserID, name: p.Name, part: protocol.Part(p.Role), row: &p}
		if u, err := s.st.User(ctx, p.UserID); err == nil {
			m.lang = u.Lang // the language lines are translated from and into
		}
		ch.agents[p.UserID] = m
	}
	// Chats from before participants were recorded: the owner is the chat's agent.
	if uid := ch.rec.AgentID; uid != 0 && ch.rec.State == string(protocol.StateActive) && ch.agents[uid] == nil {
		name, lang := "", ""
		if u, err := s.st.User(ctx, uid); err == nil {
			name, lang = DisplayName(u), u.Lang
		}
		ch.agents[uid] = &member{userID: uid, name: name, lang: lang, part: protocol.PartOwner}
	}
	return nil
}

// ConnectorOpen reports whether a connector takes chats now: in service and, by the routing
// engine's schedule, within its opening hours.
func (s *Service) ConnectorOpen(c store.Connector) bool {
	return !c.OutOfService && s.router.QueueInfo(acd.ConnectorID(c.ID)).Open
}

// Snapshot is the routing state for supervisors: agents with their load, waiting chats with
// their wait, taken in one go on the routing goroutine.
func (s *Service) Snapshot() acd.Snapshot { return s.router.Snapshot() }

// Explain returns the routing decision log of a chat: which agents were considered and why
// each was passed over.
func (s *Service) Explain(chatID string) []acd.LogEntry { return s.router.Explain(acd.ChatID(chatID)) }

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
	chats := s.allChats()
	st := Stats{Messages: s.messages.Load()}
	for _, a := range s.agents {
		if len(a.conns) > 0 {
			st.AgentsConnected++
		}
	}
	s.mu.Unlock()
	for _, ch := range chats {
		ch.mu.Lock()
		if ch.isDirect() { // between agents: not the contact center's load
			ch.mu.Unlock()
			continue
		}
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

// chatFor returns the live chat with that id.
func (s *Service) chatFor(id string) *liveChat {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chats[id]
}

// errorOf turns an internal error into the wire error the client sees, keeping causes private.
func (s *Service) errorOf(id string, err error) protocol.Event {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		cp := *pe
		return protocol.Event{ID: id, Body: &cp}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return protocol.Event{ID: id, Body: protocol.Errorf(protocol.CodeNotFound, "not found")}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, store.ErrClosed):
		return protocol.Event{ID: id, Body: protocol.Errorf(protocol.CodeBusy, "the server is busy; retry the command with the same id in a moment")}
	}
	s.log.Error("command failed", "id", id, "err", err)
	return protocol.Event{ID: id, Body: protocol.Errorf(protocol.CodeInternal, "the server could not complete the command; retry it with the same id")}
}

// stamp is the time of an event as it is stored: UTC, to the microsecond both databases keep,
// so that a live frame and its replay are identical.
func (s *Service) stamp() time.Time { return s.clk.Now().UTC().Truncate(time.Microsecond) }

// chatConnector is the connector a chat came through, read from the store; an agents' chat
// (direct.go) has none, and gets an empty one of its tenant.
func (s *Service) chatConnector(ctx context.Context, rec store.Chat) (store.Connector, error) {
	if rec.Kind == store.ChatDirect {
		return store.Connector{TenantID: rec.TenantID}, nil
	}
	return s.st.Connector(ctx, rec.ConnectorID)
}

// restoreChat loads one open chat from the database into the service and the engine; an
// agent who owns it is added to absent. followers are the visitor's connections other nodes
// follow the chat for (a takeover's): with one, the visitor is present.
func (s *Service) restoreChat(ctx context.Context, rec store.Chat, absent map[int64]bool, followers []VisitorForward) error {
	conn, err := s.chatConnector(ctx, rec)
	if err != nil {
		return err
	}
	ch := newLiveChat(rec, conn)
	ch.restored = true
	if err := s.restoreParticipants(ctx, ch); err != nil {
		return err
	}
	s.mu.Lock()
	s.chats[rec.ID] = ch
	s.mu.Unlock()
	if ch.isDirect() {
		s.restoreDirect(ch)
		return nil
	}
	ev := routing.Restored(rec)
	if ev.Agent != 0 {
		absent[rec.AgentID] = true
	}
	s.router.Submit(ev)
	s.countParts(ch)
	if s.followedElsewhere(ch, followers) {
		return nil
	}
	// Nobody is connected right after a start (or a takeover): the visitor has the
	// reconnect window.
	s.visitorAway(ch)
	return nil
}

// restoreAbsent gives each owner of a restored chat who is not connected to this node the
// reconnect window to come back, as after a lost connection, before the chats go to others.
func (s *Service) restoreAbsent(absent map[int64]bool) {
	for uid := range absent {
		a := &liveAgent{conns: map[*Session]struct{}{}, offers: map[string]protocol.Offer{}, invites: map[string]protocol.Invitation{}}
		s.mu.Lock()
		_, here := s.agents[uid]
		if !here {
			s.agents[uid] = a
			s.startAgentGone(uid, a)
		}
		s.mu.Unlock()
		if !here { // an agent connected to this node is known to the engine already
			s.router.Submit(acd.AgentDisconnected{Agent: acd.AgentID(uid)})
		}
	}
}

// adopt takes over an open chat this node does not hold, after Config.Claim made it this
// node's: a visitor or agent of a chat whose node died reconnected here. The chat is restored
// from the database as at a start, and returned; a chat adopted meanwhile is returned as is.
func (s *Service) adopt(ctx context.Context, rec store.Chat) (*liveChat, error) {
	s.adoptMu.Lock()
	defer s.adoptMu.Unlock()
	if ch := s.chatFor(rec.ID); ch != nil {
		return ch, nil
	}
	if err := s.cfg.Claim(ctx, rec.ID); err != nil {
		return nil, err
	}
	rec, err := s.st.Chat(ctx, rec.ID) // read after the claim: the last holder wrote no more
	if err != nil {
		return nil, err
	}
	if rec.State == string(protocol.StateClosed) {
		return nil, nil
	}
	var followers []VisitorForward
	if s.cfg.FollowedElsewhere != nil {
		followers = s.cfg.FollowedElsewhere(ctx, rec.ID)
	}
	absent := map[int64]bool{}
	if err := s.restoreChat(ctx, rec, absent, followers); err != nil {
		return nil, err
	}
	s.restoreAbsent(absent)
	s.log.Info("cluster: took over a chat whose node is gone", "chat", rec.ID)
	return s.chatFor(rec.ID), nil
}
