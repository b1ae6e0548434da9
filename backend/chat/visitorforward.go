package chat

import (
	"context"
	"errors"

	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/protocol"
)

// A visitor may reconnect to any node of a cluster. When another live node holds their chat,
// this node serves them all the same: the connection follows the chat's committed events,
// which the cluster's fan-out brings to every node, and its commands that act on the chat go
// to the holder (Config.ForwardVisitor), which runs them as if the visitor were connected
// there ([Service.ActVisitor]) and answers after its commit. A retry carries the same command
// id, which the holder's answers remember (post), so it writes the line once. The holder
// counts the visitor as present while a node forwards for them (liveChat.remoteVisitors), and
// starts the reconnect window when that node says the connection is gone, or when that node
// is found dead ([Service.FollowerGone]).

// VisitorForward is a visitor's command for a chat another node holds, as the forwarding node
// hands it over: who the visitor is (their connection's key, unique in the cluster, and the
// chat token they resumed with), what their connection said at connect, and the command. Back
// (a protocol.Resume) and Left say the connection came and went.
type VisitorForward struct {
	Key string
	// Node is the node that forwards: its death ends the visitor's connection there.
	Node      string
	Token     string
	Connector int64
	Lang      string
	Page      string
	Referrer  string
	VisitorID string
	UserAgent string
	Left      bool
	Cmd       protocol.Command
}

// ErrNoHolder is Config.ForwardVisitor's answer when no node answered for the chat: its holder
// died, or dropped it (closed). The forwarding node then takes the chat over, or answers from
// the database.
var ErrNoHolder = protocol.Errorf(protocol.CodeBusy, "no node of the cluster answered for the chat; retry the command with the same id")

// forwardedCommand says which visitor commands act on a chat and go to its holder; the
// others (queue and operator questions, leaving a message) are answered where the visitor
// is connected.
func forwardedCommand(b protocol.CommandBody) bool {
	switch b.(type) {
	case *protocol.Send, *protocol.FileSend, *protocol.Typing, *protocol.Preview, *protocol.PreviewConsent,
		*protocol.DetailsSubmit, *protocol.Close, *protocol.SurveySubmit, *protocol.FieldSubmit, *protocol.TranscriptRequest:
		return true
	}
	return false
}

// forwardOf is a command of this visitor connection as it is forwarded. Caller holds ss.mu.
func (ss *Session) forwardOf(cmd protocol.Command, chatToken string) VisitorForward {
	v := &ss.visitor
	return VisitorForward{Key: v.session, Token: chatToken, Connector: v.connector.ID, Lang: v.lang, Page: v.page,
		Referrer: v.referrer, VisitorID: v.visitorID, UserAgent: v.userAgent, Cmd: cmd}
}

// resumeForwarded resumes a visitor on a chat another live node holds: the connection follows
// it here, and the holder hears that the visitor is back.
func (ss *Session) resumeForwarded(ctx context.Context, cmd protocol.Command, b *protocol.Resume) {
	s := ss.s
	last, err := ss.subscribe(ctx, cmd.Chat, fanout.Visitor, b.After, who{role: protocol.RoleVisitor, ss: ss})
	if err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	ss.mu.Lock()
	if ss.visitor.forwarded == nil {
		ss.visitor.forwarded = map[string]string{}
	}
	ss.visitor.forwarded[cmd.Chat] = b.Token
	f := ss.forwardOf(cmd, b.Token)
	ss.mu.Unlock()
	if _, err = s.cfg.ForwardVisitor(ctx, f); errors.Is(err, ErrNoHolder) {
		err = ss.takeOverForwarded(ctx, cmd.Chat)
	}
	if err != nil {
		ss.mu.Lock()
		delete(ss.visitor.forwarded, cmd.Chat)
		ss.mu.Unlock()
		ss.unsubscribe(cmd.Chat)
		ss.reply(cmd.ID, nil, err)
		return
	}
	ss.reply(cmd.ID, &protocol.Ack{Chat: cmd.Chat, Seq: last}, nil)
}

// forwardVisitor sends a visitor's command for a chat that another node holds, and that this
// connection follows, to that node, and answers it with that node's answer. It reports whether
// it did: commands for chats held here, and those that do not act on a chat, run here. When
// no node answers for the chat, this node takes it over and runs the command itself.
func (ss *Session) forwardVisitor(ctx context.Context, cmd protocol.Command) bool {
	s := ss.s
	if s.cfg.ForwardVisitor == nil || cmd.Chat == "" || ss.headless || !forwardedCommand(cmd.Body) || s.chatFor(cmd.Chat) != nil {
		return false
	}
	ss.mu.Lock()
	chatToken, ok := ss.visitor.forwarded[cmd.Chat]
	f := ss.forwardOf(cmd, chatToken)
	ss.mu.Unlock()
	if !ok || ss.sub(cmd.Chat) == nil {
		return false
	}
	ack, err := s.cfg.ForwardVisitor(ctx, f)
	if errors.Is(err, ErrNoHolder) {
		if err = ss.takeOverForwarded(ctx, cmd.Chat); err == nil {
			return false // held here now, or ended: the command's own rules answer it
		}
	}
	ss.reply(cmd.ID, ack, err)
	return true
}

// takeOverForwarded takes over a chat this connection followed through another node, once no
// node answers for it: its holder died. A chat that ended meanwhile is left to the store.
func (ss *Session) takeOverForwarded(ctx context.Context, chatID string) error {
	s := ss.s
	rec, err := s.st.Chat(ctx, chatID)
	if err != nil {
		return err
	}
	if rec.State == string(protocol.StateClosed) {
		return nil
	}
	ch, err := s.adopt(ctx, rec)
	if err != nil {
		return err
	}
	ss.mu.Lock()
	delete(ss.visitor.forwarded, chatID)
	page, referrer := ss.visitor.page, ss.visitor.referrer
	ss.mu.Unlock()
	if ch != nil {
		s.visitorBack(ch, page, referrer)
	}
	return nil
}

// leftForwarded tells the holders of the chats this closing connection followed through them
// that the visitor is gone, so that their reconnect windows start.
func (ss *Session) leftForwarded() {
	s := ss.s
	ss.mu.Lock()
	var gone []VisitorForward
	for chatID, chatToken := range ss.visitor.forwarded {
		f := ss.forwardOf(protocol.Command{Chat: chatID}, chatToken)
		f.Left = true
		gone = append(gone, f)
	}
	ss.visitor.forwarded = nil
	ss.mu.Unlock()
	for _, f := range gone {
		if s.chatFor(f.Cmd.Chat) != nil {
			continue // taken over here meanwhile: its own subscriptions tell
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			defer cancel()
			if _, err := s.cfg.ForwardVisitor(ctx, f); err != nil && !errors.Is(err, ErrNoHolder) {
				s.log.Warn("cluster: the chat's holder did not hear that its visitor left", "chat", f.Cmd.Chat, "err", err)
			}
		}()
	}
}

// ActVisitor runs a visitor's command that another node forwards for a chat this node holds
// (see VisitorForward), through the same rules as a connected visitor's, and answers once its
// writes are committed; a retry with the same command id gets the first answer. ErrNoHolder
// says the chat is not held here.
func (s *Service) ActVisitor(ctx context.Context, f VisitorForward) (*protocol.Ack, error) {
	ch := s.chatFor(f.Cmd.Chat)
	if ch == nil {
		if rec, err := s.st.Chat(ctx, f.Cmd.Chat); err == nil && rec.State == string(protocol.StateClosed) {
			return nil, errChatEnded
		}
		return nil, ErrNoHolder
	}
	ch.mu.Lock()
	rec, conn := ch.rec, ch.connector
	ch.mu.Unlock()
	if !token.Matches(f.Token, rec.VisitorTokenHash) || rec.ConnectorID != f.Connector {
		return nil, protocol.Errorf(protocol.CodeUnauthorized, "the chat token does not match")
	}
	if f.Left {
		ch.mu.Lock()
		delete(ch.remoteVisitors, f.Key)
		ch.mu.Unlock()
		s.visitorLeft(ch)
		return &protocol.Ack{}, nil
	}
	_, back := f.Cmd.Body.(*protocol.Resume)
	if !back && !forwardedCommand(f.Cmd.Body) {
		return nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not forwarded", f.Cmd.Body.CommandType())
	}
	// Every forwarded command says the visitor is there: a chat this node took over from a
	// dead holder learns so of a visitor another node follows it for.
	ch.mu.Lock()
	if ch.remoteVisitors == nil {
		ch.remoteVisitors = map[string]string{}
	}
	_, known := ch.remoteVisitors[f.Key]
	ch.remoteVisitors[f.Key] = f.Node
	ch.mu.Unlock()
	if back || !known {
		s.visitorBack(ch, f.Page, f.Referrer)
	}
	if back {
		return &protocol.Ack{Chat: ch.id}, nil
	}
	sv, tenant, err := s.connectorSettings(ctx, conn)
	if err != nil {
		return nil, err
	}
	ss := &Session{s: s, c: headlessConn{}, role: protocol.RoleVisitor, connected: true, headless: true,
		visitor: visitorState{session: f.Key, connector: conn, lang: f.Lang, page: f.Page, referrer: f.Referrer,
			visitorID: f.VisitorID, userAgent: f.UserAgent, survey: sv, tenant: tenant}}
	return s.runHeadless(ctx, ss, f.Cmd, ss.visitorCommand)
}

// followedElsewhere counts the visitor of a chat just taken over present through the
// connections other nodes follow it for (Config.FollowedElsewhere) whose chat token matches,
// as if each had forwarded a command; it reports whether there was one.
func (s *Service) followedElsewhere(ch *liveChat, followers []VisitorForward) bool {
	ch.mu.Lock()
	rec := ch.rec
	n := 0
	for _, f := range followers {
		if f.Key == "" || f.Node == "" || !token.Matches(f.Token, rec.VisitorTokenHash) || rec.ConnectorID != f.Connector {
			continue
		}
		if ch.remoteVisitors == nil {
			ch.remoteVisitors = map[string]string{}
		}
		ch.remoteVisitors[f.Key] = f.Node
		n++
	}
	ch.mu.Unlock()
	if n == 0 {
		return false
	}
	s.log.Info("cluster: the visitor of a chat taken over is followed on another node", "chat", ch.id, "connections", n)
	s.visitorBack(ch, "", "")
	return true
}

// FollowersOf lists the visitor connections of this node that follow a chat another node
// holds (forwarding their commands to it), as they are forwarded: a node that takes the chat
// over from a dead holder asks for them (Config.FollowedElsewhere). Key is the connection's
// key on this node.
func (s *Service) FollowersOf(chatID string) []VisitorForward {
	var out []VisitorForward
	for _, sub := range s.hub.Subs(chatID) {
		w := tagOf(sub)
		if w.role != protocol.RoleVisitor || w.ss == nil {
			continue
		}
		w.ss.mu.Lock()
		if chatToken, ok := w.ss.visitor.forwarded[chatID]; ok {
			out = append(out, w.ss.forwardOf(protocol.Command{Chat: chatID}, chatToken))
		}
		w.ss.mu.Unlock()
	}
	return out
}

// Followers lists the nodes that follow chats held here for their visitors (forwarding their
// commands): the server watches them for death ([Service.FollowerGone]).
func (s *Service) Followers() []string {
	seen := map[string]bool{}
	var out []string
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		for _, node := range ch.remoteVisitors {
			if !seen[node] {
				seen[node] = true
				out = append(out, node)
			}
		}
		ch.mu.Unlock()
	}
	return out
}

// FollowerGone counts the visitor connections a dead node followed chats held here through as
// gone, as that node would have said had it lived: a chat whose visitor is then connected
// nowhere gets the reconnect window, and the visitor resuming on any node within it goes on.
func (s *Service) FollowerGone(node string) {
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		dropped := false
		for key, by := range ch.remoteVisitors {
			if by == node {
				delete(ch.remoteVisitors, key)
				dropped = true
			}
		}
		ch.mu.Unlock()
		if dropped {
			s.log.Info("cluster: the node a visitor was followed on is gone", "chat", ch.id, "node", node)
			s.visitorLeft(ch)
		}
	}
}

// runHeadless runs a command on a session without a connection and waits for its answer.
func (s *Service) runHeadless(ctx context.Context, ss *Session, cmd protocol.Command, run func(context.Context, protocol.Command)) (*protocol.Ack, error) {
	type answer struct {
		ack *protocol.Ack
		err error
	}
	done := make(chan answer, 1)
	ss.onReply = func(ack *protocol.Ack, err error) {
		select {
		case done <- answer{ack, err}:
		default:
		}
	}
	run(ctx, cmd)
	select {
	case a := <-done:
		if a.err != nil {
			return nil, s.errorOf(cmd.ID, a.err).Body.(*protocol.Error)
		}
		return a.ack, nil
	case <-ctx.Done():
		return nil, protocol.Errorf(protocol.CodeBusy, "the command was not answered in time; retry it with the same id")
	}
}
