package chat

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/origin"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/shared/texts"
)

// commandTimeout bounds the store work of one command.
const commandTimeout = 10 * time.Second

// visitorHandler runs visitor connections.
type visitorHandler struct{ s *Service }

// Open implements [realtime.Handler].
func (h visitorHandler) Open(c *realtime.Conn) {
	c.SetState(&connState{subs: make(map[string]*subscription)})
}

// Closed implements [realtime.Handler]: every chat the visitor followed starts its reconnect
// window.
func (h visitorHandler) Closed(c *realtime.Conn) {
	for chatID, sub := range connOf(c).allSubs() {
		ch := h.s.chatFor(chatID)
		if ch == nil {
			continue
		}
		ch.unsubscribe(sub)
		ch.mu.Lock()
		closed := ch.rec.State == string(protocol.StateClosed)
		ch.mu.Unlock()
		if !closed && !ch.visitorOnline() {
			ch.broadcast(&protocol.Presence{Role: protocol.RoleVisitor, Online: false}, toAgents)
			h.s.visitorAway(ch)
		}
	}
}

// Frame implements [realtime.Handler].
func (h visitorHandler) Frame(c *realtime.Conn, frame []byte) {
	h.s.dispatch(c, frame, protocol.RoleVisitor, func(ctx context.Context, cmd protocol.Command) {
		h.s.visitorConnect(ctx, c, cmd.ID, cmd.Body.(*protocol.VisitorConnect))
	}, func(ctx context.Context, cmd protocol.Command) { h.command(ctx, c, cmd) })
}

// command runs a command of a connected visitor.
func (h visitorHandler) command(ctx context.Context, c *realtime.Conn, cmd protocol.Command) {
	s, cs := h.s, connOf(c)
	switch b := cmd.Body.(type) {
	case *protocol.ChatRequest:
		s.chatRequest(ctx, c, cmd.ID, b)
	case *protocol.Resume:
		s.visitorResume(ctx, c, cmd, b)
	case *protocol.Send:
		s.send(c, cmd.ID, cmd.Chat, protocol.RoleVisitor, 0, b)
	case *protocol.Typing:
		s.withVisitorChat(c, cmd, func(ch *liveChat) error {
			ch.mu.Lock()
			name := ch.rec.VisitorName
			s.visitorActive(ch)
			ch.mu.Unlock()
			ch.broadcast(&protocol.TypingEvent{Role: protocol.RoleVisitor, Name: name, On: b.On}, toAgents)
			return nil
		})
	case *protocol.Preview:
		s.withVisitorChat(c, cmd, func(ch *liveChat) error {
			ch.broadcast(&protocol.PreviewEvent{Text: b.Text}, toAgents)
			return nil
		})
	case *protocol.Close:
		if connOf(c).sub(cmd.Chat) == nil {
			s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
			return
		}
		s.closeChat(cmd.Chat, protocol.CauseVisitor, func(err error) { s.reply(c, cmd.ID, nil, err) })
	case *protocol.SurveySubmit:
		fields, err := survey.CheckAll(cs.postChat, b.Fields)
		if err != nil {
			if pe := protocol.SurveyError(err); pe != nil {
				err = pe
			}
			s.reply(c, cmd.ID, nil, err)
			return
		}
		s.fieldsSet(c, cmd, fields, "post")
	case *protocol.FieldSubmit:
		s.fieldSubmit(c, cmd, b)
	case *protocol.QueueInfoGet:
		info := s.router.queueInfo(acd.ConnectorID(cs.connector.ID))
		c.SendEvent(protocol.Event{ID: cmd.ID, Body: &protocol.QueueInfo{Open: info.Open, Waiting: info.Waiting, EstimatedWait: seconds(info.EstimatedWait)}})
	case *protocol.ChatInfoGet:
		s.chatInfo(ctx, c, cmd)
	case *protocol.OperatorsGet:
		s.operators(ctx, c, cmd.ID, cs.connector)
	case *protocol.FileSend:
		s.sendFile(ctx, c, cmd.ID, cmd.Chat, protocol.RoleVisitor, 0, b)
	case *protocol.LeaveMessage:
		s.leaveMessage(ctx, c, cmd.ID, cmd.Chat, b)
	case *protocol.TranscriptRequest:
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not offered by this server yet", cmd.Body.CommandType()))
	default:
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not handled on this endpoint", cmd.Body.CommandType()))
	}
}

// dispatch decodes a frame and answers it: pings at once, the connect command (the first a
// connection must send) through connect, every other command through handle once connected.
// Undecodable frames and commands before connecting get an error with a stable code.
func (s *Service) dispatch(c *realtime.Conn, frame []byte, role protocol.Role, connect, handle func(context.Context, protocol.Command)) {
	cmd, err := protocol.DecodeCommand(frame, role)
	if err != nil {
		c.SendEvent(s.errorOf(idOf(err), err))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	switch cmd.Body.(type) {
	case *protocol.Ping:
		s.reply(c, cmd.ID, nil, nil)
		return
	case *protocol.VisitorConnect, *protocol.AgentConnect:
		connect(ctx, cmd)
		return
	}
	if !connOf(c).connected {
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeNotConnected, "send %s.connect first", role))
		return
	}
	handle(ctx, cmd)
}

// idOf returns the command id a decoding error carries.
func idOf(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.ID
	}
	return ""
}

func notInChat(chatID string) error {
	return protocol.Errorf(protocol.CodeForbidden, "this connection is not in chat %q: resume it first", chatID)
}

// visitorConnect binds the connection to a connector.
func (s *Service) visitorConnect(ctx context.Context, c *realtime.Conn, id string, b *protocol.VisitorConnect) {
	cs := connOf(c)
	if cs.connected {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeConflict, "already connected"))
		return
	}
	conn, err := s.st.ConnectorByHash(ctx, b.Connector)
	if errors.Is(err, store.ErrNotFound) {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeNotFound, "no connector has the hash %q; check the widget's data-connector", b.Connector))
		c.Close(protocol.CloseUnknownConnector, "unknown connector")
		return
	}
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	if origin, ok := allowedOrigin(conn.AllowedOrigins, c.Origin(), c.Host(), b.Page); !ok {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeForbidden, "this chat may not be used on %s; the connector allows only %s", origin, strings.Join(conn.AllowedOrigins, ", ")))
		c.Close(protocol.CloseUnknownConnector, "origin not allowed")
		return
	}
	if blocked, err := s.st.IPBlocked(ctx, conn.TenantID, c.IP()); err != nil {
		s.reply(c, id, nil, err)
		return
	} else if blocked {
		s.log.Info("blocked address refused", "connector", conn.ID, "ip", c.IP())
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeForbidden, "chat is not available from your network address"))
		c.Close(protocol.CloseForbidden, "address blocked")
		return
	}
	pre, post, err := s.surveys(ctx, conn.ID)
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	settings, err := s.st.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	lang := texts.Negotiate(b.Lang)
	cs.mu.Lock()
	cs.connected = true
	cs.session = token.New(12)
	cs.connector = conn
	cs.lang = b.Lang
	if cs.lang == "" {
		cs.lang = lang
	}
	cs.page, cs.referrer, cs.visitorID = b.Page, b.Referrer, b.VisitorID
	cs.userAgent = b.UserAgent
	cs.preChat, cs.postChat, cs.perIP = pre, post, settings.MaxChatsPerIP
	if cs.userAgent == "" {
		cs.userAgent = c.UserAgent()
	}
	session := cs.session
	cs.mu.Unlock()
	info := s.router.queueInfo(acd.ConnectorID(conn.ID))
	c.SendEvent(protocol.Event{ID: id, Body: &protocol.Connected{
		Session:       session,
		Name:          conn.Name,
		Title:         conn.Title,
		Lang:          lang,
		Open:          info.Open && !conn.OutOfService,
		Texts:         texts.ResolveAll(conn.Texts, cs.lang),
		MaxMessage:    maxMessage(conn),
		Preview:       true,
		EstimatedWait: seconds(info.EstimatedWait),
		PreChat:       pre,
		PostChat:      post,

		AllowedFileTypes:    settings.AllowedTypes,
		RestrictedFileTypes: settings.RestrictedTypes,
		MaxAttachmentKB:     settings.MaxAttachmentKB,
		LeaveMessage:        toolbox(conn).LeaveMessage,
		Widget:              conn.Toolbox,
	}})
}

// maxMessage is the longest message a connector's visitors may send: its own limit, never more
// than the protocol's (MiCC MaxMessageLength).
func maxMessage(conn store.Connector) int {
	if tb := toolbox(conn); tb.MaxMessageLength > 0 && tb.MaxMessageLength < limits.MessageRunes {
		return tb.MaxMessageLength
	}
	return limits.MessageRunes
}

// toolbox reads a connector's widget options; options that no longer parse give the defaults.
func toolbox(conn store.Connector) store.Toolbox {
	if tb, err := store.ParseToolbox(conn.Toolbox); err == nil {
		return tb
	}
	return store.DefaultToolbox()
}

// maxLeftPerConnection bounds the messages one connection may leave.
const maxLeftPerConnection = 5

// leaveMessage stores a message a visitor leaves when no chat can be had (WhosOn
// LeaveMessage), as a closed chat with the message as its line, for agents to answer by
// e-mail or phone.
func (s *Service) leaveMessage(ctx context.Context, c *realtime.Conn, id, notAccepted string, b *protocol.LeaveMessage) {
	cs := connOf(c)
	cs.mu.Lock()
	conn, lang, page, referrer, ua := cs.connector, cs.lang, cs.page, cs.referrer, cs.userAgent
	cs.leftCount++
	count := cs.leftCount
	cs.mu.Unlock()
	if !toolbox(conn).LeaveMessage {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeUnsupported, "messages cannot be left here"))
		return
	}
	if count > maxLeftPerConnection {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeRateLimited, "you have left %d messages already; we will get back to you", maxLeftPerConnection))
		return
	}
	if max := maxMessage(conn); utf8.RuneCountInString(b.Text) > max {
		s.reply(c, id, nil, &protocol.Error{Code: protocol.CodeTooLarge, Field: "text", Message: "messages are limited to " + strconv.Itoa(max) + " characters here"})
		return
	}
	now := stamp()
	rec := store.Chat{
		ID: store.NewChatID(), TenantID: conn.TenantID, ConnectorID: conn.ID, State: string(protocol.StateClosed),
		VisitorName: strings.TrimSpace(b.Name), VisitorEmail: b.Email, VisitorPhone: b.Phone, Lang: texts.Negotiate(lang),
		Page: page, Referrer: referrer, UserAgent: ua, IP: c.IP(), CreatedAt: now, ClosedAt: &now,
		CloseCause: store.CloseCauseLeftMessage, LastSeq: 2,
	}
	if b.Department != "" || notAccepted != "" {
		rec.Fields = map[string]string{}
		if b.Department != "" {
			rec.Fields["department"] = b.Department
		}
		if notAccepted != "" {
			rec.Fields["not_accepted_chat"] = notAccepted
		}
	}
	msg := &protocol.Message{Role: protocol.RoleVisitor, Name: rec.VisitorName, Text: b.Text, Class: "linev", ClientID: id, At: now}
	state := &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseLeftMessage, At: now}
	msgData, err1 := json.Marshal(msg)
	stateData, err2 := json.Marshal(state)
	if err := errors.Join(err1, err2); err != nil {
		s.reply(c, id, nil, err)
		return
	}
	err := s.st.Commit(ctx,
		store.Write{Chat: &rec, Event: &store.Event{ChatID: rec.ID, Seq: 1, Type: string(protocol.TypeMessage), Data: msgData, At: now},
			Message: &store.Message{ChatID: rec.ID, Seq: 1, Role: string(protocol.RoleVisitor), Name: rec.VisitorName, Text: b.Text, ClientID: id, At: now}},
		store.Write{Event: &store.Event{ChatID: rec.ID, Seq: 2, Type: string(protocol.TypeChatState), Data: stateData, At: now}})
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	s.log.Info("message left", "chat", rec.ID, "connector", conn.ID)
	s.reply(c, id, &protocol.Ack{Chat: rec.ID}, nil)
}

// surveys loads a connector's pre-chat and post-chat survey fields in the protocol's form.
func (s *Service) surveys(ctx context.Context, connectorID int64) (pre, post []protocol.SurveyField, err error) {
	for kind, dst := range map[string]*[]protocol.SurveyField{store.SurveyPreChat: &pre, store.SurveyPostChat: &post} {
		fields, err := s.st.SurveyFields(ctx, connectorID, kind)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range fields {
			*dst = append(*dst, f.Field)
		}
	}
	return pre, post, nil
}

// openChatsFrom counts a tenant's open chats from one address, for the per-address limit.
func (s *Service) openChatsFrom(tenantID int64, ip string) int {
	s.mu.Lock()
	chats := make([]*liveChat, 0, len(s.chats))
	for _, ch := range s.chats {
		chats = append(chats, ch)
	}
	s.mu.Unlock()
	n := 0
	for _, ch := range chats {
		ch.mu.Lock()
		if ch.rec.TenantID == tenantID && ch.rec.IP == ip && ch.rec.State != string(protocol.StateClosed) {
			n++
		}
		ch.mu.Unlock()
	}
	return n
}

// allowedOrigin checks the site a visitor chats from against the connector's allowed origins
// (an empty list allows every site). A browser's Origin header names the site, unless the chat
// runs in Parley's own frame, whose origin is this server: then the frame names the host page
// through the page URL (it checks that URL against what the browser reports).
func allowedOrigin(allowed []string, browserOrigin, host, page string) (string, bool) {
	if len(allowed) == 0 {
		return browserOrigin, true
	}
	site := origin.Of(browserOrigin)
	if site == "" || strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(site, "https://"), "http://"), host) {
		site = origin.Of(page)
	}
	if site == "" {
		return "an unnamed site", false
	}
	return site, origin.Allowed(allowed, site)
}

// chatRequest opens a chat, or answers a retried request with the first answer.
func (s *Service) chatRequest(ctx context.Context, c *realtime.Conn, id string, b *protocol.ChatRequest) {
	cs := connOf(c)
	cs.mu.Lock()
	conn, session, lang := cs.connector, cs.session, cs.lang
	page, referrer, ua, visitorID, preChat := cs.page, cs.referrer, cs.userAgent, cs.visitorID, cs.preChat
	cs.mu.Unlock()
	// A request repeated after a lost answer gets the first answer: within the connection's
	// session, or across reconnects for the same visitor id from the same address and
	// connector (the answer holds the chat token, so a visitor id alone is not enough).
	key := "s/" + session + "/" + id
	if visitorID != "" {
		key = "v/" + strconv.FormatInt(conn.ID, 10) + "/" + c.IP() + "/" + visitorID + "/" + id
	}
	if b.Lang != "" {
		lang = b.Lang
	}
	s.mu.Lock()
	if r, ok := s.requests[key]; ok {
		s.mu.Unlock()
		if ch := s.chatFor(r.ack.Chat); ch != nil {
			_, _ = s.subscribe(ctx, ch, c, protocol.RoleVisitor, 0, 0, true)
		}
		s.reply(c, id, &r.ack, nil)
		return
	}
	s.mu.Unlock()
	fields, err := survey.CheckAll(preChat, b.Fields)
	if err != nil {
		if pe := protocol.SurveyError(err); pe != nil {
			err = pe
		}
		s.reply(c, id, nil, err)
		return
	}
	if limit := cs.perIP; limit > 0 && s.openChatsFrom(conn.TenantID, c.IP()) >= limit {
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeRateLimited, "there are already %d open chats from your network address; close one and try again", limit))
		return
	}
	if conn.OutOfService || !s.router.queueInfo(acd.ConnectorID(conn.ID)).Open {
		s.reply(c, id, nil, &protocol.Error{Code: protocol.CodeOutOfService, Message: texts.Resolve(conn.Texts, texts.OutOfService, lang)})
		return
	}
	secret := token.NewSecret()
	now := stamp()
	rec := store.Chat{
		ID: store.NewChatID(), TenantID: conn.TenantID, ConnectorID: conn.ID, State: string(protocol.StateQueued),
		VisitorName: strings.TrimSpace(b.Name), VisitorEmail: b.Email, VisitorPhone: b.Phone, CustomerID: b.CustomerID,
		Lang: texts.Negotiate(lang), VisitorTokenHash: token.Hash(secret), PData: b.PData, UData: b.UData, Fields: fields,
		Page: page, Referrer: referrer, UserAgent: ua, IP: c.IP(), CreatedAt: now,
	}
	ch := newLiveChat(rec, conn)
	ch.question = strings.TrimSpace(b.Question)
	ack := protocol.Ack{Chat: rec.ID, Token: secret}
	s.mu.Lock()
	s.chats[rec.ID] = ch
	s.requests[key] = requestRecord{ack: ack, expires: now.Add(s.cfg.ReconnectWindow + time.Minute)}
	s.mu.Unlock()
	_, _ = s.subscribe(ctx, ch, c, protocol.RoleVisitor, 0, 0, false)

	ch.mu.Lock()
	s.emit(ch, &protocol.ChatState{State: protocol.StateQueued, At: now}, nil, true, nil)
	s.emit(ch, systemLine(ch, texts.WelcomeMessage, "pagingmessage"), systemRow(ch, texts.WelcomeMessage), false, nil)
	last := func(seq uint64, err error) {
		if err != nil {
			// The chat never became durable: forget it everywhere, so that no agent is left
			// with an offer for it; the visitor may retry with a new request.
			s.mu.Lock()
			delete(s.chats, rec.ID)
			delete(s.requests, key)
			s.mu.Unlock()
			s.router.submit(acd.ChatClosed{Chat: acd.ChatID(rec.ID)})
			s.reply(c, id, nil, err)
			return
		}
		s.reply(c, id, &ack, nil)
	}
	if q := strings.TrimSpace(b.Question); q != "" {
		msg := &protocol.Message{Role: protocol.RoleVisitor, Name: rec.VisitorName, Text: b.Question, Class: "linev", At: now}
		s.emit(ch, msg, &store.Message{Role: string(protocol.RoleVisitor), Name: rec.VisitorName, Text: b.Question, At: now}, false, last)
	} else {
		s.emit(ch, &protocol.Joined{Role: protocol.RoleVisitor, Name: rec.VisitorName, Lang: rec.Lang}, nil, false, last)
	}
	s.visitorActive(ch)
	ch.mu.Unlock()
	// Routing starts now, not after the commit: an offer is not part of the chat's history,
	// and everything an accept writes is queued behind the chat's first events, so the store
	// sees them in order either way. The visitor's ack still waits for the commit.
	s.router.submit(acd.ChatRequested{Chat: acd.ChatID(rec.ID), Connector: acd.ConnectorID(conn.ID), RequestedAt: now})
	s.log.Info("chat requested", "chat", rec.ID, "connector", conn.ID, "lang", rec.Lang)
}

// systemLine is a system message carrying one of the connector's texts.
func systemLine(ch *liveChat, key, class string) *protocol.Message {
	return &protocol.Message{Role: protocol.RoleSystem, Text: ch.text(key), Key: key, Class: class, At: stamp()}
}

// systemRow is the stored row of a system line.
func systemRow(ch *liveChat, key string) *store.Message {
	return &store.Message{Role: string(protocol.RoleSystem), Text: ch.text(key), At: stamp()}
}

// visitorResume re-attaches a visitor to their chat after a reconnect.
func (s *Service) visitorResume(ctx context.Context, c *realtime.Conn, cmd protocol.Command, b *protocol.Resume) {
	ch := s.chatFor(cmd.Chat)
	var rec store.Chat
	if ch != nil {
		ch.mu.Lock()
		rec = ch.rec
		ch.mu.Unlock()
	} else {
		var err error
		if rec, err = s.st.Chat(ctx, cmd.Chat); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = protocol.Errorf(protocol.CodeNotFound, "no chat %q", cmd.Chat)
			}
			s.reply(c, cmd.ID, nil, err)
			return
		}
	}
	if !token.Matches(b.Token, rec.VisitorTokenHash) || rec.ConnectorID != connOf(c).connector.ID {
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeUnauthorized, "the chat token does not match"))
		return
	}
	if ch == nil {
		// A closed chat: its history can still be read.
		last := b.After
		err := s.replay(ctx, cmd.Chat, b.After, func(seq uint64, frame []byte) { c.Send(frame); last = seq })
		s.reply(c, cmd.ID, &protocol.Ack{Chat: cmd.Chat, Seq: last}, err)
		return
	}
	last, err := s.subscribe(ctx, ch, c, protocol.RoleVisitor, 0, b.After, true)
	if err != nil {
		s.reply(c, cmd.ID, nil, err)
		return
	}
	ch.mu.Lock()
	wasAway := ch.visitorAway
	ch.visitorAway = false
	ch.stopTimers()
	ch.mu.Unlock()
	if wasAway {
		ch.broadcast(&protocol.Presence{Role: protocol.RoleVisitor, Online: true}, toAgents)
	}
	s.reply(c, cmd.ID, &protocol.Ack{Chat: ch.id, Seq: last}, nil)
	s.resendAsked(ch, c)
}

// withVisitorChat runs f for a chat the connection follows, and answers the command.
func (s *Service) withVisitorChat(c *realtime.Conn, cmd protocol.Command, f func(*liveChat) error) {
	ch := s.chatFor(cmd.Chat)
	if ch == nil || connOf(c).sub(cmd.Chat) == nil {
		s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	s.reply(c, cmd.ID, nil, f(ch))
}

// send adds a chat message from a visitor or agent, once per command id.
func (s *Service) send(c *realtime.Conn, id, chatID string, role protocol.Role, userID int64, b *protocol.Send) {
	s.post(c, id, chatID, role, userID, b.Text, b.HideLocal, nil)
}

// sendFile shares a file the sender uploaded for this chat (see package attach).
func (s *Service) sendFile(ctx context.Context, c *realtime.Conn, id, chatID string, role protocol.Role, userID int64, b *protocol.FileSend) {
	fileID := attach.IDFromURL(b.URL)
	f, err := s.st.FileInfo(ctx, fileID)
	if fileID == "" || errors.Is(err, store.ErrNotFound) || (err == nil && (f.ChatID != chatID || f.Role != string(role) || f.UserID != userID)) {
		s.reply(c, id, nil, &protocol.Error{Code: protocol.CodeInvalid, Field: "url", Message: "upload the file to this chat first (POST /api/files) and send the link it returned"})
		return
	}
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	wire := attach.Wire(f)
	s.post(c, id, chatID, role, userID, f.Name, false, &wire)
}

// post adds a chat message, or a shared file, from a visitor or agent, once per command id.
func (s *Service) post(c *realtime.Conn, id, chatID string, role protocol.Role, userID int64, text string, hideLocal bool, file *protocol.File) {
	ch := s.chatFor(chatID)
	if ch == nil || connOf(c).sub(chatID) == nil {
		if ch == nil {
			if _, err := s.st.Chat(context.Background(), chatID); err == nil {
				s.reply(c, id, nil, protocol.Errorf(protocol.CodeConflict, "the chat has ended"))
				return
			}
		}
		s.reply(c, id, nil, notInChat(chatID))
		return
	}
	key := string(role) + "/" + itoa(userID) + "/" + id
	ch.mu.Lock()
	if a, ok := ch.remembered(key); ok {
		ch.mu.Unlock()
		s.reply(c, id, &a, nil)
		return
	}
	if ch.restored {
		// Answers given before a restart are only in the store.
		if m, err := s.st.MessageByClientID(context.Background(), chatID, string(role), userID, id); err == nil {
			ch.mu.Unlock()
			s.reply(c, id, &protocol.Ack{Seq: m.Seq}, nil)
			return
		}
	}
	if ch.rec.State == string(protocol.StateClosed) {
		ch.mu.Unlock()
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeConflict, "the chat has ended"))
		return
	}
	if role == protocol.RoleAgent && ch.rec.AgentID != userID {
		ch.mu.Unlock()
		s.reply(c, id, nil, protocol.Errorf(protocol.CodeForbidden, "only the agent handling the chat may write in it"))
		return
	}
	if max := ch.options.MaxMessageLength; role == protocol.RoleVisitor && file == nil && max > 0 && utf8.RuneCountInString(text) > max {
		ch.mu.Unlock()
		s.reply(c, id, nil, &protocol.Error{Code: protocol.CodeTooLarge, Field: "text", Message: "messages are limited to " + strconv.Itoa(max) + " characters here"})
		return
	}
	if role == protocol.RoleVisitor {
		s.visitorActive(ch)
	}
	name := ch.rec.VisitorName
	class := "linev"
	firstReply := false
	now := stamp()
	if role == protocol.RoleAgent {
		name, class = connOf(c).user.Nickname, "lineo"
		if name == "" {
			name = connOf(c).user.Name
		}
		if ch.rec.FirstReplyAt == nil {
			ch.rec.FirstReplyAt = &now
			firstReply = true
		}
	}
	msg := &protocol.Message{Role: role, Name: name, Text: text, Class: class, ClientID: id, HideLocal: hideLocal, File: file, At: now}
	row := &store.Message{Role: string(role), UserID: userID, Name: name, Text: text, ClientID: id, At: now}
	s.emit(ch, msg, row, firstReply, func(seq uint64, err error) {
		if err != nil {
			s.reply(c, id, nil, err)
			return
		}
		a := protocol.Ack{Seq: seq}
		ch.mu.Lock()
		ch.remember(key, a)
		ch.mu.Unlock()
		s.reply(c, id, &a, nil)
		if firstReply {
			s.router.submit(acd.FirstReply{Chat: acd.ChatID(chatID), Agent: acd.AgentID(userID)})
		}
	})
	ch.mu.Unlock()
	if role == protocol.RoleVisitor {
		ch.broadcast(&protocol.PreviewEvent{Text: ""}, toAgents)
	}
}

// fieldsSet records survey or requested field answers.
func (s *Service) fieldsSet(c *realtime.Conn, cmd protocol.Command, fields map[string]string, survey string) {
	ch := s.chatFor(cmd.Chat)
	if ch == nil || connOf(c).sub(cmd.Chat) == nil {
		s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.rec.Fields == nil {
		ch.rec.Fields = map[string]string{}
	}
	for k, v := range fields {
		ch.rec.Fields[k] = v
	}
	s.emit(ch, &protocol.FieldSet{Fields: fields, Survey: survey}, nil, true, func(_ uint64, err error) { s.reply(c, cmd.ID, nil, err) })
}

// fieldSubmit records the visitor's answer to a field an agent asked for, checked against that
// field; an answer nobody asked for is kept as a free field, as WhosOn does.
func (s *Service) fieldSubmit(c *realtime.Conn, cmd protocol.Command, b *protocol.FieldSubmit) {
	value := b.Value
	if ch := s.chatFor(cmd.Chat); ch != nil {
		ch.mu.Lock()
		f, asked := ch.asked[b.Name]
		ch.mu.Unlock()
		if asked {
			if err := survey.Check(f, value); err != nil {
				if pe := protocol.SurveyError(err); pe != nil {
					err = pe
				}
				s.reply(c, cmd.ID, nil, err)
				return
			}
			value = survey.Normalize(f, value)
			ch.mu.Lock()
			delete(ch.asked, b.Name)
			ch.mu.Unlock()
		}
	}
	s.fieldsSet(c, cmd, map[string]string{b.Name: value}, "")
}

// askField sends the visitor an agent's field request and remembers it until answered; a
// visitor who reconnects gets the open requests again.
func (s *Service) askField(c *realtime.Conn, cmd protocol.Command, uid int64, b *protocol.FieldAsk) {
	ch := s.chatFor(cmd.Chat)
	if ch == nil || connOf(c).sub(cmd.Chat) == nil {
		s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	f := b.Field
	f.Enabled = true
	ch.mu.Lock()
	switch {
	case ch.rec.AgentID != uid:
		ch.mu.Unlock()
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agent handling the chat may ask the visitor"))
		return
	case ch.rec.State == string(protocol.StateClosed):
		ch.mu.Unlock()
		s.reply(c, cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "the chat has ended"))
		return
	}
	if ch.asked == nil {
		ch.asked = map[string]protocol.SurveyField{}
	}
	ch.asked[f.Name] = f
	ch.mu.Unlock()
	ch.broadcast(&protocol.FieldRequest{Field: f}, toVisitor)
	s.reply(c, cmd.ID, nil, nil)
}

// resendAsked sends a reconnected visitor the fields agents asked for and are still open.
func (s *Service) resendAsked(ch *liveChat, c *realtime.Conn) {
	ch.mu.Lock()
	open := make([]protocol.SurveyField, 0, len(ch.asked))
	for _, f := range ch.asked {
		open = append(open, f)
	}
	ch.mu.Unlock()
	sort.Slice(open, func(i, j int) bool { return open[i].Name < open[j].Name })
	for _, f := range open {
		c.SendEvent(protocol.Event{Chat: ch.id, Body: &protocol.FieldRequest{Field: f}})
	}
}

// chatInfo answers MiCC's GetChatInfo.
func (s *Service) chatInfo(ctx context.Context, c *realtime.Conn, cmd protocol.Command) {
	if connOf(c).sub(cmd.Chat) == nil {
		s.reply(c, cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	info := protocol.ChatInfo{State: protocol.StateClosed, EstimatedWait: -1}
	if ch := s.chatFor(cmd.Chat); ch != nil {
		ch.mu.Lock()
		info.State = protocol.ChatStatus(ch.rec.State)
		ch.mu.Unlock()
		if info.State != protocol.StateActive && info.State != protocol.StateClosed {
			info.State = protocol.StateQueued
		}
		if ci, ok := s.router.chatInfo(acd.ChatID(cmd.Chat)); ok {
			info.Position, info.EstimatedWait = ci.Position, seconds(ci.EstimatedWait)
		}
	}
	c.SendEvent(protocol.Event{ID: cmd.ID, Chat: cmd.Chat, Body: &info})
}

// operators answers WhosOn's GetOperators with the agents of the connector's group.
func (s *Service) operators(ctx context.Context, c *realtime.Conn, id string, conn store.Connector) {
	users, err := s.st.AgentsOfGroup(ctx, conn.GroupID)
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	statuses, err := s.st.Statuses(ctx, conn.TenantID)
	if err != nil {
		s.reply(c, id, nil, err)
		return
	}
	names := map[int64]string{}
	for _, st := range statuses {
		names[st.ID] = st.Name
	}
	out := &protocol.Operators{Operators: []protocol.Operator{}}
	for _, u := range users {
		if !u.Active {
			continue
		}
		name := u.Nickname
		if name == "" {
			name = u.Name
		}
		status := names[u.StatusID]
		if !s.agentConnected(u.ID) {
			status = "Offline"
		}
		out.Operators = append(out.Operators, protocol.Operator{Name: name, Status: status, Lang: u.Lang})
	}
	c.SendEvent(protocol.Event{ID: id, Body: out})
}

// visitorAway starts a chat's reconnect window: the agent is warned before it ends, and when it
// ends without the visitor back, the chat is closed.
func (s *Service) visitorAway(ch *liveChat) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.rec.State == string(protocol.StateClosed) {
		return
	}
	window := ch.connector.ReconnectWindow
	if window <= 0 {
		window = s.cfg.ReconnectWindow
	}
	warnAt := max(window-s.cfg.AgentWarning, 0)
	ch.visitorAway = true
	ch.stopTimers()
	ch.warnTimer = time.AfterFunc(warnAt, func() {
		ch.broadcast(&protocol.Warning{Code: "visitor_away", Seconds: int((window - warnAt) / time.Second)}, toAgents)
	})
	ch.closeTimer = time.AfterFunc(window, func() {
		ch.mu.Lock()
		away := ch.visitorAway
		ch.mu.Unlock()
		if away {
			s.closeChat(ch.id, protocol.CauseVisitorGone, nil)
		}
	})
}

// visitorActive restarts a chat's idle clock (MiCC IdleTimeout with WarningBeforeIdleTimeout):
// a visitor who neither writes nor types for the connector's idle timeout has the chat closed,
// after a warning line. Caller holds ch.mu.
func (s *Service) visitorActive(ch *liveChat) {
	ch.stopIdle()
	timeout := time.Duration(ch.options.IdleTimeout) * time.Second
	if timeout <= 0 || ch.rec.State == string(protocol.StateClosed) {
		return
	}
	warning := min(time.Duration(ch.options.IdleWarning)*time.Second, timeout)
	if warning > 0 {
		ch.idleWarn = time.AfterFunc(timeout-warning, func() {
			ch.mu.Lock()
			defer ch.mu.Unlock()
			if ch.rec.State == string(protocol.StateClosed) || ch.idleWarn == nil {
				return
			}
			text := strings.ReplaceAll(ch.text(texts.IdleWarning), "$seconds", strconv.Itoa(int(warning/time.Second)))
			now := stamp()
			s.emit(ch, &protocol.Message{Role: protocol.RoleSystem, Text: text, Key: texts.IdleWarning, Class: "idlewarning", At: now},
				&store.Message{Role: string(protocol.RoleSystem), Text: text, At: now}, false, nil)
		})
	}
	ch.idleClose = time.AfterFunc(timeout, func() { s.closeChat(ch.id, protocol.CauseIdle, nil) })
}

// seconds converts a wait to whole seconds, keeping -1 for "unknown".
func seconds(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Second/2) / time.Second)
}
