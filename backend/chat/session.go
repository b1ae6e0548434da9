package chat

import (
	"context"
	"errors"
	"hash/fnv"
	"io"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Conn is what the chat service needs of a client connection: sending (queued, waiting for
// room, or coalesced when transient), closing with a code, and who is at the other end. The
// WebSocket endpoints (package realtime) provide it, and so will the compatibility adapters;
// tests use a fake.
type Conn interface {
	fanout.Conn
	// Send queues a frame without waiting; a connection that cannot take it is cut off.
	Send(frame []byte) bool
	// ID names the connection in logs.
	ID() string
	// IP is the client's address, Origin the browser's Origin header, Host the host it
	// connected to, UserAgent its user agent.
	IP() string
	Origin() string
	Host() string
	UserAgent() string
	// Cookie is a cookie of the handshake (the agent session cookie).
	Cookie(name string) string
}

// Session is the service's side of one connection. It receives the connection's frames in
// order (Frame) and its end (Closed).
type Session struct {
	s       *Service
	c       Conn
	role    protocol.Role
	limit   *rate.Limiter
	abusive int // commands refused in a row for the rate

	mu        sync.Mutex
	connected bool
	connTimer clock.Timer
	subs      map[string]*fanout.Sub
	// visitor connections
	visitor visitorState
	// agent connections
	user store.User
	// headless marks a command run without a connection ([Service.Act]): it follows every
	// chat, the commands' own rules deciding who may do what, and onReply takes its answer.
	headless bool
	onReply  func(*protocol.Ack, error)
}

// visitorState is what a visitor connection learned at connect.
type visitorState struct {
	session   string
	connector store.Connector
	lang      string
	page      string
	referrer  string
	userAgent string
	visitorID string
	survey    surveys
	tenant    store.TenantSettings
	left      int // messages left on this connection, bounded against floods
	// forwarded are the chats this connection follows that another node of the cluster
	// holds, with the chat token the visitor resumed them with (visitorforward.go).
	forwarded map[string]string
}

// surveys are a connector's survey fields in the protocol's form, with every language's
// texts, and the language a visitor reads when the fields have no texts in theirs (the
// tenant's default language).
type surveys struct {
	pre, post []protocol.SurveyField
	fallback  string
	// transcript: the visitor may ask for the transcript by e-mail (the tenant can send).
	transcript bool
}

// OpenVisitor starts the session of a visitor connection.
func (s *Service) OpenVisitor(c Conn) *Session { return s.open(c, protocol.RoleVisitor) }

// OpenAgent starts the session of an agent connection.
func (s *Service) OpenAgent(c Conn) *Session { return s.open(c, protocol.RoleAgent) }

func (s *Service) open(c Conn, role protocol.Role) *Session {
	ss := &Session{s: s, c: c, role: role, subs: map[string]*fanout.Sub{},
		limit: rate.NewLimiter(rate.Limit(s.cfg.CommandRate), s.cfg.CommandBurst)}
	ss.limit.AllowN(s.clk.Now(), 0) // start the bucket on the service's clock
	s.mu.Lock()
	s.sessions[ss] = struct{}{}
	s.mu.Unlock()
	// A connection that never says who it is holds a socket for nothing.
	ss.mu.Lock()
	ss.connTimer = s.clk.AfterFunc(s.cfg.ConnectTimeout, func() {
		ss.mu.Lock()
		connected := ss.connected
		ss.mu.Unlock()
		if !connected {
			c.Close(protocol.CloseBadRequest, "no connect command in time")
		}
	})
	ss.mu.Unlock()
	return ss
}

// Frame handles one frame from the connection: pings at once, the connect command (the first a
// connection must send), every other command once connected. Undecodable frames, commands
// before connecting and commands over the connection's rate get an error with a stable code.
func (ss *Session) Frame(frame []byte) {
	s := ss.s
	cmd, err := protocol.DecodeCommand(frame, ss.role)
	if err != nil {
		ss.reply(idOf(err), nil, err)
		return
	}
	if !ss.limit.AllowN(s.clk.Now(), 1) {
		ss.abusive++
		if ss.abusive > 10*s.cfg.CommandBurst {
			ss.c.Close(protocol.CloseForbidden, "command flood")
			return
		}
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeRateLimited, "too many commands; at most %g a second, please slow down", s.cfg.CommandRate))
		return
	}
	ss.abusive = 0
	ctx, cancel := newCommandCtx(commandTimeout)
	defer cancel()
	switch b := cmd.Body.(type) {
	case *protocol.Ping:
		ss.reply(cmd.ID, nil, nil)
		return
	case *protocol.VisitorConnect:
		ss.visitorConnect(ctx, cmd.ID, b)
		return
	case *protocol.AgentConnect:
		ss.agentConnect(ctx, cmd.ID, b)
		return
	}
	ss.mu.Lock()
	connected := ss.connected
	ss.mu.Unlock()
	if !connected {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeNotConnected, "send %s.connect first", ss.role))
		return
	}
	if ss.role == protocol.RoleVisitor {
		ss.visitorCommand(ctx, cmd)
	} else {
		ss.agentCommand(ctx, cmd)
	}
}

// Closed ends the session: its subscriptions go, and the chats and the agent it leaves start
// their reconnect windows.
func (ss *Session) Closed() {
	s := ss.s
	ss.mu.Lock()
	subs := ss.subs
	ss.subs = map[string]*fanout.Sub{}
	if ss.connTimer != nil {
		ss.connTimer.Stop()
	}
	connected := ss.connected
	ss.mu.Unlock()
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	for _, sub := range subs {
		sub.Close()
	}
	if ss.role == protocol.RoleVisitor {
		ss.leftForwarded()
		for chatID := range subs {
			if ch := s.chatFor(chatID); ch != nil {
				s.visitorLeft(ch)
			}
		}
		return
	}
	if connected {
		s.unwatch(ss)
		s.agentLeft(ss)
	}
}

// subscribe attaches the connection to a chat and gives it the events after `after` first. The
// connection follows the chat from the start, while its history is on the way; a second
// subscription of the same chat replaces the first.
func (ss *Session) subscribe(ctx context.Context, chatID string, aud fanout.Audience, after uint64, w who) (uint64, error) {
	return ss.catchUp(ctx, ss.attach(chatID, aud, after, w))
}

// attach records a subscription of the connection, replacing an earlier one of the chat.
func (ss *Session) attach(chatID string, aud fanout.Audience, after uint64, w who) *fanout.Sub {
	return ss.record(ss.s.hub.Attach(chatID, ss.c, aud, after, w))
}

// record keeps a subscription as the connection's one for its chat.
func (ss *Session) record(sub *fanout.Sub) *fanout.Sub {
	chatID := sub.Chat()
	ss.mu.Lock()
	old := ss.subs[chatID]
	ss.subs[chatID] = sub
	ss.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return sub
}

// catchUp sends an attached subscription its history; on failure the subscription goes.
func (ss *Session) catchUp(ctx context.Context, sub *fanout.Sub) (uint64, error) {
	last, err := sub.CatchUp(ctx)
	if err != nil {
		ss.mu.Lock()
		if ss.subs[sub.Chat()] == sub {
			delete(ss.subs, sub.Chat())
		}
		ss.mu.Unlock()
		sub.Close()
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, protocol.Errorf(protocol.CodeBusy, "the chat's history could not be sent in time; resume again")
		}
		return 0, err
	}
	return last, nil
}

// sub returns the connection's subscription of a chat.
func (ss *Session) sub(chatID string) *fanout.Sub {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.subs[chatID]
}

// follows reports whether the connection follows a chat.
func (ss *Session) follows(chatID string) bool { return ss.headless || ss.sub(chatID) != nil }

// unsubscribe detaches the connection from a chat.
func (ss *Session) unsubscribe(chatID string) {
	ss.mu.Lock()
	sub := ss.subs[chatID]
	delete(ss.subs, chatID)
	ss.mu.Unlock()
	if sub != nil {
		sub.Close()
	}
}

// who is what a subscription says about its connection, for choosing who gets which event.
type who struct {
	role   protocol.Role
	userID int64
	ss     *Session
}

// tagOf reads a subscription's who.
func tagOf(sub *fanout.Sub) who {
	w, _ := sub.Tag().(who)
	return w
}

// reply sends an ack (ack may be nil) or the error for a command.
func (ss *Session) reply(id string, ack *protocol.Ack, err error) {
	if ss.onReply != nil {
		ss.onReply(ack, err)
		return
	}
	if err != nil {
		ss.send(ss.s.errorOf(id, err))
		return
	}
	if ack == nil {
		ack = &protocol.Ack{}
	}
	ss.send(protocol.Event{ID: id, Body: ack})
}

// send encodes and queues an event.
func (ss *Session) send(e protocol.Event) {
	frame, err := protocol.EncodeEvent(e)
	if err != nil {
		ss.s.log.Error("encode event", "type", e.Body.EventType(), "err", err)
		return
	}
	ss.c.Send(frame)
}

// idOf returns the command id a decoding error carries.
func idOf(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.ID
	}
	return ""
}

// bodyHash identifies a command's body, so that an id used again with another body is told
// apart from a retry.
func bodyHash(b protocol.CommandBody) uint64 {
	h := fnv.New64a()
	if m, ok := b.(*protocol.Send); ok {
		// Every line is one: hashed from its fields, not from a frame encoded for the purpose
		// (2 % of the server's CPU at the message rate's ceiling). The hashes live only in
		// memory, so they need not match another build's.
		_, _ = io.WriteString(h, string(protocol.TypeSend))
		_, _ = h.Write([]byte{0, flag(m.HideLocal), flag(m.Internal)})
		_, _ = io.WriteString(h, m.Text)
		return h.Sum64()
	}
	frame, err := protocol.EncodeCommand(protocol.Command{ID: "-", Body: b})
	if err != nil {
		return 0
	}
	_, _ = h.Write(frame)
	return h.Sum64()
}

// flag is a boolean as a byte of a hash's input.
func flag(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// waitRoom pauses a client's command while the store's commit queue is full, before any lock
// is taken; a queue that stays full is answered with busy, which the client retries.
func (s *Service) waitRoom(ctx context.Context) error {
	if s.st.HasRoom() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.st.WaitRoom(ctx); err != nil {
		return protocol.Errorf(protocol.CodeBusy, "the server is catching up on writes; retry the command with the same id in a moment")
	}
	return nil
}

func notInChat(chatID string) error {
	return protocol.Errorf(protocol.CodeForbidden, "this connection is not in chat %q: resume it first", chatID)
}

var errChatEnded = protocol.Errorf(protocol.CodeConflict, "the chat has ended")
