// Package chat is the visitor widget's state logic, free of any browser code: a model that
// takes protocol events, socket changes, the visitor's actions and clock ticks, and gives the
// view state to draw and the commands to send. Keeping it pure lets it be tested natively and
// under GOOS=js GOARCH=wasm with a fake clock, and keeps the DOM layer a thin renderer.
//
// It owns the lossless parts of the protocol on the client side: durable commands wait in an
// outbox until acknowledged and are re-sent with their original ids after a reconnect, and
// the chat id, resume token and last sequence number survive a page reload through
// [Model.Snapshot] and [Restore], so the next page resumes with everything after that number.
package chat

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/shared/texts"
	"github.com/parleychat/parley/widget/uitext"
	"github.com/parleychat/parley/widget/wire"
)

// Timing of the transient signals. Typing stops after TypingIdle without a keystroke;
// previews go out at most once per PreviewEvery, the last one always.
const (
	TypingIdle   = 4 * time.Second
	PreviewEvery = time.Second
	// resumeRetry is how long to wait before asking again when a resume failed on the server.
	resumeRetry = 3 * time.Second
)

// Phase is where the visitor is in their journey; the view shows one screen per phase.
type Phase uint8

// The phases.
const (
	// PhaseLoading: not connected yet, nothing known about the connector.
	PhaseLoading Phase = iota
	// PhaseForm: the pre-chat form (name, question, the connector's pre-chat survey).
	PhaseForm
	// PhaseOffline: the connector is closed or out of service; no chat can start.
	PhaseOffline
	// PhaseRequesting: the chat request is on its way.
	PhaseRequesting
	// PhaseQueued: waiting for an agent.
	PhaseQueued
	// PhaseActive: an agent handles the chat.
	PhaseActive
	// PhaseClosed: the chat ended; the transcript stays, a new chat may start.
	PhaseClosed
	// PhaseRefused: the server refused this widget (unknown connector, origin not allowed).
	PhaseRefused
)

var phaseNames = [...]string{"loading", "form", "offline", "requesting", "queued", "active", "closed", "refused"}

// String names the phase, as stored and as exposed to the page.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// InChat reports whether a chat exists or is being requested.
func (p Phase) InChat() bool { return p == PhaseRequesting || p == PhaseQueued || p == PhaseActive }

// Conn is the state of the connection to the server.
type Conn uint8

// The connection states.
const (
	// ConnDown: not connected (before the first attempt, or between attempts).
	ConnDown Conn = iota
	// ConnUp: the socket is open.
	ConnUp
	// ConnRetrying: the socket was lost and the widget is reconnecting.
	ConnRetrying
	// ConnStopped: the server said not to reconnect.
	ConnStopped
)

// ItemKind says who a transcript line is from.
type ItemKind uint8

// The transcript line kinds.
const (
	ItemVisitor ItemKind = iota
	ItemAgent
	// ItemSystem: a server line (welcome, bye, waiting), shown centred.
	ItemSystem
	// ItemNotice: a line the widget adds (agent joined or left), shown small.
	ItemNotice
)

// Item is one line of the transcript.
type Item struct {
	// ID is stable for the line's life, so the view can update it in place: the command id for
	// the visitor's own lines, "s<seq>" for lines from the server, "n<k>" for notices.
	ID   string
	Seq  uint64
	Kind ItemKind
	Name string
	Text string
	// Key names the resource a system line came from ("bye", "welcomeMessage").
	Key string
	At  time.Time
	// Pending: sent, not yet acknowledged. Failed: the server refused it.
	Pending bool
	Failed  bool
	// File is the file the line shares; its URL is empty while it is being uploaded.
	File *protocol.File
	// Upload says where the visitor's upload of File stands.
	Upload UploadState
	// Original is what the agent wrote when Text is its translation into the visitor's
	// language (translation.go).
	Original string
}

// Config is what the page and the loader tell the widget.
type Config struct {
	// Connector is the connector's public hash.
	Connector string
	// Lang is the visitor's language (configured, or negotiated from the browser).
	Lang                      string
	Page, Referrer, UserAgent string
	TZOffset                  int
	// VisitorID identifies this browser across pages and reconnects (WhosOn's visitor cookie),
	// so that a chat request repeated after a lost answer opens no second chat.
	VisitorID string
	// PData is identity data (jtel pdata: name, email, ...); UData free data (jtel udata).
	PData, UData map[string]string
	// HideAgentName and ShowWaitTime override the connector's widget options when set.
	HideAgentName, ShowWaitTime *bool
	// Texts override interface and connector texts ("key", "key#lang").
	Texts map[string]string
	// IDPrefix makes command ids unique across page loads; a random string per load.
	IDPrefix string
	// Mask matches survey answers against their fields' masks. The widget passes the
	// browser's RegExp, which costs nothing, where Go's regexp package would add about 100 KB;
	// nil skips mask checks, which the server makes anyway.
	Mask survey.MaskFunc
	// Embed is what the embedding page asks beyond the connector's settings; zero asks nothing.
	Embed EmbedOptions
}

// outCmd is a durable command waiting for its answer.
type outCmd struct {
	cmd protocol.Command
	// sent is true once it went out on the current connection.
	sent bool
	// busy counts the server's "busy" answers to it in a row; retryAt, when set, is when it
	// goes out again (see busyRetry).
	busy    int
	retryAt time.Time
}

// busyRetry paces a command the server answered with "busy" (it is catching up on writes, a
// node of its cluster took over the chat): the same command, under the same id, goes out
// again after 1, 2, 4 … seconds, at most 15, and stays "sending" meanwhile instead of failing.
// The commands queued behind it wait for it, so that the visitor's lines keep their order.
var busyRetry = backoff.Policy{Initial: time.Second, Max: backoff.Max}

// Model is the widget's whole state. Fields are read by the view; they change only through
// the methods, which the single UI goroutine calls.
type Model struct {
	cfg Config

	// Session, kept across reloads.
	Chat    string
	Token   string
	LastSeq uint64
	Name    string
	Email   string // given with the chat request, for a message left after it
	Items   []Item
	outbox  []outCmd

	// Phase is the screen to show; Conn the connection; Cause why a closed chat ended.
	Phase Phase
	Conn  Conn
	Cause protocol.Cause
	// Info is the connector as the server described it; nil before connecting.
	Info *protocol.Connected
	// ChatLang is the language the visitor picked to chat in (translation.go); "" for the
	// widget's own.
	ChatLang string
	// Queue is the latest queue place, zero Position when unknown.
	Queue protocol.Queue
	// Agent is the agent's display name, "" when unknown or hidden.
	Agent string
	// AgentJoined says an agent is in the chat (named or not).
	AgentJoined bool
	// AgentTyping says the agent is typing now.
	AgentTyping bool
	// Unread counts agent lines that arrived while the widget was hidden.
	Unread int
	// Visible says the visitor can see the chat panel.
	Visible bool
	// ConfirmingClose says the "end this chat?" question is shown.
	ConfirmingClose bool
	// Notice is a uitext key of a problem to show (request failed, session expired); "" none.
	Notice string
	// FileNotice explains, in the visitor's language, why the file just picked was refused;
	// "" none.
	FileNotice string
	// FieldError is a uitext key for the pre-chat form.
	FieldError string
	// RefusedKey is the uitext key explaining a refusal.
	RefusedKey string
	// Post is the state of the ended chat's post-chat survey.
	Post PostState
	// endedAt is when a tick first saw the chat endedChat ended, for EmbedOptions.NewChatAfter.
	endedAt   time.Time
	endedChat string
	// Invalid says, by field name, why answers of the survey form shown were refused (see
	// FieldMessage); nil when nothing was refused.
	Invalid map[string]survey.Code
	// FileAsk is the agent's open request for a file (fileask.go), or nil.
	FileAsk *protocol.FileRequest
	// Asks are the fields the agent asked the visitor to fill in; the first one is shown.
	Asks       []protocol.SurveyField
	askSending string

	// The visitor's request for the transcript by e-mail (transcript.go).
	transcriptState

	// Leave is where the visitor is with leaving a message (leave.go).
	Leave LeaveState
	// LeaveErrs says, by field (LeaveName, ...), why the leave-a-message form was refused:
	// the message to show next to the field, "" for a field marked without one of its own.
	LeaveErrs map[string]string
	// LeaveError is shown at the top of the form: a problem of the whole form, or a summary
	// of the refused fields; "" none.
	LeaveError string
	// leaveCmd is the leave.message waiting for its answer; leaveSent says it went out on the
	// current connection.
	leaveCmd  *protocol.Command
	leaveSent bool

	// DetailsDue says a write-first chat still waits for the visitor's details (writefirst.go).
	DetailsDue bool
	// PreviewOff says the visitor turned the sneak peek off (peek.go).
	PreviewOff bool
	// waitAnyway says the visitor chose to queue despite a long wait; polledAt is when the
	// estimate was last asked for (longwait.go).
	waitAnyway bool
	polledAt   time.Time

	hideAgent, showWait bool
	connectID, resumeID string
	ready               bool
	resumeAt            time.Time
	// held are durable events that came after a gap, in sequence order, waiting for the
	// replay that fills it (sequence.go).
	held []protocol.Event
	// logs are diagnostics for the browser's console, taken by Logs.
	logs          []string
	seqCounter    int
	noticeCounter int

	typingOn      bool
	lastKey       time.Time
	draft         string
	lastPreview   string
	lastPreviewAt time.Time
	previewDue    bool

	out     []protocol.Command
	uploads []string
}

// New makes a model for a page load with no stored session.
func New(cfg Config) *Model {
	m := &Model{cfg: cfg, showWait: true}
	m.applyOptions(nil)
	return m
}

// Texts returns the text lookup for the current language and connector.
func (m *Model) Texts() uitext.Texts {
	t := uitext.Texts{Lang: m.cfg.Lang, Overrides: m.cfg.Texts}
	if m.Info != nil {
		t.Connector = m.Info.Texts
		if m.Info.Lang != "" && m.cfg.Lang == "" {
			t.Lang = m.Info.Lang
		}
	}
	return t
}

// Config returns the configuration the model was made with.
func (m *Model) Config() Config { return m.cfg }

// HideAgentName reports whether agent names are hidden from the visitor.
func (m *Model) HideAgentName() bool { return m.hideAgent }

// ShowWaitTime reports whether estimated wait times are shown.
func (m *Model) ShowWaitTime() bool { return m.showWait }

// MaxMessage is the longest message the visitor may send, in characters.
func (m *Model) MaxMessage() int {
	if m.Info != nil && m.Info.MaxMessage > 0 && m.Info.MaxMessage < limits.MessageRunes {
		return m.Info.MaxMessage
	}
	return limits.MessageRunes
}

// nextID returns a new command id.
func (m *Model) nextID() string {
	m.seqCounter++
	return m.cfg.IDPrefix + "-" + strconv.Itoa(m.seqCounter)
}

// lineID is the command id of a line or file the visitor sends: it starts with the time
// (protocol.TimeID), so that the server's index of lines by command id takes the lines of many
// chats side by side instead of a page for each chat.
func (m *Model) lineID(now time.Time) string {
	return protocol.TimeID(now) + "-" + m.nextID()
}

// push queues a transient command for sending now, if the connection is ready for it.
func (m *Model) push(c protocol.Command) {
	if m.Conn == ConnUp && m.ready {
		m.out = append(m.out, c)
	}
}

// enqueue puts a durable command into the outbox; it goes out as soon as it can.
func (m *Model) enqueue(c protocol.Command) {
	m.outbox = append(m.outbox, outCmd{cmd: c})
	m.flush()
}

// flush sends what the outbox can send on a ready connection. Commands about the chat wait
// while the chat id is not known yet (a message typed while the request is on its way).
func (m *Model) flush() {
	if m.Conn != ConnUp || !m.ready {
		return
	}
	m.flushLeave()
	for i := range m.outbox {
		o := &m.outbox[i]
		if !o.retryAt.IsZero() {
			break // it and what follows wait for its retry (Tick)
		}
		if o.sent {
			continue
		}
		if _, isReq := o.cmd.Body.(*protocol.ChatRequest); !isReq {
			if m.Chat == "" {
				continue
			}
			o.cmd.Chat = m.Chat
		}
		o.sent = true
		m.out = append(m.out, o.cmd)
	}
}

// Outgoing returns the commands to send now, in order, and forgets them.
func (m *Model) Outgoing() []protocol.Command {
	out := m.out
	m.out = nil
	return out
}

// Pending reports how many durable commands wait for an answer.
func (m *Model) Pending() int { return len(m.outbox) }

// SocketOpened is called when the WebSocket opens: the widget introduces itself.
func (m *Model) SocketOpened(now time.Time) {
	m.Conn = ConnUp
	m.ready = false
	m.connectID = m.nextID()
	m.out = append(m.out[:0], protocol.Command{ID: m.connectID, Body: &protocol.VisitorConnect{
		Connector: m.cfg.Connector, Lang: m.cfg.Lang, Page: m.cfg.Page, Referrer: m.cfg.Referrer,
		UserAgent: m.cfg.UserAgent, TZOffset: m.cfg.TZOffset, VisitorID: m.cfg.VisitorID,
	}})
}

// SocketClosed is called when the WebSocket closes with a close code (0 when unknown). It
// reports whether to reconnect.
func (m *Model) SocketClosed(code int, now time.Time) bool {
	m.ready = false
	m.typingOn = false
	m.AgentTyping = false
	m.out = nil
	for i := range m.outbox {
		m.outbox[i].sent = false
	}
	m.leaveSent = false
	if m.Conn == ConnStopped || m.Phase == PhaseRefused {
		m.Conn = ConnStopped
		return false
	}
	if code >= 4500 && code < 5000 {
		m.stop(protocol.CloseCode(code))
		return false
	}
	m.Conn = ConnRetrying
	return true
}

// stop ends the connection for good after a terminal close code.
func (m *Model) stop(code protocol.CloseCode) {
	m.Conn = ConnStopped
	switch code {
	case protocol.CloseUnknownConnector:
		m.refuse(uitext.OriginRefused)
	case protocol.CloseReplaced:
		// Another tab took the chat over; this one just stops.
	default:
		m.Notice = uitext.ErrorOccurred
	}
}

func (m *Model) refuse(key string) {
	m.Phase = PhaseRefused
	m.RefusedKey = key
	m.Conn = ConnStopped
}

// applyOptions merges the connector's widget options (JSON object, may be nil) with the page's.
func (m *Model) applyOptions(raw []byte) {
	m.hideAgent, m.showWait = false, true
	if len(raw) > 0 {
		if v, err := wire.Parse(string(raw)); err == nil {
			if h := v.Get("hide_agent_name"); h.Kind() == wire.KindBool {
				m.hideAgent = h.Bool()
			}
			if s := v.Get("show_wait_time"); s.Kind() == wire.KindBool {
				m.showWait = s.Bool()
			}
		}
	}
	if m.cfg.HideAgentName != nil {
		m.hideAgent = *m.cfg.HideAgentName
	}
	if m.cfg.ShowWaitTime != nil {
		m.showWait = *m.cfg.ShowWaitTime
	}
}

// Handle applies one event from the server.
func (m *Model) Handle(ev protocol.Event, now time.Time) {
	switch b := ev.Body.(type) {
	case *protocol.Connected:
		m.connected(b)
	case *protocol.Config:
		m.reconfigured(b)
	case *protocol.Ack:
		m.ack(ev.ID, b, now)
	case *protocol.Error:
		m.fail(ev.ID, b, now)
	case *protocol.Disconnect:
		if !b.Reconnect && !b.Code.Reconnect() {
			m.stop(b.Code)
		}
	case *protocol.Queue:
		if m.forThisChat(ev) {
			m.Queue = *b
		}
	case *protocol.TypingEvent:
		if m.forThisChat(ev) && b.Role == protocol.RoleAgent {
			m.AgentTyping = b.On
			if b.Name != "" && !m.hideAgent {
				m.Agent = b.Name
			}
		}
	case *protocol.QueueInfo:
		m.queueInfo(b)
	case *protocol.ChatInfo:
		if m.forThisChat(ev) && b.State == protocol.StateQueued {
			m.Queue.Position, m.Queue.EstimatedWait = b.Position, b.EstimatedWait
		}
	case *protocol.FieldRequest:
		if m.forThisChat(ev) && m.Phase.InChat() && b.Field.Name != "" {
			m.ask(b.Field)
		}
	default:
		if ev.Seq > 0 {
			m.durable(ev, now)
		}
	}
}

// forThisChat reports whether a chat event belongs to the current chat.
func (m *Model) forThisChat(ev protocol.Event) bool {
	return m.Chat != "" && (ev.Chat == "" || ev.Chat == m.Chat)
}

func (m *Model) connected(c *protocol.Connected) {
	tight := m.cfg.Embed.Limits.Tighten(*c)
	m.Info = &tight
	m.applyOptions(c.Widget)
	if m.Phase == PhaseRefused {
		return
	}
	if m.Chat != "" && m.Token != "" && (m.Phase != PhaseClosed || m.waitsForChat()) {
		// An ended chat is resumed only to deliver what waits for it (the post-chat survey).
		m.resume()
		return
	}
	m.ready = true
	if m.Phase == PhaseLoading || m.Phase == PhaseForm || (m.Phase == PhaseOffline && m.Leave != LeaveSending) {
		// A message on its way keeps its screen until it is answered.
		m.Phase = m.idlePhase()
	}
	m.flush()
}

// reconfigured takes the connector's settings changed while connected (texts, survey fields,
// file rules, options, opening): what the visitor sees next follows them.
func (m *Model) reconfigured(c *protocol.Config) {
	if m.Info == nil {
		return
	}
	info := m.cfg.Embed.Limits.Tighten(c.Connected)
	info.Session = m.Info.Session
	m.Info = &info
	m.applyOptions(info.Widget)
	if m.ready && m.Chat == "" && (m.Phase == PhaseForm || m.Phase == PhaseOffline) {
		m.Phase = m.idlePhase()
	}
}

// waitsForChat reports whether a command about the chat waits in the outbox.
func (m *Model) waitsForChat() bool {
	for _, o := range m.outbox {
		if _, isReq := o.cmd.Body.(*protocol.ChatRequest); !isReq {
			return true
		}
	}
	return false
}

// idlePhase is the screen without a chat: the form when the connector is open.
func (m *Model) idlePhase() Phase {
	if m.Info != nil && !m.Info.Open {
		return PhaseOffline
	}
	return PhaseForm
}

// resume asks for every durable event after the last one seen.
func (m *Model) resume() {
	m.resumeID = m.nextID()
	m.resumeAt = time.Time{}
	// The resume goes out before anything in the outbox, which waits for its ack.
	m.out = append(m.out, protocol.Command{ID: m.resumeID, Chat: m.Chat, Body: &protocol.Resume{Token: m.Token, After: m.LastSeq}})
}

func (m *Model) ack(id string, a *protocol.Ack, now time.Time) {
	if id == "" {
		return
	}
	if id == m.resumeID {
		m.resumeID = ""
		m.resumed(a.Seq, now)
		m.ready = true
		m.flush()
		return
	}
	if m.leaveAnswered(id, nil, now) {
		return
	}
	i := m.outboxIndex(id)
	if i < 0 {
		return
	}
	o := m.outbox[i]
	m.outbox = append(m.outbox[:i], m.outbox[i+1:]...)
	switch o.cmd.Body.(type) {
	case *protocol.ChatRequest:
		if a.Chat != "" {
			m.Chat = a.Chat
		}
		if a.Token != "" {
			m.Token = a.Token
		}
		if m.Phase == PhaseRequesting {
			m.Phase = PhaseQueued
		}
		if req := o.cmd.Body.(*protocol.ChatRequest); req.PreviewConsent != m.PreviewOn() {
			m.tellConsent() // the visitor changed their mind while the request was on its way
		}
		m.flush()
	case *protocol.DetailsSubmit:
		m.detailsAcked(o.cmd.Body.(*protocol.DetailsSubmit))
	case *protocol.SurveySubmit:
		m.surveyAcked(now)
	case *protocol.TranscriptRequest:
		m.transcriptAnswered(nil)
	case *protocol.FieldSubmit:
		m.answered(o.cmd.Body.(*protocol.FieldSubmit).Name, now)
	case *protocol.Send, *protocol.FileSend:
		if it := m.item(id); it != nil {
			it.Pending = false
			if it.Seq == 0 {
				it.Seq = a.Seq
			}
		}
	}
}

func (m *Model) outboxIndex(id string) int {
	for i, o := range m.outbox {
		if o.cmd.ID == id {
			return i
		}
	}
	return -1
}

// item returns the transcript line with the given id.
func (m *Model) item(id string) *Item {
	for i := len(m.Items) - 1; i >= 0; i-- {
		if m.Items[i].ID == id {
			return &m.Items[i]
		}
	}
	return nil
}

func (m *Model) fail(id string, e *protocol.Error, now time.Time) {
	switch {
	case id != "" && id == m.connectID:
		switch e.Code {
		case protocol.CodeNotFound:
			m.refuse(uitext.UnknownConnector)
		case protocol.CodeForbidden, protocol.CodeUnauthorized:
			m.refuse(uitext.OriginRefused)
		case protocol.CodeOutOfService:
			m.Phase = PhaseOffline
		default:
			m.Notice = uitext.ErrorOccurred
		}
		return
	case id != "" && id == m.resumeID:
		m.resumeID = ""
		switch e.Code {
		case protocol.CodeInternal, protocol.CodeRateLimited:
			m.resumeAt = now.Add(resumeRetry)
		default:
			if m.Phase == PhaseClosed {
				// An ended chat that cannot be reached any more: what waited for it is given
				// up, the transcript stays.
				m.outbox, m.held = nil, nil
				if m.Post == PostSending {
					m.Post = PostSkipped
				}
				m.ready = true
				return
			}
			// The chat is gone (ended long ago, token expired): start afresh.
			m.reset()
			m.Notice = uitext.SessionExpired
			m.ready = true
			m.Phase = m.idlePhase()
			m.flush()
		}
		return
	}
	if id != "" && m.leaveAnswered(id, e, now) {
		return
	}
	i := m.outboxIndex(id)
	if i < 0 {
		return
	}
	o := m.outbox[i]
	if e.Code == protocol.CodeInternal {
		// The server may retry it with the same id; send it again on the next connection.
		return
	}
	if e.Code == protocol.CodeBusy {
		b := &m.outbox[i]
		b.busy++
		b.sent, b.retryAt = false, now.Add(busyRetry.Delay(b.busy, 0))
		return
	}
	m.outbox = append(m.outbox[:i], m.outbox[i+1:]...)
	switch o.cmd.Body.(type) {
	case *protocol.ChatRequest:
		if e.Code == protocol.CodeOutOfService {
			m.Phase = PhaseOffline
			return
		}
		m.Phase = PhaseForm
		switch {
		case e.Field == "name":
			m.FieldError = uitext.NameRequired
		case m.refusedByServer(e, m.PreChat(), o.cmd.Body.(*protocol.ChatRequest).Fields):
		default:
			m.Notice = uitext.ErrorRequesting
		}
	case *protocol.DetailsSubmit:
		m.detailsRefused(e, o.cmd.Body.(*protocol.DetailsSubmit))
	case *protocol.SurveySubmit:
		m.Post = PostOpen
		if !m.refusedByServer(e, m.PostChat(), o.cmd.Body.(*protocol.SurveySubmit).Fields) {
			m.Notice = uitext.ErrorOccurred
		}
	case *protocol.TranscriptRequest:
		m.transcriptAnswered(e)
	case *protocol.FieldSubmit:
		m.askSending = ""
		b := o.cmd.Body.(*protocol.FieldSubmit)
		refused := e.Code == protocol.CodeInvalid || e.Code == protocol.CodeTooLarge
		if !refused || !m.refusedByServer(&protocol.Error{Field: "fields." + b.Name}, m.Asks, map[string]string{b.Name: b.Value}) {
			m.Notice = uitext.ErrorOccurred
		}
	case *protocol.Send, *protocol.FileSend:
		if it := m.item(id); it != nil {
			it.Pending, it.Failed = false, true
		}
	}
}

// durable applies an event of the chat's history, once and in order: an event already applied
// is dropped, one after a gap waits in held for the replay that fills the gap (sequence.go).
func (m *Model) durable(ev protocol.Event, now time.Time) {
	if m.Chat == "" && m.Phase == PhaseRequesting && ev.Chat != "" {
		// The chat's first events may overtake the request's ack.
		m.Chat = ev.Chat
	}
	if m.Chat == "" || (ev.Chat != "" && ev.Chat != m.Chat) {
		return
	}
	if ev.Seq <= m.LastSeq {
		return // already applied (a replay overlapping what we had)
	}
	if ev.Seq > m.LastSeq+1 {
		if m.Token != "" && m.LastSeq > 0 {
			// A gap: something was missed. Keep this event and ask for what came before it.
			m.gap(ev)
			return
		}
		// Nothing to resume with yet (the request's answer has not come): take it as it is.
		m.logHole(m.LastSeq+1, ev.Seq-1)
	}
	m.apply(ev, now)
	m.applyHeld(now)
}

// apply applies a durable event that follows the last one applied.
func (m *Model) apply(ev protocol.Event, now time.Time) {
	m.LastSeq = ev.Seq
	switch b := ev.Body.(type) {
	case *protocol.Message:
		m.message(ev.Seq, b)
		if b.Role == protocol.RoleVisitor && b.File != nil {
			m.FileAsk = nil // answered
		}
	case *protocol.FileRequest:
		m.FileAsk = b
	case *protocol.Joined:
		if b.Role != protocol.RoleAgent {
			return
		}
		m.AgentJoined = true
		if !m.hideAgent {
			m.Agent = b.Name
		}
		if m.Phase == PhaseQueued || m.Phase == PhaseRequesting {
			m.Phase = PhaseActive
		}
		m.notice(m.agentText(uitext.NamedAgentJoined, uitext.AnonymousAgent, b.Name), now)
	case *protocol.Left:
		if b.Role != protocol.RoleAgent {
			return
		}
		m.AgentTyping = false
		m.notice(m.agentText(uitext.NamedAgentLeft, uitext.AnonymousLeft, b.Name), now)
	case *protocol.ChatState:
		switch b.State {
		case protocol.StateQueued:
			if m.Phase != PhaseClosed {
				m.Phase = PhaseQueued
			}
		case protocol.StateActive:
			m.Phase = PhaseActive
		case protocol.StateClosed:
			m.closed(b.Cause, now)
		}
	}
}

// agentText picks the named or anonymous variant of a notice.
func (m *Model) agentText(named, anonymous, name string) string {
	t := m.Texts()
	if m.hideAgent || name == "" {
		return t.Get(anonymous)
	}
	return uitext.Fill(t.Get(named), "agent", name)
}

func (m *Model) notice(text string, now time.Time) {
	m.noticeCounter++
	m.Items = append(m.Items, Item{ID: "n" + strconv.Itoa(m.noticeCounter) + "-" + m.cfg.IDPrefix, Kind: ItemNotice, Text: text, At: now})
}

func (m *Model) message(seq uint64, b *protocol.Message) {
	if b.File != nil {
		b = shownFile(b)
	}
	switch b.Role {
	case protocol.RoleVisitor:
		if b.HideLocal {
			return
		}
		if it := m.ownLine(b); it != nil {
			it.Seq, it.Pending, it.Failed, it.Text, it.Upload = seq, false, false, b.Text, UploadNone
			if b.File != nil {
				it.File = b.File
			}
			if !b.At.IsZero() {
				it.At = b.At
			}
			if i := m.outboxIndex(it.ID); i >= 0 {
				m.outbox = append(m.outbox[:i], m.outbox[i+1:]...)
			}
			return
		}
		name := b.Name
		if name == "" {
			name = m.Name
		}
		m.Items = append(m.Items, Item{ID: "s" + strconv.FormatUint(seq, 10), Seq: seq, Kind: ItemVisitor, Name: name, Text: b.Text, File: b.File, At: b.At})
	case protocol.RoleAgent:
		m.AgentTyping = false
		name := b.Name
		if m.hideAgent {
			name = ""
		} else if name != "" {
			m.Agent = name
		}
		if m.Phase == PhaseQueued {
			m.Phase = PhaseActive
		}
		text, original := m.readTranslated(b)
		m.Items = append(m.Items, Item{ID: "s" + strconv.FormatUint(seq, 10), Seq: seq, Kind: ItemAgent, Name: name, Text: text, Original: original, File: b.File, At: b.At})
		if !m.Visible {
			m.Unread++
		}
	default:
		m.Items = append(m.Items, Item{ID: "s" + strconv.FormatUint(seq, 10), Seq: seq, Kind: ItemSystem, Key: b.Key, Text: b.Text, At: b.At})
	}
}

// ownLine finds the line a visitor's message event confirms: by the id of the command that sent
// it, or for a file by its URL (a line whose file.send is still unconfirmed).
func (m *Model) ownLine(b *protocol.Message) *Item {
	if b.ClientID != "" {
		if it := m.item(b.ClientID); it != nil {
			return it
		}
	}
	if b.File != nil && b.File.URL != "" {
		for i := len(m.Items) - 1; i >= 0; i-- {
			if it := &m.Items[i]; it.Seq == 0 && it.File != nil && it.File.URL == b.File.URL {
				return it
			}
		}
	}
	return nil
}

// closed ends the chat. The server writes the goodbye text (bye, byeNoAgent, outOfService)
// as a system line just before; if it did not, the widget adds it, so the visitor always
// learns why the chat ended.
func (m *Model) closed(cause protocol.Cause, now time.Time) {
	m.Phase = PhaseClosed
	m.Cause = cause
	m.AgentTyping = false
	m.ConfirmingClose = false
	m.typingOn = false
	m.Queue = protocol.Queue{}
	m.Asks, m.askSending, m.Invalid = nil, "", nil
	m.DetailsDue = false
	m.uploads = nil
	for i := range m.Items {
		if it := &m.Items[i]; it.Upload == Uploading {
			// Too late for the chat; its answer, when it comes, is ignored.
			it.Upload, it.Pending, it.Failed = UploadFailed, false, true
		}
	}
	kept := m.outbox[:0]
	for _, o := range m.outbox {
		switch o.cmd.Body.(type) {
		case *protocol.Send, *protocol.FileSend:
			if it := m.item(o.cmd.ID); it != nil && it.Pending {
				it.Pending, it.Failed = false, true
			}
			continue
		case *protocol.Close, *protocol.FieldSubmit, *protocol.DetailsSubmit:
			continue
		}
		kept = append(kept, o)
	}
	m.outbox = kept
	m.openPostChat()
	if n := len(m.Items); n > 0 && m.Items[n-1].Kind == ItemSystem {
		return
	}
	key := texts.Bye
	switch cause {
	case protocol.CauseNoAgent:
		key = texts.ByeNoAgent
	case protocol.CauseOutOfService:
		key = texts.OutOfService
	}
	m.noticeCounter++
	m.Items = append(m.Items, Item{ID: "n" + strconv.Itoa(m.noticeCounter) + "-" + m.cfg.IDPrefix, Kind: ItemSystem, Key: key, Text: m.Texts().Get(key), At: now})
}

// reset forgets the chat, keeping the visitor's name for the next one.
func (m *Model) reset() {
	m.Chat, m.Token, m.LastSeq = "", "", 0
	m.Items = nil
	m.outbox = nil
	m.Agent, m.AgentJoined, m.AgentTyping = "", false, false
	m.Queue = protocol.Queue{}
	m.Cause = ""
	m.ConfirmingClose = false
	m.resumeID, m.resumeAt, m.held = "", time.Time{}, nil
	m.typingOn, m.draft, m.lastPreview, m.previewDue = false, "", "", false
	m.Post, m.Invalid, m.Asks, m.askSending = PostNone, nil, nil, ""
	m.DetailsDue = false
	m.transcriptState = transcriptState{}
	m.uploads, m.FileNotice = nil, ""
	if m.Leave != LeaveSending {
		m.Leave, m.LeaveErrs, m.LeaveError = LeaveNone, nil, ""
	}
}

// StartChat requests a chat with the visitor's name (required), optional question and
// e-mail, and the answers to the pre-chat survey by field name ([Model.PreChat]; a name-type
// field's answer is the name, and an e-mail field's the e-mail when none is given). It reports
// whether the request was accepted for sending; when not, FieldError names the problem with
// the name or the question and Invalid the refused survey answers, all of them at once.
func (m *Model) StartChat(name, question, email string, answers map[string]string) bool {
	name = strings.TrimSpace(name)
	question = strings.TrimSpace(question)
	m.Notice, m.FieldError, m.Invalid = "", "", nil
	if m.Phase != PhaseForm {
		return false
	}
	fields := m.PreChat()
	nameAt := nameField(fields)
	if name == "" {
		name = m.PageName()
	}
	if nameAt < 0 && name == "" {
		m.FieldError = uitext.NameRequired
	} else if n := utf8.RuneCountInString(question); n > m.MaxMessage() {
		m.FieldError = uitext.MessageTooLong
	}
	norm, err := m.checker().CheckAll(fields, answers)
	if err != nil {
		m.setInvalid(err)
	}
	if m.FieldError != "" || err != nil {
		return false
	}
	name, email = answeredIdentity(fields, norm, name, strings.TrimSpace(email))
	m.reset()
	m.Name = name
	req := &protocol.ChatRequest{Name: name, Email: email, Lang: m.chatLang(), Question: question, UData: m.fitData("udata", m.cfg.UData),
		PreviewConsent: m.PreviewOn()}
	if len(norm) > 0 {
		req.Fields = norm
	}
	if len(m.cfg.PData) > 0 {
		req.PData = m.fitData("pdata", m.cfg.PData)
		if e := req.PData["email"]; req.Email == "" && utf8.RuneCountInString(e) <= limits.EmailRunes {
			req.Email = e
		}
	}
	m.Email = req.Email
	m.Phase = PhaseRequesting
	m.enqueue(protocol.Command{ID: m.nextID(), Body: req})
	return true
}

// Send sends a message. hideLocal sends it to the agent without showing it here (MiCC
// postMessage). It reports whether the message was taken; a too long or empty one is not.
func (m *Model) Send(text string, hideLocal bool, now time.Time) bool {
	text = strings.TrimSpace(text)
	m.Notice, m.FileNotice = "", ""
	if text == "" || !m.Phase.InChat() {
		return false
	}
	if n := utf8.RuneCountInString(text); n > m.MaxMessage() {
		m.Notice = uitext.MessageTooLong
		return false
	}
	id := m.lineID(now)
	if !hideLocal {
		m.Items = append(m.Items, Item{ID: id, Kind: ItemVisitor, Name: m.Name, Text: text, At: now, Pending: true})
	}
	m.enqueue(protocol.Command{ID: id, Chat: m.Chat, Body: &protocol.Send{Text: text, HideLocal: hideLocal}})
	if !hideLocal {
		m.stopTyping()
		m.draft, m.lastPreview, m.previewDue = "", "", false
	}
	return true
}

// Retry sends a failed message again, as a new command.
func (m *Model) Retry(itemID string, now time.Time) bool {
	it := m.item(itemID)
	if it == nil || !it.Failed || !m.Phase.InChat() {
		return false
	}
	if it.File != nil {
		return m.retryFile(it)
	}
	text := it.Text
	for i := range m.Items {
		if m.Items[i].ID == itemID {
			m.Items = append(m.Items[:i], m.Items[i+1:]...)
			break
		}
	}
	return m.Send(text, false, now)
}

// Input is called when the visitor edits the message box: it starts typing (debounced: one
// "on" per burst, "off" after TypingIdle or when the box is emptied) and sends previews
// (throttled to one per PreviewEvery, the latest text always sent last).
func (m *Model) Input(text string, now time.Time) {
	m.draft = text
	if m.Chat == "" || !m.Phase.InChat() || m.Conn != ConnUp || !m.ready {
		return
	}
	if strings.TrimSpace(text) == "" {
		m.stopTyping()
	} else {
		m.lastKey = now
		if !m.typingOn {
			m.typingOn = true
			m.push(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.Typing{On: true}})
		}
	}
	if !m.PreviewOn() || text == m.lastPreview {
		m.previewDue = false
		return
	}
	if now.Sub(m.lastPreviewAt) >= PreviewEvery {
		m.sendPreview(now)
	} else {
		m.previewDue = true
	}
}

func (m *Model) sendPreview(now time.Time) {
	text := m.draft
	if r := []rune(text); len(r) > limits.PreviewRunes {
		text = string(r[:limits.PreviewRunes])
	}
	m.lastPreview, m.lastPreviewAt, m.previewDue = m.draft, now, false
	m.push(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.Preview{Text: text}})
}

func (m *Model) stopTyping() {
	if m.typingOn {
		m.typingOn = false
		if m.Chat != "" {
			m.push(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.Typing{On: false}})
		}
	}
}

// Tick lets time-based decisions happen: typing stops after a pause, a held-back preview goes
// out, a failed resume is retried. Call it every few hundred milliseconds.
func (m *Model) Tick(now time.Time) {
	if m.typingOn && now.Sub(m.lastKey) >= TypingIdle {
		m.stopTyping()
	}
	if m.previewDue && now.Sub(m.lastPreviewAt) >= PreviewEvery && m.Phase.InChat() && m.PreviewOn() {
		m.sendPreview(now)
	}
	m.pollQueue(now)
	m.retryBusy(now)
	if !m.resumeAt.IsZero() && !now.Before(m.resumeAt) && m.Conn == ConnUp && m.Chat != "" {
		m.resume()
	}
	m.pageTick(now)
}

// retryBusy sends again the commands whose busy pause is over.
func (m *Model) retryBusy(now time.Time) {
	due := false
	for i := range m.outbox {
		if o := &m.outbox[i]; !o.retryAt.IsZero() && !now.Before(o.retryAt) {
			o.retryAt, due = time.Time{}, true
		}
	}
	if due {
		m.flush()
	}
}

// AskClose shows the "end this chat?" question.
func (m *Model) AskClose() {
	if m.Phase.InChat() {
		m.ConfirmingClose = true
	}
}

// CancelClose hides the question.
func (m *Model) CancelClose() { m.ConfirmingClose = false }

// Close ends the chat (after the visitor confirmed).
func (m *Model) Close() {
	m.ConfirmingClose = false
	if !m.Phase.InChat() {
		return
	}
	for _, o := range m.outbox {
		if _, ok := o.cmd.Body.(*protocol.Close); ok {
			return
		}
	}
	m.stopTyping()
	m.enqueue(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.Close{}})
}

// NewChat leaves a closed chat's transcript and shows the form again.
func (m *Model) NewChat() {
	if m.Phase != PhaseClosed && m.Phase != PhaseOffline && m.Phase != PhaseForm {
		return
	}
	m.reset()
	m.Notice, m.FieldError = "", ""
	m.Phase = m.idlePhase()
}

// SetVisible records whether the panel is shown; showing it clears the unread count.
func (m *Model) SetVisible(v bool) {
	m.Visible = v
	if v {
		m.Unread = 0
	}
}
