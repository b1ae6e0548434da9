package agentui

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/browser"
	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/protocol"
)

// The actions components fire; [App] handles them.
const (
	// ActLogin signs in; value [desk.LoginRequest].
	ActLogin = "agent/login"
	// ActLogout signs out.
	ActLogout = "agent/logout"
	// ActStatus sets the agent's status; value int64.
	ActStatus = "agent/status"
	// ActAccept and ActDecline answer the offer of a chat; value the chat id.
	ActAccept  = "agent/accept"
	ActDecline = "agent/decline"
	// ActSelect shows a chat; value the chat id.
	ActSelect = "agent/select"
	// ActSend sends a message; value [Draft].
	ActSend = "agent/send"
	// ActDraft reports what the agent is typing; value [Draft].
	ActDraft = "agent/draft"
	// ActClose closes a chat and ActDismiss removes a closed one; value the chat id.
	ActClose   = "agent/close"
	ActDismiss = "agent/dismiss"
	// ActFilter narrows the lists to a connector; value int64 (0: all).
	ActFilter = "agent/filter"
	// ActNotifications answers the notification banner; value bool (true: ask the browser).
	ActNotifications = "agent/notifications"
	// ActReconnect reconnects after a terminal close (the session was opened elsewhere).
	ActReconnect = "agent/reconnect"
	// ActRetryUpload tries a failed upload again and ActDismissUpload forgets it; value
	// [FileRef] with the upload's id.
	ActRetryUpload   = "agent/upload/retry"
	ActDismissUpload = "agent/upload/dismiss"
	// ActResendFile shares again a file the server refused to share; value [FileRef] with
	// the failed line's command id.
	ActResendFile = "agent/file/resend"
	// ActAskForm opens or closes the "Ask for…" card of a chat and moves the focus into it or
	// back to its button; ActAskClose only closes it. Value the chat id.
	ActAskForm  = "agent/ask/form"
	ActAskClose = "agent/ask/close"
	// ActAsk asks the visitor for a field; value [AskRequest].
	ActAsk = "agent/ask"
	// ActNote switches a chat's composer between reply and internal note; value [NoteSwitch].
	ActNote = "agent/note"
	// ActInviteForm opens or closes a chat's "Invite a colleague" card, ActInviteClose only
	// closes it; value the chat id. ActInvite sends the invitation; value [InviteRequest].
	ActInviteForm  = "agent/invite/form"
	ActInviteClose = "agent/invite/close"
	ActInvite      = "agent/invite"
	// ActInviteAccept and ActInviteDecline answer an invitation; value the chat id.
	ActInviteAccept  = "agent/invite/accept"
	ActInviteDecline = "agent/invite/decline"
	// ActJoin switches the agent's part in a chat; value [JoinRequest]. ActLeave leaves a
	// chat the agent joined; value the chat id.
	ActJoin  = "agent/join"
	ActLeave = "agent/leave"
	// ActLang chooses the app's language; value the language ("en", "de", "fr"), or "" to
	// follow the agent's setting and the browser.
	ActLang = "agent/lang"
)

// FileRef names an upload or a file line of a chat, carried by the file actions.
type FileRef struct {
	Chat string
	ID   string
}

// Draft is a chat's composer text, carried by [ActSend] and [ActDraft].
type Draft struct {
	Chat string
	Text string
}

// The phases of the app.
const (
	phaseBoot   = iota // checking the session
	phaseSignIn        // showing the sign-in form
	phaseDesk          // signed in
)

// Storage keys. What the agent has read survives reloads in localStorage; commands waiting
// for their ack survive a reload of this tab in sessionStorage.
const (
	keySeen    = "parley.agent.seen"
	keyOutbox  = "parley.agent.outbox"
	keyNoAsk   = "parley.agent.notifications.later"
	keyLang    = "parley.agent.lang"
	pingEvery  = 25 * time.Second
	staleAfter = 60 * time.Second
)

// App is the root component: it owns the [desk.Desk], the connection and the timers.
type App struct {
	app.Compo

	platform browser.Platform
	desk     *desk.Desk
	ctx      app.Context
	mounted  bool

	phase      int
	signInErr  string
	signingIn  bool
	terminal   string // why the link stopped for good (replaced, forbidden)
	token      string
	sock       browser.Socket
	gen        int
	retryTimer bool
	retry      backoff.Backoff // spaces out reconnection attempts
	lastFrame  time.Time
	lastSent   time.Time
	now        time.Time

	canned      []desk.Canned
	cannedState string // "", "loading", "ready", or an error message
	previous    map[string]*previousState
	permission  string
	pushErr     string // why notifications while the app is closed could not be switched on
	openChat    string // the chat a clicked notification asked for, until it is in the list
	askLater    bool
	langSet     bool
	langChoice  string // the language chosen in the app; "" follows the setting and the browser
	lastLines   int
	// shownStatus is the status the menu was last set to show, so that the menu is set again
	// only when the status changes: a redraw (the clock's tick, a new language) between an
	// agent's pick and its change handler must not put the old status back under the handler.
	shownStatus string
	files       map[string]browser.File // the files of queued and failed uploads, by upload id

	// mail is the open transcript e-mail card (transcriptmail.go).
	mail *mailCard

	// solo marks the window of one chat, only (window.go).
	solo bool
	only string
	// supervising: the "All chats" view is shown (supervise.go).
	supervising bool
	// history is the History view (history.go).
	history historyState
	// left is the Messages view (left.go).
	left leftState
	// templates is the WhatsApp template card of the chat shown (templates.go).
	templates templatePicker
}

// previousState is a chat's earlier chats, as loaded from the server.
type previousState struct {
	loading bool
	err     string
	data    desk.Previous
	// contact is the contact panel's editing state (contact.go).
	contact contactEdit
}

// New returns the app on the browser's platform.
func New() *App { return NewWith(browser.New()) }

// NewWith returns the app on a given platform; tests pass a fake.
func NewWith(p browser.Platform) *App {
	return &App{platform: p, desk: desk.New(newID), previous: map[string]*previousState{}, files: map[string]browser.File{}}
}

// Desk exposes the state for tests and for the platform's callbacks.
func (a *App) Desk() *desk.Desk { return a.desk }

// newID makes a command id unique across reloads and tabs: the time (protocol.TimeID, which
// keeps the server's index of lines by command id compact), then random bytes.
func newID() string {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
		return fmt.Sprintf("%sa%x", protocol.TimeID(time.Now()), n)
	}
	return protocol.TimeID(time.Now()) + "a" + hex.EncodeToString(b[:])
}

// OnMount starts the app in the browser.
func (a *App) OnMount(ctx app.Context) { a.start(ctx) }

// OnPreRender starts the app where go-app renders on the server: there the platform is inert
// and the app stays a static shell; component tests pass a fake platform and run it natively.
func (a *App) OnPreRender(ctx app.Context) { a.start(ctx) }

// start registers the action handlers, watches focus and the network, restores what a
// reload must keep, and checks the session.
func (a *App) start(ctx app.Context) {
	a.ctx = ctx
	a.now = a.platform.Now()
	a.startSolo(ctx)
	if browser.IsInert(a.platform) {
		return // prerendering on the server: a static shell
	}
	a.mounted = true
	ctx.Handle(ActLogin, a.onLogin)
	ctx.Handle(ActLang, a.onLang)
	ctx.Handle(ActLogout, a.onLogout)
	ctx.Handle(ActStatus, a.onStatus)
	ctx.Handle(ActAccept, a.onAccept)
	ctx.Handle(ActDecline, a.onDecline)
	ctx.Handle(ActSelect, a.onSelect)
	ctx.Handle(ActSend, a.onSend)
	ctx.Handle(ActDraft, a.onDraft)
	ctx.Handle(ActClose, a.onClose)
	ctx.Handle(ActDismiss, a.onDismiss)
	ctx.Handle(ActFilter, a.onFilter)
	ctx.Handle(ActNotifications, a.onNotifications)
	ctx.Handle(ActReconnect, func(ctx app.Context, _ app.Action) { a.terminal = ""; a.connect(ctx) })
	ctx.Handle(ActRetryUpload, a.onRetryUpload)
	ctx.Handle(ActDismissUpload, a.onDismissUpload)
	ctx.Handle(ActResendFile, a.onResendFile)
	ctx.Handle(ActAskForm, a.onAskForm)
	ctx.Handle(ActAskClose, func(ctx app.Context, act app.Action) { a.desk.CloseAsk(fmt.Sprint(act.Value)); a.changed(ctx) })
	ctx.Handle(ActAsk, a.onAsk)
	a.handleTeam(ctx)
	a.handleTranslation(ctx)
	a.handleSupervise(ctx)
	a.handleHistory(ctx)
	a.handleLeft(ctx)
	a.handleTransfer(ctx)
	a.handleTranscriptMail(ctx)
	a.handleDirect(ctx)
	a.handleProactive(ctx)
	a.handleClassify(ctx)

	a.restore(ctx)
	a.permission = a.platform.Permission()
	a.desk.SetFocused(a.platform.Focused())
	a.platform.Watch(func(focused bool) {
		ctx.Dispatch(func(ctx app.Context) {
			a.desk.SetFocused(focused)
			if focused {
				a.activity()
			}
			a.changed(ctx)
		})
	}, func() {
		ctx.Dispatch(func(ctx app.Context) {
			if a.phase == phaseDesk && a.sock == nil && a.terminal == "" {
				a.connect(ctx) // the network is back: do not wait for the backoff
			}
		})
	})
	a.platform.WatchFiles(func(chat string, files []browser.File) {
		ctx.Dispatch(func(ctx app.Context) {
			a.attach(ctx, chat, files)
			a.changed(ctx)
		})
	})
	a.platform.WatchOpen(func(chat string) {
		ctx.Dispatch(func(ctx app.Context) {
			a.openChat = chat
			a.openPending()
			a.changed(ctx)
		})
	})
	a.platform.Every(time.Second, func() { ctx.Dispatch(a.tick) })
	a.checkSession(ctx)
}

// restore reads what the agent had read and the commands still unacked before a reload.
func (a *App) restore(ctx app.Context) {
	var seen map[string]uint64
	if err := ctx.LocalStorage().Get(keySeen, &seen); err == nil && seen != nil {
		a.desk.RestoreSeen(seen)
	}
	var frames []string
	if err := ctx.SessionStorage().Get(keyOutbox, &frames); err == nil {
		var cmds []protocol.Command
		for _, f := range frames {
			if c, err := protocol.DecodeCommand([]byte(f), protocol.RoleAgent); err == nil {
				cmds = append(cmds, c)
			}
		}
		a.desk.RestoreUnacked(cmds)
	}
	var asks map[string][]desk.Ask
	if err := ctx.SessionStorage().Get(keyAsks, &asks); err == nil && asks != nil {
		a.desk.RestoreAsks(asks)
	}
	_ = ctx.LocalStorage().Get(keyNoAsk, &a.askLater)
	_ = ctx.LocalStorage().Get(keyLang, &a.langChoice)
	a.applyLang()
	var monitors map[string]desk.Monitor
	if err := ctx.LocalStorage().Get(keyMonitors, &monitors); err == nil && monitors != nil {
		a.desk.RestoreMonitors(monitors)
	}
}

// persist keeps what must survive a reload.
func (a *App) persist(ctx app.Context) {
	_ = ctx.LocalStorage().Set(keySeen, a.desk.Seen())
	_ = ctx.LocalStorage().Set(keyMonitors, a.desk.Monitors())
	var frames []string
	for _, c := range a.desk.Unacked() {
		if f, err := protocol.EncodeCommand(c); err == nil {
			frames = append(frames, string(f))
		}
	}
	_ = ctx.SessionStorage().Set(keyOutbox, frames)
	_ = ctx.SessionStorage().Set(keyAsks, a.desk.Asks())
}

// changed runs after every state change: the tab's title, what survives a reload, the
// status the menu shows, and the WhatsApp templates a chat needs.
func (a *App) changed(ctx app.Context) {
	a.openPending()
	a.applyLang()
	a.platform.SetTitle(a.title())
	if a.phase == phaseDesk {
		a.persist(ctx)
		if status := strconv.FormatInt(a.desk.CurrentStatus().ID, 10); status != a.shownStatus {
			a.shownStatus = status
			ctx.Defer(func(app.Context) { showValue("status-select", status) })
		}
	}
	if c := a.desk.Current(); c != nil && c.TemplateNeeded && a.templates.chat != c.ID {
		a.loadTemplates(ctx, c.ID)
	}
	if c := a.desk.Current(); c != nil && len(c.Lines) != a.lastLines {
		a.lastLines = len(c.Lines)
		ctx.Defer(func(app.Context) { scrollToEnd("messages") })
	}
}

// applyLang speaks the language the agent chose in the app, else their language setting on
// the server, else the browser's. Everything drawn from now on follows; the lines already in a
// conversation keep the language they were written in.
func (a *App) applyLang() {
	lang := catalog.Match(append([]string{a.langChoice, a.desk.User.Lang}, a.platform.Languages()...)...)
	if lang != a.desk.Msg.Lang() || !a.langSet {
		a.desk.Msg, a.langSet = catalog.For(lang), true
		a.platform.SetLang(lang)
	}
}

// onLang switches the app's language at once, keeps the choice on this device and as the
// agent's setting on the server. "Automatic" clears the setting, so that the app (and the
// admin pages) follow the browser's languages again, here and on every other device.
func (a *App) onLang(ctx app.Context, act app.Action) {
	lang, _ := act.Value.(string)
	if lang != "" {
		lang = catalog.Match(lang)
	}
	a.langChoice = lang
	_ = ctx.LocalStorage().Set(keyLang, lang)
	prev := a.desk.User.Lang
	if lang == "" {
		a.desk.User.Lang = ""
	}
	a.changed(ctx)
	a.saveLang(ctx, lang, prev)
}

// checkSession asks the server whether the session cookie is still good.
func (a *App) checkSession(ctx app.Context) {
	a.phase = phaseBoot
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", "/api/me", nil)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil || status >= 500:
				// Offline or the server is restarting: keep trying, the shell is cached.
				a.desk.Dropped()
				a.platform.After(a.retry.Failed(a.platform.Now(), jitter()), func() { ctx.Dispatch(a.checkSession) })
			case status == 200:
				var u protocol.User
				if json.Unmarshal(body, &u) == nil {
					a.desk.User = u
				}
				a.phase = phaseDesk
				a.connect(ctx)
				a.syncPush(ctx)
			default:
				a.phase = phaseSignIn
			}
			a.changed(ctx)
		})
	})
}

// onLogin signs in with the form's login and password.
func (a *App) onLogin(ctx app.Context, act app.Action) {
	t := a.desk.Msg
	req, ok := act.Value.(desk.LoginRequest)
	if !ok || a.signingIn {
		return
	}
	if strings.TrimSpace(req.Login) == "" || req.Password == "" {
		a.signInErr = t.T("Enter your login and password.")
		return
	}
	a.signingIn, a.signInErr = true, ""
	body, _ := json.Marshal(req)
	ctx.Async(func() {
		status, resp, err := a.platform.Fetch("POST", "/api/login", body)
		ctx.Dispatch(func(ctx app.Context) {
			a.signingIn = false
			switch {
			case err != nil:
				a.signInErr = t.T("The server cannot be reached. Check your connection and try again.")
			case status == 200:
				var lr desk.LoginResponse
				_ = json.Unmarshal(resp, &lr)
				a.token, a.desk.User = lr.Token, lr.User
				a.phase, a.terminal = phaseDesk, ""
				a.connect(ctx)
				a.syncPush(ctx)
			// The server's own words are English (the agent is not known yet): the app says
			// it in its language.
			case status == 401 || status == 400:
				a.signInErr = t.T("The login or password is wrong.")
			case status == 429:
				a.signInErr = t.T("Too many attempts. Wait a minute and try again.")
			default:
				a.signInErr = t.T("Signing in failed. Try again in a moment.")
			}
			a.changed(ctx)
		})
	})
}

// apiMessage returns the message of an API error body, or fallback.
func apiMessage(body []byte, fallback string) string {
	var e desk.APIError
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	return fallback
}

// onLogout signs out: the socket closes, the session ends, nothing stays behind.
func (a *App) onLogout(ctx app.Context, _ app.Action) {
	a.signOut(ctx, "")
	ctx.Async(func() {
		// This browser's push subscription ends with the session: no pushes after sign-out.
		body, _ := json.Marshal(api.LogoutRequest{PushEndpoint: a.platform.PushUnsubscribe()})
		_, _, _ = a.platform.Fetch("POST", "/api/logout", body)
	})
}

// signOut forgets the session and shows the sign-in form with a reason.
func (a *App) signOut(ctx app.Context, reason string) {
	a.gen++ // ignore whatever the old socket still reports
	if a.sock != nil {
		a.sock.Close(desk.CloseNormal, "signed out")
		a.sock = nil
	}
	a.desk.Reset()
	a.token, a.canned, a.cannedState = "", nil, ""
	a.previous = map[string]*previousState{}
	a.files = map[string]browser.File{}
	a.phase, a.signInErr, a.terminal = phaseSignIn, reason, ""
	ctx.LocalStorage().Del(keySeen)
	ctx.SessionStorage().Del(keyOutbox)
	ctx.SessionStorage().Del(keyAsks)
	a.platform.SetTitle(AppName)
}

// connect opens the agent socket; events of older sockets are ignored by generation.
func (a *App) connect(ctx app.Context) {
	if a.sock != nil {
		return
	}
	a.gen++
	gen := a.gen
	a.desk.Connecting()
	in := func(f func(ctx app.Context)) {
		ctx.Dispatch(func(ctx app.Context) {
			if gen == a.gen {
				f(ctx)
				a.changed(ctx)
			}
		})
	}
	sock, err := a.platform.Dial("/ws/agent", browser.SocketEvents{
		Open:    func() { in(a.opened) },
		Message: func(frame []byte) { in(func(ctx app.Context) { a.received(ctx, frame) }) },
		Close:   func(code int, reason string) { in(func(ctx app.Context) { a.closed(ctx, code, reason) }) },
	})
	if err != nil {
		a.closed(ctx, desk.CloseAbnormal, err.Error())
		return
	}
	a.sock = sock
}

// opened sends agent.connect on a new socket.
func (a *App) opened(ctx app.Context) {
	a.lastFrame = a.platform.Now()
	a.retry.Connected(a.lastFrame)
	a.write(a.desk.Connect(a.token))
}

// write sends a command frame on the socket.
func (a *App) write(c protocol.Command) {
	if a.sock == nil {
		return
	}
	frame, err := protocol.EncodeCommand(c)
	if err != nil {
		return
	}
	if a.sock.Send(frame) == nil {
		a.lastSent = a.platform.Now()
	}
}

// send sends a command when the link is up; kept commands go out after the next agent.ready.
func (a *App) send(c protocol.Command) {
	if a.desk.Link == desk.LinkOnline {
		a.write(c)
	}
}

// received applies one server frame.
func (a *App) received(ctx app.Context, frame []byte) {
	now := a.platform.Now()
	a.lastFrame = now
	ev, err := protocol.DecodeEvent(frame)
	if err != nil {
		return // an event from a newer server: the update check reloads the app
	}
	asking, shown := false, a.desk.Selected
	if c := a.desk.Current(); c != nil {
		asking = c.Form != nil
	}
	alerts, cmds := a.desk.Apply(ev, now)
	a.keepSolo()
	if c := a.desk.Current(); asking && c != nil && c.Form == nil {
		ctx.Defer(func(app.Context) { focusAfterAsk() }) // the card closed on the ack
	}
	if a.desk.Selected != shown && a.desk.Selected != "" {
		// A chat the agent accepted opened: the next words are for that visitor.
		ctx.Defer(func(app.Context) { focusElement("composer-text") })
	}
	for _, c := range cmds {
		a.write(c)
	}
	for _, l := range a.desk.Logs() {
		app.Log("parley:", l)
	}
	a.alert(ctx, alerts)
	if _, ok := ev.Body.(*protocol.AgentReady); ok {
		a.superviseReady()
		a.phase = phaseDesk
		a.loadCanned(ctx)
		a.loadPrevious(ctx, a.desk.Selected)
	}
	if _, ok := ev.Body.(*protocol.ChatOpened); ok {
		a.superviseOpened(ev)
		a.loadPrevious(ctx, a.desk.Selected)
	}
	if ch, ok := ev.Body.(*protocol.SettingsChanged); ok && ch.Kind == "canned" && a.cannedState != "loading" {
		// An administrator changed the canned responses: fetch them again.
		a.cannedState = ""
		a.loadCanned(ctx)
	}
}

// closed decides what follows a closed socket.
func (a *App) closed(ctx app.Context, code int, reason string) {
	a.sock = nil
	reconnect, signIn := desk.AfterClose(code)
	switch {
	case signIn:
		a.signOut(ctx, a.desk.Msg.T("Your session has ended. Please sign in again."))
	case reconnect:
		a.desk.Dropped()
		wait := a.retry.Failed(a.platform.Now(), jitter())
		if !a.retryTimer {
			a.retryTimer = true
			a.platform.After(wait, func() {
				ctx.Dispatch(func(ctx app.Context) {
					a.retryTimer = false
					if a.phase == phaseDesk && a.sock == nil && a.terminal == "" {
						a.connect(ctx)
						a.changed(ctx)
					}
				})
			})
		}
	default:
		a.desk.Link = desk.LinkOffline
		a.terminal = closeText(a.desk.Msg, code, reason)
	}
}

// closeText explains a terminal close to the agent.
func closeText(t catalog.Printer, code int, reason string) string {
	switch protocol.CloseCode(code) {
	case protocol.CloseReplaced:
		return t.T("Parley was opened in another window or tab, so this one stopped receiving chats.")
	case protocol.CloseForbidden:
		return t.T("The server refused the connection from this network.")
	}
	if reason != "" {
		return t.T("The connection was closed: {0}", reason)
	}
	return t.T("The connection was closed.")
}

// jitter is the random draw that spreads the reconnects of many agents, from crypto/rand,
// which the app has already for its command ids.
func jitter() float64 {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0.5
	}
	return float64(uint16(b[0])|uint16(b[1])<<8) / (1 << 16)
}

// alert raises alerts through the platform.
func (a *App) alert(ctx app.Context, alerts []desk.Alert) {
	for _, al := range a.soloAlerts(alerts) {
		switch al.Kind {
		case desk.AlertOfferSound:
			a.platform.Play(browser.SoundOffer)
		case desk.AlertMessageSound:
			a.platform.Play(browser.SoundMessage)
		case desk.AlertNotify:
			chat := al.Chat
			a.platform.Notify(al.Tag, al.Title, al.Body, func() {
				ctx.Dispatch(func(ctx app.Context) {
					a.desk.Select(chat)
					a.changed(ctx)
				})
			})
		}
	}
}

// tick runs every second: countdowns, ringing, heartbeats, typing timeouts.
func (a *App) tick(ctx app.Context) {
	now := a.platform.Now()
	a.now = now
	a.alert(ctx, a.desk.Tick(now))
	for _, c := range a.desk.Expire(now) {
		a.forget(c)
	}
	for _, c := range a.desk.Retries(now) {
		a.write(c)
	}
	for _, l := range a.desk.Logs() {
		app.Log("parley:", l)
	}
	if a.sock != nil && a.desk.Link == desk.LinkOnline {
		if now.Sub(a.lastFrame) > staleAfter {
			a.sock.Close(int(protocol.CloseStale), "no answer")
		} else if now.Sub(a.lastSent) > pingEvery {
			a.write(a.desk.Ping())
		}
	}
	for _, c := range a.desk.TypingIdle(now) {
		a.send(c)
	}
	a.directTick(ctx)
	a.changed(ctx)
}

// stopTyping tells the chat the agent stopped typing in it.
func (a *App) stopTyping(chat string) {
	for _, c := range a.desk.StopTyping(chat) {
		a.send(c)
	}
}

func (a *App) onStatus(ctx app.Context, act app.Action) {
	if id, ok := act.Value.(int64); ok && id != a.desk.Status {
		a.send(a.desk.SetStatus(id))
		a.changed(ctx)
	}
}

func (a *App) onAccept(ctx app.Context, act app.Action) {
	if c, ok := a.desk.Accept(fmt.Sprint(act.Value)); ok {
		a.send(c)
		a.changed(ctx)
	}
}

func (a *App) onDecline(ctx app.Context, act app.Action) {
	if c, ok := a.desk.Decline(fmt.Sprint(act.Value)); ok {
		a.send(c)
		a.changed(ctx)
	}
}

func (a *App) onSelect(ctx app.Context, act app.Action) {
	id := fmt.Sprint(act.Value)
	a.desk.Select(id)
	a.loadPrevious(ctx, id)
	a.changed(ctx)
	ctx.Defer(func(app.Context) { focusElement("composer-text") })
}

func (a *App) onSend(ctx app.Context, act app.Action) {
	d, ok := act.Value.(Draft)
	if !ok {
		return
	}
	c, err := a.desk.Send(d.Chat, d.Text, a.platform.Now())
	if err != nil {
		if pe, ok := err.(*protocol.Error); ok {
			a.desk.Notice = pe.Message
		}
		return
	}
	a.send(c) // the message ends the typing on every side
	a.changed(ctx)
}

func (a *App) onDraft(ctx app.Context, act app.Action) {
	d, ok := act.Value.(Draft)
	if !ok {
		return
	}
	a.desk.SetDraft(d.Chat, d.Text)
	for _, c := range a.desk.Typed(d.Chat, d.Text, a.platform.Now()) {
		a.send(c)
	}
	if strings.TrimSpace(d.Text) == "" {
		return
	}
	ctx.PreventUpdate() // keystrokes need no new frame of the whole desk
}

func (a *App) onClose(ctx app.Context, act app.Action) {
	if c, ok := a.desk.Close(fmt.Sprint(act.Value)); ok {
		a.stopTyping(c.Chat)
		a.send(c)
		a.chatClosedByMe(ctx, c.Chat)
		a.changed(ctx)
	}
}

func (a *App) onDismiss(ctx app.Context, act app.Action) {
	id := fmt.Sprint(act.Value)
	c := a.desk.Chat(id)
	if c == nil || !c.Closed {
		return
	}
	a.desk.Dismiss(id)
	a.forget(c)
	a.changed(ctx)
}

// forget drops what the app keeps for a chat that left the list: its earlier chats and the
// files of its failed uploads.
func (a *App) forget(c *desk.Chat) {
	delete(a.previous, c.ID)
	for _, u := range c.Uploads {
		delete(a.files, u.ID)
	}
}

func (a *App) onFilter(ctx app.Context, act app.Action) {
	if id, ok := act.Value.(int64); ok {
		a.desk.SetFilter(id)
	}
}

func (a *App) onNotifications(ctx app.Context, act app.Action) {
	if ask, _ := act.Value.(bool); ask {
		a.platform.AskPermission(func(p string) {
			ctx.Dispatch(func(ctx app.Context) {
				a.permission = p
				a.syncPush(ctx)
			})
		})
		return
	}
	a.askLater = true
	_ = ctx.LocalStorage().Set(keyNoAsk, true)
}

// loadCanned fetches the tenant's canned responses once per sign-in.
func (a *App) loadCanned(ctx app.Context) {
	t := a.desk.Msg
	if a.cannedState == "loading" || a.cannedState == "ready" {
		return
	}
	a.cannedState = "loading"
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", "/api/canned", nil)
		ctx.Dispatch(func(app.Context) {
			var list []desk.Canned
			switch {
			case err != nil:
				a.cannedState = t.T("Canned responses could not be loaded.")
			case status != 200:
				a.cannedState = apiMessage(body, t.T("Canned responses could not be loaded."))
			case json.Unmarshal(body, &list) != nil:
				a.cannedState = t.T("Canned responses could not be read.")
			default:
				a.canned, a.cannedState = list, "ready"
			}
		})
	})
}

// loadPrevious fetches the earlier chats of the visitor of chat id, once.
func (a *App) loadPrevious(ctx app.Context, id string) {
	t := a.desk.Msg
	if id == "" || a.previous[id] != nil {
		return
	}
	if c := a.desk.Chat(id); c != nil && c.Direct() {
		return // a colleague has no earlier chats as a visitor
	}
	st := &previousState{loading: true}
	a.previous[id] = st
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", "/api/chats/"+escapePath(id)+"/previous", nil)
		ctx.Dispatch(func(app.Context) {
			st.loading = false
			var p desk.Previous
			switch {
			case err != nil:
				st.err = t.T("Earlier chats could not be loaded.")
				delete(a.previous, id) // try again next time the chat is shown
			case status == 404:
				// No earlier chats known.
			case status != 200:
				st.err = apiMessage(body, t.T("Earlier chats could not be loaded."))
			case json.Unmarshal(body, &p) != nil:
				st.err = t.T("Earlier chats could not be read.")
			default:
				st.data = desk.Trim(p)
			}
		})
	})
}

// escapePath keeps a chat id safe in a URL path.
func escapePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
	}
	return b.String()
}
