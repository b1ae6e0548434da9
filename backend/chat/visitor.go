package chat

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/chat/fanout"
	"github.com/parleychat/parley/backend/origin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/shared/texts"
)

// visitorCommand runs a command of a connected visitor.
func (ss *Session) visitorCommand(ctx context.Context, cmd protocol.Command) {
	s := ss.s
	if ss.forwardVisitor(ctx, cmd) {
		return
	}
	switch b := cmd.Body.(type) {
	case *protocol.ChatRequest:
		ss.chatRequest(ctx, cmd.ID, b)
	case *protocol.Resume:
		ss.visitorResume(ctx, cmd, b)
	case *protocol.Send:
		ss.post(ctx, cmd, b.Text, b.HideLocal, nil)
	case *protocol.FileSend:
		ss.sendFile(ctx, cmd, b)
	case *protocol.Typing:
		ss.inChat(cmd, func(ch *liveChat) error {
			ch.mu.Lock()
			name := ch.rec.VisitorName
			s.visitorActive(ch)
			ch.mu.Unlock()
			s.transient(ch.id, "typing/visitor", &protocol.TypingEvent{Role: protocol.RoleVisitor, Name: name, On: b.On}, toAgents)
			return nil
		})
	case *protocol.Preview:
		ss.preview(cmd, b.Text)
	case *protocol.PreviewConsent:
		ss.previewConsent(cmd, b.On)
	case *protocol.DetailsSubmit:
		ss.details(ctx, cmd, b)
	case *protocol.Close:
		if !ss.follows(cmd.Chat) {
			ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
			return
		}
		s.closeChat(cmd.Chat, protocol.CauseVisitor, func(err error) { ss.reply(cmd.ID, nil, err) })
	case *protocol.SurveySubmit:
		ss.mu.Lock()
		post := ss.visitor.survey.post
		ss.mu.Unlock()
		fields, err := survey.CheckAll(post, b.Fields)
		if err != nil {
			ss.reply(cmd.ID, nil, surveyError(err))
			return
		}
		ss.fieldsSet(ctx, cmd, fields, "post")
		if ss.follows(cmd.Chat) {
			s.surveyTranscript(cmd.Chat, post, fields)
		}
	case *protocol.FieldSubmit:
		ss.fieldSubmit(ctx, cmd, b)
	case *protocol.QueueInfoGet:
		ss.mu.Lock()
		conn := ss.visitor.connector
		ss.mu.Unlock()
		info := s.router.QueueInfo(acd.ConnectorID(conn.ID))
		ss.send(protocol.Event{ID: cmd.ID, Body: &protocol.QueueInfo{Open: info.Open && !conn.OutOfService, Waiting: info.Waiting, EstimatedWait: seconds(info.EstimatedWait)}})
	case *protocol.ChatInfoGet:
		ss.chatInfo(cmd)
	case *protocol.OperatorsGet:
		ss.operators(ctx, cmd.ID)
	case *protocol.LeaveMessage:
		ss.leaveMessage(ctx, cmd.ID, cmd.Chat, b)
	case *protocol.TranscriptRequest:
		ss.transcriptRequest(ctx, cmd, b)
	default:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not handled on this endpoint", cmd.Body.CommandType()))
	}
}

// surveyError turns a survey check's error into the protocol's.
func surveyError(err error) error {
	if pe := protocol.SurveyError(err); pe != nil {
		return pe
	}
	return err
}

// visitorConnect binds the connection to a connector, from what the settings cache holds.
func (ss *Session) visitorConnect(ctx context.Context, id string, b *protocol.VisitorConnect) {
	s, c := ss.s, ss.c
	ss.mu.Lock()
	connected := ss.connected
	ss.mu.Unlock()
	if connected {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeConflict, "already connected"))
		return
	}
	conn, err := s.set.ConnectorByHash(ctx, b.Connector)
	if errors.Is(err, store.ErrNotFound) {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeNotFound, "no connector has the hash %q; check the widget's data-connector", b.Connector))
		c.Close(protocol.CloseUnknownConnector, "unknown connector")
		return
	}
	if err != nil {
		ss.reply(id, nil, err)
		return
	}
	if site, ok := allowedOrigin(conn.AllowedOrigins, c.Origin(), c.Host(), b.Page); !ok {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeForbidden, "this chat may not be used on %s; the connector allows only %s", site, strings.Join(conn.AllowedOrigins, ", ")))
		c.Close(protocol.CloseUnknownConnector, "origin not allowed")
		return
	}
	if blocked, err := s.set.IPBlocked(ctx, conn.TenantID, c.IP()); err != nil {
		ss.reply(id, nil, err)
		return
	} else if blocked {
		s.log.Info("blocked address refused", "connector", conn.ID, "ip", c.IP())
		ss.reply(id, nil, protocol.Errorf(protocol.CodeForbidden, "chat is not available from your network address"))
		c.Close(protocol.CloseForbidden, "address blocked")
		return
	}
	sv, tenant, err := s.connectorSettings(ctx, conn)
	if err != nil {
		ss.reply(id, nil, err)
		return
	}
	ss.mu.Lock()
	ss.connected = true
	v := &ss.visitor
	v.session = token.New(12)
	v.connector, v.survey, v.tenant = conn, sv, tenant
	v.lang = b.Lang
	if v.lang == "" {
		v.lang = texts.Negotiate(b.Lang)
	}
	v.page, v.referrer, v.visitorID, v.userAgent = b.Page, b.Referrer, b.VisitorID, b.UserAgent
	if v.userAgent == "" {
		v.userAgent = c.UserAgent()
	}
	ev := s.connectedEvent(ss)
	ev.Session = v.session
	ss.mu.Unlock()
	ss.send(protocol.Event{ID: id, Body: ev})
}

// connectorSettings reads what a visitor connection needs of its connector's tenant.
func (s *Service) connectorSettings(ctx context.Context, conn store.Connector) (surveys, store.TenantSettings, error) {
	sv, err := s.set.Survey(ctx, conn.ID)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	tenant, err := s.set.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	t, err := s.set.Tenant(ctx, conn.TenantID)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	return surveys{pre: wireFields(sv.Pre), post: wireFields(sv.Post), fallback: t.DefaultLang, transcript: s.transcriptOffered(ctx, conn.TenantID)}, tenant, nil
}

// connectedEvent describes the connector to the visitor, as the answer to visitor.connect and
// again when its settings change. Caller holds ss.mu.
func (s *Service) connectedEvent(ss *Session) *protocol.Connected {
	v := &ss.visitor
	conn := v.connector
	info := s.router.QueueInfo(acd.ConnectorID(conn.ID))
	return &protocol.Connected{
		Name:          conn.Name,
		Title:         connectorTitle(conn, v.lang),
		Lang:          texts.Negotiate(v.lang),
		Open:          info.Open && !conn.OutOfService,
		Texts:         s.set.Texts(conn, v.lang),
		MaxMessage:    maxMessage(conn),
		Preview:       toolbox(conn).Preview,
		EstimatedWait: seconds(info.EstimatedWait),
		PreChat:       localized(v.survey.pre, v.lang, v.survey.fallback),
		PostChat:      localized(v.survey.post, v.lang, v.survey.fallback),

		AllowedFileTypes:    v.tenant.AllowedTypes,
		RestrictedFileTypes: v.tenant.RestrictedTypes,
		MaxAttachmentKB:     v.tenant.MaxAttachmentKB,
		LeaveMessage:        toolbox(conn).LeaveMessage,
		Transcript:          v.survey.transcript,
		TranslateLanguages:  translateLanguages(v.tenant, v.lang),
		Widget:              conn.Toolbox,
	}
}

// translateLanguages are the languages a visitor may chat in when the tenant translates: the
// tenant's list with the widget's language first. None when the tenant does not translate.
func translateLanguages(ts store.TenantSettings, widget string) []string {
	if !ts.TranslateEnabled || (ts.TranslateURL == "" && ts.TranslateProvider.NeedsURL()) {
		return nil
	}
	own := protocol.BaseLang(texts.Negotiate(widget))
	out := []string{own}
	for _, l := range ts.TranslateLanguages {
		if l = protocol.BaseLang(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// wireFields gives survey fields in the protocol's form: the stored field's own.
func wireFields(fields []store.SurveyField) []protocol.SurveyField {
	var out []protocol.SurveyField
	for _, f := range fields {
		out = append(out, f.Field)
	}
	return out
}

// localized gives survey fields as a visitor of lang reads them (survey.Localize): the
// prompts and option labels of their language, else of the fallback language, else the
// fields' own; the answers' values are the same in every language.
func localized(fields []protocol.SurveyField, lang, fallback string) []protocol.SurveyField {
	var out []protocol.SurveyField
	for _, f := range fields {
		out = append(out, survey.Localize(f, lang, fallback))
	}
	return out
}

// maxMessage is the longest message a connector's visitors may send: its own limit, never more
// than the protocol's (MiCC MaxMessageLength).
func maxMessage(conn store.Connector) int {
	if tb := toolbox(conn); tb.MaxMessageLength > 0 && tb.MaxMessageLength < limits.MessageRunes {
		return tb.MaxMessageLength
	}
	return limits.MessageRunes
}

// allowedOrigin checks the site a visitor chats from against the connector's allowed origins
// (an empty list allows every site). A browser's Origin header names the site, unless the chat
// runs in Parley's own frame, whose origin is this server: then the frame names the host page
// through the page URL. A connection without an Origin (not a browser), or with the opaque
// origin "null" (a sandboxed frame, a file: page), cannot prove its site and is refused.
func allowedOrigin(allowed []string, browserOrigin, host, page string) (string, bool) {
	if len(allowed) == 0 {
		return browserOrigin, true
	}
	o := strings.TrimSpace(browserOrigin)
	if o == "" || strings.EqualFold(o, "null") {
		return "a page that does not say its origin", false
	}
	site := origin.Of(o)
	if site == "" {
		return "an unnamed site", false
	}
	if strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(site, "https://"), "http://"), host) {
		if site = origin.Of(page); site == "" {
			return "an unnamed site", false
		}
	}
	return site, origin.Allowed(allowed, site)
}

// chatRequest opens a chat, or answers a retried request with the first answer.
func (ss *Session) chatRequest(ctx context.Context, id string, b *protocol.ChatRequest) {
	s, c := ss.s, ss.c
	ss.mu.Lock()
	v := ss.visitor
	ss.mu.Unlock()
	conn := v.connector
	// A request repeated after a lost answer gets the first answer: within the connection's
	// session, or across reconnects for the same visitor id from the same address and
	// connector (the answer holds the chat token, so a visitor id alone is not enough).
	visitor := visitorKey(conn.ID, c.IP(), v.visitorID, v.session)
	key := visitor + "/" + id
	hash := bodyHash(b)
	lang := v.lang
	if b.Lang != "" {
		lang = b.Lang
	}
	s.mu.Lock()
	if r, ok := s.requests[key]; ok {
		s.mu.Unlock()
		if r.hash != hash {
			ss.reply(id, nil, protocol.Errorf(protocol.CodeConflict, "command id %q was used for another chat request", id))
			return
		}
		if s.chatFor(r.ack.Chat) != nil {
			if _, err := ss.subscribe(ctx, r.ack.Chat, fanout.Visitor, 0, who{role: protocol.RoleVisitor, ss: ss}); err != nil {
				ss.reply(id, nil, err)
				return
			}
		}
		ss.reply(id, &r.ack, nil)
		return
	}
	s.mu.Unlock()
	if b.Later && !toolbox(conn).WriteFirst {
		ss.reply(id, nil, errWriteFirstOff)
		return
	}
	pre := v.survey.pre
	if b.Later {
		// The answers come with details.submit, checked there; none are required now.
		pre = optional(pre)
	}
	fields, err := survey.CheckAll(pre, b.Fields)
	if err != nil {
		ss.reply(id, nil, surveyError(err))
		return
	}
	target, err := s.chatTarget(ctx, conn, b)
	if err != nil {
		ss.reply(id, nil, err)
		return
	}
	if err := s.checkOpenChats(ctx, conn.TenantID, v.tenant, visitor, c.IP()); err != nil {
		ss.reply(id, nil, err)
		return
	}
	if conn.OutOfService || !s.router.QueueInfo(acd.ConnectorID(conn.ID)).Open {
		ss.reply(id, nil, &protocol.Error{Code: protocol.CodeOutOfService, Message: texts.Resolve(conn.Texts, texts.OutOfService, lang)})
		return
	}
	// Asked before any lock is taken: the routing goroutine is never waited on under one.
	staffed := s.router.Staffed(acd.ConnectorID(conn.ID), target)
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(id, nil, err)
		return
	}
	secret := token.NewSecret()
	now := s.stamp()
	rec := store.Chat{
		ID: store.NewChatID(), TenantID: conn.TenantID, ConnectorID: conn.ID, State: string(protocol.StateQueued),
		VisitorName: strings.TrimSpace(b.Name), VisitorEmail: b.Email, VisitorPhone: b.Phone, CustomerID: b.CustomerID, VisitorID: v.visitorID,
		Lang: texts.Negotiate(lang), VisitorTokenHash: token.Hash(secret), PData: b.PData, UData: b.UData, Fields: fields,
		Page: v.page, Referrer: v.referrer, UserAgent: v.userAgent, IP: c.IP(), CreatedAt: now,
		TargetDepartment: target.Department, TargetAgentID: int64(target.Agent),
		TranslateLang: visitorTranslateLang(c, b.Lang, v.lang, translateLanguages(v.tenant, v.lang)),
	}
	ch := newLiveChat(rec, conn)
	ch.question = strings.TrimSpace(b.Question)
	ch.visitorKey = visitor
	ch.previewOK = b.PreviewConsent
	ch.detailsDue = b.Later
	ack := protocol.Ack{Chat: rec.ID, Token: secret}
	s.mu.Lock()
	s.chats[rec.ID] = ch
	s.requests[key] = requestRecord{ack: ack, hash: hash, expires: now.Add(s.cfg.ReconnectWindow + time.Minute)}
	s.mu.Unlock()
	// The chat has no events yet: the visitor follows it live from its first one.
	ss.record(s.hub.AttachNew(rec.ID, ss.c, fanout.Visitor, who{role: protocol.RoleVisitor, ss: ss}))
	// The first question is translated before the chat's first write, holding nothing: a
	// repeated request meanwhile gets the answer recorded above.
	qtr := s.translateQuestion(ctx, ch)
	ch.mu.Lock()
	defer ch.mu.Unlock()
	keepQuestion(ch, qtr)
	ch.visitorRow = &store.Participant{ChatID: rec.ID, Role: store.ParticipantVisitor, Name: rec.VisitorName, JoinedAt: now}
	first := []emission{
		{body: &protocol.ChatState{State: protocol.StateQueued, At: now}, saveChat: true, part: ch.visitorRow, limit: openChatLimit(v.tenant, v.visitorID)},
		s.systemLine(ch, texts.WelcomeMessage, "pagingmessage"),
	}
	if q := ch.question; q != "" {
		msg := line(&protocol.Message{Role: protocol.RoleVisitor, Name: rec.VisitorName, Text: q, Class: "linev", At: now}, 0, "")
		translated(&msg, qtr)
		first = append(first, msg)
	} else {
		first = append(first, emission{body: &protocol.Joined{Role: protocol.RoleVisitor, Name: rec.VisitorName, Lang: rec.Lang}})
	}
	if !staffed {
		first = append(first, s.noAgentsLine(ch))
	}
	// The chat is routed once it exists in the store, so that no agent is ever offered a chat
	// whose first write failed; a failed one is forgotten and the visitor may ask again.
	s.emit(ch, func(_ []*store.Event, err error) {
		if err != nil {
			s.forget(rec.ID, key)
			ss.unsubscribe(rec.ID)
			ss.reply(id, nil, openChatsError(err))
			return
		}
		s.router.Submit(acd.ChatRequested{Chat: acd.ChatID(rec.ID), Connector: acd.ConnectorID(conn.ID), RequestedAt: now, Target: target})
		s.log.Info("chat requested", "chat", rec.ID, "connector", conn.ID, "lang", rec.Lang)
		ss.reply(id, &ack, nil)
	}, first...)
	s.visitorActive(ch)
}

// visitorTranslateLang is the language a new chat's lines are translated from and into on the
// visitor's side: the one they asked for when the tenant offers it, else their widget's; ""
// for a connection whose adapter translates by itself.
func visitorTranslateLang(c Conn, asked, widget string, offered []string) string {
	if st, ok := c.(SelfTranslating); ok && st.TranslatesLines() {
		return ""
	}
	if l := protocol.BaseLang(asked); l != "" && slices.Contains(offered, l) {
		return l
	}
	return protocol.BaseLang(texts.Negotiate(widget))
}

// chatTarget reads the department and operator a chat request asks for (WhosOn Hello). The
// operator is named as the operators list names agents (DisplayName, ignoring case and
// surrounding spaces), among the active agents of the connector's group; a name that is
// nobody's is refused, as no agent could ever take the chat.
func (s *Service) chatTarget(ctx context.Context, conn store.Connector, b *protocol.ChatRequest) (acd.Target, error) {
	t := acd.Target{Department: strings.TrimSpace(b.Department)}
	name := strings.TrimSpace(b.Operator)
	if name == "" {
		return t, nil
	}
	users, err := s.st.AgentsOfGroup(ctx, conn.GroupID)
	if err != nil {
		return t, err
	}
	for _, u := range users {
		if u.Active && strings.EqualFold(strings.TrimSpace(DisplayName(u)), name) {
			t.Agent = acd.AgentID(u.ID)
			return t, nil
		}
	}
	return t, &protocol.Error{Code: protocol.CodeNotFound, Field: "operator", Message: "No operator called " + name + " takes chats here; ask for another, or for none."}
}

// forget drops a chat that never became durable, and its request's answer.
func (s *Service) forget(chatID, requestKey string) {
	s.mu.Lock()
	ch := s.chats[chatID]
	delete(s.chats, chatID)
	delete(s.requests, requestKey)
	s.mu.Unlock()
	if ch != nil {
		ch.mu.Lock()
		ch.stopTimers()
		ch.mu.Unlock()
	}
}

// visitorKey names a visitor on a connector: their widget's visitor id from their address, or
// the connection's session when the widget keeps none.
func visitorKey(connectorID int64, ip, visitorID, session string) string {
	if visitorID != "" {
		return "v/" + strconv.FormatInt(connectorID, 10) + "/" + ip + "/" + visitorID
	}
	return "s/" + session
}

// visitorResume re-attaches a visitor to their chat after a reconnect, sending what they
// missed first.
func (ss *Session) visitorResume(ctx context.Context, cmd protocol.Command, b *protocol.Resume) {
	s := ss.s
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
			ss.reply(cmd.ID, nil, err)
			return
		}
	}
	ss.mu.Lock()
	connectorID := ss.visitor.connector.ID
	ss.mu.Unlock()
	if !token.Matches(b.Token, rec.VisitorTokenHash) || rec.ConnectorID != connectorID {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeUnauthorized, "the chat token does not match"))
		return
	}
	if ch == nil && rec.State != string(protocol.StateClosed) && s.cfg.Claim != nil {
		// An open chat this node does not hold: its node died (take it over) or holds it.
		var err error
		if ch, err = s.adopt(ctx, rec); errors.Is(err, ErrHeldElsewhere) && s.cfg.ForwardVisitor != nil {
			ss.resumeForwarded(ctx, cmd, b)
			return
		} else if err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
	}
	last, err := ss.subscribe(ctx, cmd.Chat, fanout.Visitor, b.After, who{role: protocol.RoleVisitor, ss: ss})
	if err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	if ch == nil {
		// A chat closed long ago: its history was read; nothing more will come.
		ss.unsubscribe(cmd.Chat)
		ss.reply(cmd.ID, &protocol.Ack{Chat: cmd.Chat, Seq: last}, nil)
		return
	}
	ss.mu.Lock()
	page, referrer := ss.visitor.page, ss.visitor.referrer
	ss.mu.Unlock()
	s.visitorBack(ch, page, referrer)
	ss.reply(cmd.ID, &protocol.Ack{Chat: ch.id, Seq: last}, nil)
	ss.resendAsked(ch)
}

// visitorBack ends a chat's reconnect window when its visitor resumes, here or through
// another node: the agents see them back, and on the page they are on now.
func (s *Service) visitorBack(ch *liveChat, page, referrer string) {
	ch.mu.Lock()
	wasAway := ch.away
	ch.away = false
	ch.stopTimers()
	if !ch.closed() {
		s.visitorActive(ch)
		if page != "" && page != ch.rec.Page {
			// The visitor moved on to another page: the agents see where they are now.
			ch.rec.Page, ch.rec.Referrer = page, referrer
			s.emit(ch, nil, emission{body: &protocol.VisitorPage{Page: page, Referrer: referrer, At: s.stamp()}, saveChat: true, agentsOnly: true})
		}
	}
	ch.mu.Unlock()
	if wasAway {
		s.transient(ch.id, "presence/visitor", &protocol.Presence{Role: protocol.RoleVisitor, Online: true}, toAgents)
	}
}

// inChat runs f for a chat the connection follows, and answers the command.
func (ss *Session) inChat(cmd protocol.Command, f func(*liveChat) error) {
	ch := ss.s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ss.reply(cmd.ID, nil, f(ch))
}

// sendFile shares a file the sender uploaded for this chat (see package attach).
func (ss *Session) sendFile(ctx context.Context, cmd protocol.Command, b *protocol.FileSend) {
	uid := ss.userID()
	fileID := attach.IDFromURL(b.URL)
	f, err := ss.s.st.FileInfo(ctx, fileID)
	if fileID == "" || errors.Is(err, store.ErrNotFound) || (err == nil && (f.ChatID != cmd.Chat || f.Role != string(ss.role) || f.UserID != uid)) {
		ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeInvalid, Field: "url", Message: "upload the file to this chat first (POST /api/files) and send the link it returned"})
		return
	}
	if err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	wire := attach.Wire(f)
	ss.post(ctx, cmd, f.Name, false, &wire)
}

// userID is the agent's user id, 0 for a visitor.
func (ss *Session) userID() int64 {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.user.ID
}

// post adds a chat message, or a shared file, from a visitor or agent, once per command id: a
// retry gets the first answer (waiting for it while the first is being committed), the same id
// with another text is a conflict.
func (ss *Session) post(ctx context.Context, cmd protocol.Command, text string, hideLocal bool, file *protocol.File) {
	s := ss.s
	id, chatID := cmd.ID, cmd.Chat
	ch := s.chatFor(chatID)
	if ch == nil || !ss.follows(chatID) {
		if ch == nil {
			if _, err := s.st.Chat(ctx, chatID); err == nil && ss.follows(chatID) {
				ss.reply(id, nil, errChatEnded)
				return
			}
		}
		ss.reply(id, nil, notInChat(chatID))
		return
	}
	uid := ss.userID()
	key := string(ss.role) + "/" + itoa(uid) + "/" + id
	hash := bodyHash(cmd.Body)
	ch.mu.Lock()
	restored, tenantID := ch.restored, ch.rec.TenantID
	ch.mu.Unlock()
	if restored {
		// Answers given before a restart are only in the store.
		if m, err := s.st.MessageByClientID(ctx, chatID, string(ss.role), uid, id); err == nil {
			if m.Text != text {
				ss.reply(id, nil, protocol.Errorf(protocol.CodeConflict, "command id %q was used for another message", id))
				return
			}
			ss.reply(id, &protocol.Ack{Seq: m.Seq}, nil)
			return
		}
	}
	tt := s.translationOf(ctx, tenantID)
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(id, nil, err)
		return
	}
	answer := func(a *protocol.Ack, err error) { ss.reply(id, a, err) }
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if done, pending, conflict := ch.known(key, hash); conflict {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeConflict, "command id %q was used for another message", id))
		return
	} else if done != nil {
		ss.reply(id, &done.ack, nil)
		return
	} else if pending != nil {
		pending.waiters = append(pending.waiters, answer)
		return
	}
	internal, clearPreview := false, false
	if b, ok := cmd.Body.(*protocol.Send); ok {
		internal = b.Internal
	}
	if err := ss.mayPost(ch, uid, internal); err != nil {
		ss.reply(id, nil, err)
		return
	}
	if ss.role == protocol.RoleVisitor {
		if max := ch.options.MaxMessageLength; file == nil && max > 0 && utf8.RuneCountInString(text) > max {
			ss.reply(id, nil, &protocol.Error{Code: protocol.CodeTooLarge, Field: "text", Message: "messages are limited to " + strconv.Itoa(max) + " characters here"})
			return
		}
		s.visitorActive(ch)
		s.proactiveAnswered(ch.id)
		clearPreview, ch.previewing = ch.previewing, false
	}
	p := &inflight{hash: hash, waiters: []func(*protocol.Ack, error){answer}}
	ch.inflight[key] = p
	now := s.stamp()
	// The sender's name as the line is accepted: an agent who leaves while their line waits
	// for its translation still wrote it.
	name := ch.rec.VisitorName
	if ss.role == protocol.RoleAgent {
		name = ch.agents[uid].name
	}
	// fail answers the command and its retries with err, when the line cannot be written after
	// all. Caller holds ch.mu.
	fail := func(err error) {
		delete(ch.inflight, key)
		for _, w := range p.waiters {
			w(nil, err)
		}
	}
	// write writes the line, with its translation if it has one. A line that waited for its
	// translation was checked when it was accepted: a close writes the waiting lines first
	// (flushLane), and a part that changed meanwhile does not undo what was sent. Caller holds
	// ch.mu.
	write := func(tr *protocol.Translation) {
		if ch.closed() {
			fail(errChatEnded)
			return
		}
		class := "linev"
		firstReply := false
		if ss.role == protocol.RoleAgent {
			class = "lineo"
			if internal {
				class = "internal"
			} else if uid == ch.rec.AgentID && ch.rec.FirstReplyAt == nil {
				ch.rec.FirstReplyAt = &now
				firstReply = true
			}
		}
		msg := line(&protocol.Message{Role: ss.role, Name: name, Text: text, Class: class, ClientID: id, HideLocal: hideLocal, Internal: internal, File: file, At: now}, uid, id)
		msg.saveChat = firstReply
		msg.agentsOnly = internal
		msg.message.Internal = internal
		translated(&msg, tr)
		s.emit(ch, func(evs []*store.Event, err error) {
			var a *protocol.Ack
			ch.mu.Lock()
			delete(ch.inflight, key)
			if err == nil {
				a = &protocol.Ack{Seq: evs[0].Seq}
				if ss.role == protocol.RoleVisitor {
					a.Seq = evs[0].VisitorSeq
				}
				ch.remember(key, answered{ack: *a, hash: hash})
			} else if firstReply {
				ch.rec.FirstReplyAt = nil
			}
			waiters := p.waiters
			ch.mu.Unlock()
			if err == nil && firstReply {
				// Before the answer, so that routing learns of the reply before anything the
				// sender does next.
				s.router.Submit(acd.FirstReply{Chat: acd.ChatID(chatID), Agent: acd.AgentID(uid)})
			}
			for _, w := range waiters {
				w(a, err)
			}
		}, msg)
	}
	var job *translationJob
	if file == nil && !internal {
		job = lineJob(ch, tt, ss.role, uid)
	}
	if job != nil || ch.laneBusy {
		// Translated, or behind lines being translated: the lane writes it in its turn.
		s.enqueueLine(ch, text, job, write)
	} else {
		write(nil)
	}
	if clearPreview {
		s.transient(ch.id, "preview", &protocol.PreviewEvent{Text: ""}, toAgents)
	}
}

// mayPost checks that the sender may write the line in the chat now: the chat is open and an
// agent is in it, in a part that writes to the visitor unless the line is an internal note.
// Caller holds ch.mu.
func (ss *Session) mayPost(ch *liveChat, uid int64, internal bool) error {
	if ch.closed() {
		return errChatEnded
	}
	if ss.role == protocol.RoleAgent {
		m := ch.agents[uid]
		switch {
		case m == nil:
			return protocol.Errorf(protocol.CodeForbidden, "only the agents in the chat may write in it")
		case !internal && !m.part.Visible():
			return protocol.Errorf(protocol.CodeForbidden, "as %s you may write internal notes only; join as a participant to write to the visitor", m.part)
		}
	} else if internal {
		return &protocol.Error{Code: protocol.CodeInvalid, Field: "internal", Message: "only agents write internal notes"}
	}
	return nil
}

// fieldsSet records survey or requested field answers.
func (ss *Session) fieldsSet(ctx context.Context, cmd protocol.Command, fields map[string]string, kind string) {
	s := ss.s
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
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
	s.emit(ch, func(_ []*store.Event, err error) { ss.reply(cmd.ID, nil, err) },
		emission{body: &protocol.FieldSet{Fields: fields, Survey: kind}, saveChat: true})
}

// fieldSubmit records the visitor's answer to a field an agent asked for, checked against that
// field; an answer nobody asked for is kept as a free field, as WhosOn does.
func (ss *Session) fieldSubmit(ctx context.Context, cmd protocol.Command, b *protocol.FieldSubmit) {
	value := b.Value
	if ch := ss.s.chatFor(cmd.Chat); ch != nil && ss.follows(cmd.Chat) {
		ch.mu.Lock()
		f, asked := ch.asked[b.Name]
		ch.mu.Unlock()
		if asked {
			if err := survey.Check(f, value); err != nil {
				ss.reply(cmd.ID, nil, surveyError(err))
				return
			}
			value = survey.Normalize(f, value)
			ch.mu.Lock()
			delete(ch.asked, b.Name)
			ch.mu.Unlock()
		}
	}
	ss.fieldsSet(ctx, cmd, map[string]string{b.Name: value}, "")
}

// resendAsked sends a reconnected visitor the fields agents asked for and are still open.
func (ss *Session) resendAsked(ch *liveChat) {
	ch.mu.Lock()
	open := make([]protocol.SurveyField, 0, len(ch.asked))
	for _, f := range ch.asked {
		open = append(open, f)
	}
	ch.mu.Unlock()
	sort.Slice(open, func(i, j int) bool { return open[i].Name < open[j].Name })
	for _, f := range open {
		ss.send(protocol.Event{Chat: ch.id, Body: &protocol.FieldRequest{Field: f}})
	}
}

// chatInfo answers MiCC's GetChatInfo.
func (ss *Session) chatInfo(cmd protocol.Command) {
	if !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	info := protocol.ChatInfo{State: protocol.StateClosed, EstimatedWait: -1}
	if ch := ss.s.chatFor(cmd.Chat); ch != nil {
		ch.mu.Lock()
		info.State = protocol.ChatStatus(ch.rec.State)
		ch.mu.Unlock()
		if info.State != protocol.StateActive && info.State != protocol.StateClosed {
			info.State = protocol.StateQueued
		}
		if ci, ok := ss.s.router.ChatInfo(acd.ChatID(cmd.Chat)); ok {
			info.Position, info.EstimatedWait = ci.Position, seconds(ci.EstimatedWait)
		}
	}
	ss.send(protocol.Event{ID: cmd.ID, Chat: cmd.Chat, Body: &info})
}

// operators answers WhosOn's GetOperators with the agents of the connector's group.
func (ss *Session) operators(ctx context.Context, id string) {
	s := ss.s
	ss.mu.Lock()
	conn := ss.visitor.connector
	ss.mu.Unlock()
	users, err := s.st.AgentsOfGroup(ctx, conn.GroupID)
	if err != nil {
		ss.reply(id, nil, err)
		return
	}
	statuses, err := s.st.Statuses(ctx, conn.TenantID)
	if err != nil {
		ss.reply(id, nil, err)
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
		status := names[u.StatusID]
		if !s.agentConnected(u.ID) {
			status = "Offline"
		}
		out.Operators = append(out.Operators, protocol.Operator{Name: DisplayName(u), Status: status, Lang: u.Lang})
	}
	ss.send(protocol.Event{ID: id, Body: out})
}

// maxLeftPerConnection bounds the messages one connection may leave.
const maxLeftPerConnection = 5

// leaveMessage stores a message a visitor leaves when no chat can be had (WhosOn
// LeaveMessage), as a closed chat with the message as its line, for agents to answer by
// e-mail or phone. It may name the visitor's own chat that found no agent, never another's.
func (ss *Session) leaveMessage(ctx context.Context, id, notAccepted string, b *protocol.LeaveMessage) {
	s, c := ss.s, ss.c
	if notAccepted != "" && !ss.follows(notAccepted) {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeForbidden, "chat %q is not yours: name the chat this connection had, or none", notAccepted))
		return
	}
	ss.mu.Lock()
	v := ss.visitor
	ss.visitor.left++
	count := ss.visitor.left
	ss.mu.Unlock()
	conn := v.connector
	if !toolbox(conn).LeaveMessage {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeUnsupported, "messages cannot be left here"))
		return
	}
	if count > maxLeftPerConnection {
		ss.reply(id, nil, protocol.Errorf(protocol.CodeRateLimited, "you have left %d messages already; we will get back to you", maxLeftPerConnection))
		return
	}
	if max := maxMessage(conn); utf8.RuneCountInString(b.Text) > max {
		ss.reply(id, nil, &protocol.Error{Code: protocol.CodeTooLarge, Field: "text", Message: "messages are limited to " + strconv.Itoa(max) + " characters here"})
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(id, nil, err)
		return
	}
	now := s.stamp()
	rec := store.Chat{
		ID: store.NewChatID(), TenantID: conn.TenantID, ConnectorID: conn.ID, State: string(protocol.StateClosed),
		VisitorName: strings.TrimSpace(b.Name), VisitorEmail: b.Email, VisitorPhone: b.Phone, VisitorID: v.visitorID, Lang: texts.Negotiate(v.lang),
		Page: v.page, Referrer: v.referrer, UserAgent: v.userAgent, IP: c.IP(), CreatedAt: now, ClosedAt: &now,
		CloseCause: store.CloseCauseLeftMessage,
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
		ss.reply(id, nil, err)
		return
	}
	notices := s.leftNotices(ctx, conn, rec, b.Text, c.Host())
	done := make(chan error, 1)
	s.st.EnqueueAll(func(err error) { done <- err }, append([]store.Write{
		{Chat: &rec, Event: &store.Event{ChatID: rec.ID, Type: string(protocol.TypeMessage), Data: msgData, At: now},
			Message: &store.Message{ChatID: rec.ID, Role: string(protocol.RoleVisitor), Name: rec.VisitorName, Text: b.Text, ClientID: id, At: now}},
		{Event: &store.Event{ChatID: rec.ID, Type: string(protocol.TypeChatState), Data: stateData, At: now}}}, notices...)...)
	select {
	case err := <-done:
		if err != nil {
			ss.reply(id, nil, err)
			return
		}
	case <-ctx.Done():
		ss.reply(id, nil, ctx.Err())
		return
	}
	if len(notices) > 0 {
		s.leftNotifier.Wake()
	}
	s.log.Info("message left", "chat", rec.ID, "connector", conn.ID)
	ss.reply(id, &protocol.Ack{Chat: rec.ID}, nil)
}

// seconds converts a wait to whole seconds, keeping -1 for "unknown".
func seconds(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Second/2) / time.Second)
}
