package whoson

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// kind is what a native command the adapter sent stands for, so that its answer is translated.
type kind int

const (
	kindOther     kind = iota
	kindConnect        // Connect → connected or error
	kindHello          // Hello → accepted or notaccepted
	kindSurvey         // PostChatSurvey → acknowledged
	kindOperators      // GetOperators → operators (the event itself answers)
	kindFile           // File → nothing, or an error when the file is not the chat's
)

// client is one WhosOn connection: the adapter between its socket and its visitor session in
// the chat service.
type client struct {
	e    *Endpoint
	rc   *realtime.Conn
	core *chat.Session // set by Connect, on the reader goroutine only

	connectTimer *time.Timer

	mu       sync.Mutex
	pending  map[string]kind
	conn     connState
	chat     string   // the current chat's uid; "" before Hello
	chats    []string // every chat of the connection, for PostChatSurvey and Transcript
	hello    bool     // a Hello waits for its answer
	early    [][]byte // events of the chat that came before Hello's answer, in order
	state    chatState
	queueGen int // ends the queue ticker of an earlier chat
	// job is the translation the event being turned into frames asks for (an operator line's
	// linet); outq holds frames that wait, in order, behind a translation, sent by the
	// drain goroutine while draining.
	job      *lineJob
	outq     []outItem
	draining bool
}

// connState is what Connect established.
type connState struct {
	connected bool
	domain    string
	site      site
	session   string
	visitorIP string
	welcome   string // the paging message
	lang      string // the site's language
	fileTypes string // the connected event's AllowedFileTypes
	// agents describe the site's operators (its connector's group, as at Connect) by user id
	// and by the name visitors see.
	agents map[int64]store.User
	byName map[string]store.User
}

// chatState follows the current chat for the events that depend on its history.
type chatState struct {
	joined   bool // an operator picked the chat up
	quit     bool // the visitor quit
	closed   bool
	position int    // last queue position, 0 when not queued
	bye      string // the closing text that came before the close
	// translate says the visitor asked for translation (Hello) into visitorLang; agentLang is
	// the language of the operator who joined (the site's until one does).
	translate   bool
	visitorLang string
	agentLang   string
}

func (e *Endpoint) open(rc *realtime.Conn) *client {
	c := &client{e: e, rc: rc, pending: map[string]kind{}}
	c.connectTimer = time.AfterFunc(e.o.ConnectTimeout, func() {
		c.mu.Lock()
		ok := c.conn.connected
		c.mu.Unlock()
		if !ok {
			rc.Close(protocol.CloseBadRequest, "no WhosOn Connect in time")
		}
	})
	return c
}

// Frame handles one WhosOn command.
func (c *client) Frame(frame []byte) {
	name, params, err := parseCommand(frame)
	if err != nil {
		c.invalid("Invalid command")
		return
	}
	if name == "connect" {
		c.connect(params)
		return
	}
	if c.core == nil {
		c.invalid("Send Connect first")
		return
	}
	switch name {
	case "hello":
		c.helloCmd(params)
	case "message":
		c.messageCmd(params)
	case "starttyping", "stoptyping":
		if c.checkSession(params, 0, -1) {
			c.inChat(&protocol.Typing{On: name == "starttyping"}, kindOther)
		}
	case "preview":
		if c.checkSession(params, 0, 1) {
			c.inChat(&protocol.Preview{Text: param(params, 2)}, kindOther)
		}
	case "quit":
		c.quitCmd(params)
	case "dynamicfield":
		if c.checkSession(params, 0, 1) {
			c.inChat(&protocol.FieldSubmit{Name: param(params, 2), Value: param(params, 3)}, kindOther)
		}
	case "postchatsurvey":
		c.surveyCmd(params)
	case "leavemessage":
		c.leaveCmd(params)
	case "getoperators":
		if c.checkSession(params, 0, 1) {
			c.native("", &protocol.OperatorsGet{}, kindOperators)
		}
	case "file":
		c.fileCmd(params)
	case "getimage":
		c.imageCmd(params)
	case "transcript":
		c.transcriptCmd(params)
	default:
		c.invalid("Unknown command")
	}
}

// Closed ends the connection's visitor session.
func (c *client) Closed() {
	c.connectTimer.Stop()
	c.mu.Lock()
	c.queueGen++
	session := c.conn.session
	c.mu.Unlock()
	c.e.delist(session, c)
	if c.core != nil {
		c.core.Closed()
	}
}

// param is the i-th parameter, "" when the client sent fewer.
func param(p []string, i int) string {
	if i < len(p) {
		return p[i]
	}
	return ""
}

// invalid answers a frame that is not a valid command and counts it against the address;
// an address over the limit is cut off.
func (c *client) invalid(msg string) {
	c.sendError(msg)
	if c.e.o.Guard.Fail(addr(c.rc), c.e.o.Now()) {
		c.rc.Close(protocol.CloseForbidden, "too many invalid WhosOn commands")
	}
}

// deny answers a refused Connect with "Access Denied" and closes the socket.
func (c *client) deny(reason string) {
	c.sendError(accessDenied)
	c.rc.Close(protocol.CloseForbidden, reason)
}

// checkSession checks a command's session id (at index s) and domain (at d, -1 for none)
// against the connection's.
func (c *client) checkSession(p []string, s, d int) bool {
	c.mu.Lock()
	cs := c.conn
	c.mu.Unlock()
	if param(p, s) != cs.session || (d >= 0 && normalDomain(param(p, d)) != cs.domain) {
		c.invalid("Invalid session")
		return false
	}
	return true
}

// connect checks the credentials and the domain, then opens the visitor session on the
// domain's connector.
func (c *client) connect(p []string) {
	o := c.e.o
	c.mu.Lock()
	already := c.conn.connected || c.core != nil
	c.mu.Unlock()
	if already {
		c.sendError("Already connected")
		return
	}
	if o.Guard.Blocked(addr(c.rc), o.Now()) {
		c.deny("address blocked after invalid attempts")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, ok, err := c.e.findSite(ctx, param(p, 0), param(p, 6), param(p, 1))
	if err != nil {
		o.Logger.Error("whoson connect", "err", err)
		c.sendError("The server cannot start a chat session now; please try again")
		c.rc.Close(protocol.CloseRetry, "directory unavailable")
		return
	}
	if !ok || len(p) < 7 {
		o.Guard.Fail(addr(c.rc), o.Now())
		c.deny("wrong WhosOn credentials or domain")
		return
	}
	visitorIP := strings.TrimSpace(param(p, 2))
	if visitorIP == "" {
		visitorIP = c.rc.IP()
	}
	cs := connState{domain: normalDomain(param(p, 1)), site: s, visitorIP: visitorIP, agents: map[int64]store.User{}, byName: map[string]store.User{}}
	if users, err := o.Directory.AgentsOfGroup(ctx, s.connector.GroupID); err == nil {
		for _, u := range users {
			cs.agents[u.ID], cs.byName[chat.DisplayName(u)] = u, u
		}
	} else {
		o.Logger.Warn("whoson: the site's operators", "err", err)
	}
	c.mu.Lock()
	c.conn = cs
	c.mu.Unlock()
	c.core = o.Chats.OpenVisitor(link{c})
	c.native("", &protocol.VisitorConnect{
		Connector: s.connector.Hash, VisitorID: param(p, 3), UserAgent: param(p, 4), Referrer: param(p, 5),
	}, kindConnect)
}

// helloCmd asks for a chat: Visitor Name, Domain, Department, Operator Name, Session ID,
// Visitor IP, Cookie Session ID, Language, Translation required, Pre-Chat Survey.
func (c *client) helloCmd(p []string) {
	if !c.checkSession(p, 4, 1) {
		return
	}
	fields, err := parseFields(param(p, 9))
	if err != nil {
		c.sendError(err.Error())
		return
	}
	c.mu.Lock()
	if c.hello || (c.chat != "" && !c.state.closed) {
		c.mu.Unlock()
		c.sendError("A chat is already in progress")
		return
	}
	c.hello = true
	lang := strings.TrimSpace(param(p, 7))
	c.chat, c.early = "", nil
	c.state = chatState{translate: c.conn.site.translation != nil && strings.EqualFold(strings.TrimSpace(param(p, 8)), "true"),
		visitorLang: protocol.BaseLang(lang), agentLang: protocol.BaseLang(c.conn.lang)}
	c.queueGen++
	c.mu.Unlock()
	// WhosOn has no consent step for previews: a client sends them only where the connector
	// shows them (OperatorPreview), and telling its visitor is that client's part.
	c.native("", &protocol.ChatRequest{
		Name: strings.TrimSpace(param(p, 0)), Department: strings.TrimSpace(param(p, 2)), Operator: strings.TrimSpace(param(p, 3)),
		Lang: lang, Fields: fields, PreviewConsent: true, Translate: strings.EqualFold(strings.TrimSpace(param(p, 8)), "true"),
	}, kindHello)
}

// messageCmd sends a visitor line: Session ID, Domain, Line Text (at most 4,000 characters).
func (c *client) messageCmd(p []string) {
	if !c.checkSession(p, 0, 1) {
		return
	}
	text := param(p, 2)
	if n := utf8.RuneCountInString(text); n > limits.MessageRunes {
		c.sendError("The message is too long: at most " + strconv.Itoa(limits.MessageRunes) + " characters")
		return
	}
	line, original := splitOriginal(text)
	if strings.TrimSpace(line) == "" {
		c.sendError("The message is empty")
		return
	}
	c.inChat(&protocol.Send{Text: c.forAgent(line, original)}, kindOther)
}

// quitCmd ends the chat from the visitor's side: Session ID, Domain.
func (c *client) quitCmd(p []string) {
	if !c.checkSession(p, 0, 1) {
		return
	}
	c.mu.Lock()
	chatID, open := c.chat, c.chat != "" && !c.state.closed
	if open {
		c.state.quit = true
	}
	c.mu.Unlock()
	if open {
		c.native(chatID, &protocol.Close{}, kindOther)
	}
}

// surveyCmd sends the post-chat survey: Chat Uid, Session ID, Domain, Visitor IP, XML.
func (c *client) surveyCmd(p []string) {
	uid, ok := c.namedChat(p)
	if !ok {
		return
	}
	fields, err := parseFields(param(p, 4))
	if err != nil {
		c.sendError(err.Error())
		return
	}
	c.native(uid, &protocol.SurveySubmit{Fields: fields}, kindSurvey)
}

// leaveCmd leaves a message: Chat Uid, Session ID, Domain, Visitor IP, Name, Department,
// Email, Phone, Message. Chat Uid may be blank.
func (c *client) leaveCmd(p []string) {
	if !c.checkSession(p, 1, 2) {
		return
	}
	uid := param(p, 0)
	if uid != "" && !c.ownChat(uid) {
		c.sendError("Unknown chat")
		return
	}
	c.native(uid, &protocol.LeaveMessage{Name: param(p, 4), Department: param(p, 5), Email: param(p, 6), Phone: param(p, 7), Text: param(p, 8)}, kindOther)
}

// namedChat checks a command that starts Chat Uid, Session ID, Domain: the session and domain
// must be the connection's and the chat one of its chats, or the client hears why not.
func (c *client) namedChat(p []string) (uid string, ok bool) {
	if !c.checkSession(p, 1, 2) {
		return "", false
	}
	uid = param(p, 0)
	if !c.ownChat(uid) {
		c.sendError("Unknown chat")
		return "", false
	}
	return uid, true
}

// ownChat reports whether a chat uid is one of the connection's chats.
func (c *client) ownChat(uid string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range c.chats {
		if id == uid {
			return true
		}
	}
	return false
}

// inChat sends a command about the current chat, or an error when there is none.
func (c *client) inChat(body protocol.CommandBody, k kind) {
	c.mu.Lock()
	chatID := c.chat
	c.mu.Unlock()
	if chatID == "" {
		c.sendError("No chat in progress")
		return
	}
	c.native(chatID, body, k)
}

// native hands the chat service a command, under a fresh id: ids are never reused, so that a
// returning visitor's Hello is a new request, never the replay of an earlier one.
func (c *client) native(chatID string, body protocol.CommandBody, k kind) {
	id := "w" + token.New(12)
	frame, err := protocol.EncodeCommand(protocol.Command{ID: id, Chat: chatID, Body: body})
	if err != nil {
		c.e.o.Logger.Error("whoson: encode command", "err", err)
		c.sendError("The command could not be carried out")
		return
	}
	c.mu.Lock()
	c.pending[id] = k
	c.mu.Unlock()
	c.core.Frame(frame)
}

// uid is the ChatUid of the connection's events: the current chat, null before one. Caller
// holds c.mu.
func (c *client) uid() *string {
	if c.chat == "" {
		return nil
	}
	u := c.chat
	return &u
}

// sendError sends an error event.
func (c *client) sendError(msg string) {
	c.mu.Lock()
	u := c.uid()
	c.mu.Unlock()
	c.rc.Send(encode("error", u, msg))
}
