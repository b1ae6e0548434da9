//go:build js && wasm

// Command app is the visitor chat widget compiled to WebAssembly. It runs inside the iframe
// the loader (widget.js) creates, talks to the server over the browser's own WebSocket and
// draws the chat with plain DOM calls. The state logic lives in package chat; this package
// only wires browser events to it and renders its state.
package main

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/texts"
	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/wire"
)

// sessionMaxAge is how long a stored chat is worth resuming; the server's reconnect window is
// shorter, and it answers a resume of a chat it closed with an error the model handles.
const sessionMaxAge = 12 * time.Hour

// app connects the model to the browser.
type app struct {
	m    *chat.Model
	v    *view
	jobs chan func()

	wsURL      string
	ws         js.Value
	storageKey string
	lastSaved  string
	savedAt    time.Time
	hostOrigin string
	lastPosted string
	// retry spaces out the reconnection attempts.
	retry backoff.Backoff
	// origin is the Parley server's, which serves this frame and the shared files.
	origin string
	// files are the browser's File objects of the uploads under way or failed, by line id.
	files map[string]js.Value
}

func main() {
	cfg, ws, hostOrigin := readConfig()
	a := &app{jobs: make(chan func(), 256), wsURL: ws, hostOrigin: hostOrigin, storageKey: "parley.chat." + cfg.Connector,
		origin: global.Get("location").Get("origin").String(), files: map[string]js.Value{}}
	a.m = chat.Restore(cfg, []byte(storageGet(a.storageKey)), time.Now(), sessionMaxAge)
	a.m.Invited(readInvite())
	a.v = newView(a)
	a.listenToHost()
	a.connect()
	go func() {
		for range time.Tick(250 * time.Millisecond) {
			a.do(func() { a.m.Tick(time.Now()) })
		}
	}()
	on(global, "pagehide", func(js.Value) { a.save() })
	a.render()
	for job := range a.jobs {
		job()
		for _, l := range a.m.Logs() {
			global.Get("console").Call("warn", "parley: "+l)
		}
		a.flush()
		a.render()
		a.save()
		a.postState()
	}
}

// do runs f on the UI goroutine. Browser callbacks call it; they never touch the model.
func (a *app) do(f func()) {
	select {
	case a.jobs <- f:
	default:
		// A burst beyond the buffer: run it from a goroutine rather than block the browser.
		go func() { a.jobs <- f }()
	}
}

// readConfig reads the configuration the loader put in the frame URL's fragment (kept out of
// the query so that names and page data do not reach server logs) and the connector hash
// from the query. It also decides which origin embeds the frame.
func readConfig() (chat.Config, string, string) {
	loc := global.Get("location")
	cfg := chat.Config{IDPrefix: strconv.FormatUint(rand.Uint64(), 36), Mask: jsMask, VisitorID: visitorID()}
	params := global.Get("URLSearchParams").New(loc.Get("search"))
	cfg.Connector = jsString(params.Call("get", "c"))
	frag := strings.TrimPrefix(loc.Get("hash").String(), "#")
	var v *wire.Value
	if frag != "" {
		raw := global.Call("decodeURIComponent", frag).String()
		v, _ = wire.Parse(raw)
	}
	if cfg.Connector == "" {
		cfg.Connector = v.Get("c").Str()
	}
	cfg.Page = v.Get("page").Str()
	cfg.Referrer = v.Get("ref").Str()
	cfg.Lang = v.Get("lang").Str()
	if cfg.Lang == "" {
		cfg.Lang = texts.Negotiate(browserLanguages())
	}
	cfg.PData = v.Get("pdata").StrMap()
	cfg.UData = v.Get("udata").StrMap()
	cfg.Texts = v.Get("texts").StrMap()
	if b := v.Get("hideAgentName"); b.Kind() == wire.KindBool {
		x := b.Bool()
		cfg.HideAgentName = &x
	}
	if b := v.Get("showWaitTime"); b.Kind() == wire.KindBool {
		x := b.Bool()
		cfg.ShowWaitTime = &x
	}
	nav := global.Get("navigator")
	cfg.UserAgent = nav.Get("userAgent").String()
	cfg.TZOffset = -global.Get("Date").New().Call("getTimezoneOffset").Int()

	// The embedding page's origin: what the browser says (ancestorOrigins, then the referrer)
	// wins over what the loader wrote, so that the page URL sent to the server for its origin
	// check names the real embedder.
	host := ""
	if ao := loc.Get("ancestorOrigins"); !ao.IsUndefined() && !ao.IsNull() && ao.Get("length").Int() > 0 {
		host = ao.Index(0).String() // the parent, which embeds this frame
	} else if ref := document.Get("referrer").String(); ref != "" {
		host = originOf(ref)
	}
	if host == "" {
		host = originOf(cfg.Page)
	}
	if host != "" && (cfg.Page == "" || originOf(cfg.Page) != host) {
		cfg.Page = host + "/"
	}

	ws := v.Get("ws").Str()
	if !strings.HasPrefix(ws, "wss://") && !strings.HasPrefix(ws, "ws://") {
		scheme := "ws://"
		if loc.Get("protocol").String() == "https:" {
			scheme = "wss://"
		}
		ws = scheme + loc.Get("host").String()
	}
	ws = strings.TrimRight(ws, "/")
	if !strings.HasSuffix(ws, "/ws/visitor") {
		ws += "/ws/visitor"
	}
	return cfg, ws, host
}

// browserLanguages returns navigator.languages as a comma-separated list.
func browserLanguages() string {
	nav := global.Get("navigator")
	if l := nav.Get("languages"); !l.IsUndefined() && !l.IsNull() {
		return l.Call("join", ",").String()
	}
	return jsString(nav.Get("language"))
}

// originOf returns scheme://host[:port] of a URL, or "".
func originOf(u string) string {
	if u == "" {
		return ""
	}
	url := global.Get("URL")
	var origin string
	func() {
		defer func() { _ = recover() }() // new URL throws on a malformed string
		origin = url.New(u).Get("origin").String()
	}()
	if origin == "null" {
		return ""
	}
	return origin
}

func jsString(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// connect opens the WebSocket.
func (a *app) connect() {
	if a.m.Conn == chat.ConnStopped {
		return
	}
	ws := global.Get("WebSocket").New(a.wsURL)
	a.ws = ws
	on(ws, "open", func(js.Value) {
		a.do(func() {
			if a.ws.Equal(ws) {
				now := time.Now()
				a.retry.Connected(now)
				a.m.SocketOpened(now)
			}
		})
	})
	on(ws, "message", func(ev js.Value) {
		data := ev.Get("data")
		if data.Type() != js.TypeString {
			return
		}
		frame := data.String()
		a.do(func() {
			if !a.ws.Equal(ws) {
				return
			}
			e, err := wire.DecodeEvent(frame)
			if err != nil {
				return
			}
			a.m.Handle(e, time.Now())
		})
	})
	on(ws, "close", func(ev js.Value) {
		code := ev.Get("code").Int()
		a.do(func() {
			if !a.ws.Equal(ws) {
				return
			}
			a.ws = js.Undefined()
			if a.m.SocketClosed(code, time.Now()) {
				time.AfterFunc(a.retry.Failed(time.Now(), rand.Float64()), func() { a.do(a.connect) })
			}
		})
	})
}

// flush sends what the model wants sent, and starts the uploads it asks for.
func (a *app) flush() {
	a.startUploads()
	out := a.m.Outgoing()
	if len(out) == 0 {
		return
	}
	if a.ws.IsUndefined() || a.ws.IsNull() || a.ws.Get("readyState").Int() != 1 {
		return // the model re-sends durable commands after reconnecting
	}
	for _, c := range out {
		frame, err := wire.EncodeCommand(c)
		if err != nil {
			continue
		}
		a.ws.Call("send", frame)
	}
}

// save keeps the session in the frame's storage (partitioned per embedding site by the
// browser) so that the next page of the site resumes the chat.
func (a *app) save() {
	now := time.Now()
	// The record carries the time it was saved; compare without it, and refresh it now and
	// then so that a long quiet chat is not taken for a stale one.
	key := string(a.m.Snapshot(time.Time{}))
	if key == a.lastSaved && now.Sub(a.savedAt) < time.Minute {
		return
	}
	a.lastSaved, a.savedAt = key, now
	if key == "" {
		storageRemove(a.storageKey)
		return
	}
	storageSet(a.storageKey, string(a.m.Snapshot(now)))
}

// visitorID returns this browser's visitor id, made once and kept in local storage.
func visitorID() string {
	const key = "parley.visitor"
	if id := storageGet(key); id != "" {
		return id
	}
	id := strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
	storageSet(key, id)
	return id
}

func storage() js.Value {
	var s js.Value
	func() {
		defer func() { _ = recover() }() // storage access throws when the browser blocks it
		s = global.Get("localStorage")
	}()
	return s
}

func storageGet(k string) string {
	s := storage()
	if s.IsUndefined() || s.IsNull() {
		return ""
	}
	var out string
	func() {
		defer func() { _ = recover() }()
		out = jsString(s.Call("getItem", k))
	}()
	return out
}

func storageSet(k, v string) {
	s := storage()
	if s.IsUndefined() || s.IsNull() {
		return
	}
	func() {
		defer func() { _ = recover() }() // quota exceeded: the chat still works, only not across pages
		s.Call("setItem", k, v)
	}()
}

func storageRemove(k string) {
	s := storage()
	if s.IsUndefined() || s.IsNull() {
		return
	}
	func() {
		defer func() { _ = recover() }()
		s.Call("removeItem", k)
	}()
}

// listenToHost accepts the loader's messages: open, hide, and the MiCC-style SendMessage the
// host page posted (the loader already checked its origin against the allowed one). Only the
// parent window at the embedding origin is listened to.
func (a *app) listenToHost() {
	parent := global.Get("parent")
	on(global, "message", func(ev js.Value) {
		if !ev.Get("source").Equal(parent) || ev.Get("origin").String() != a.hostOrigin {
			return
		}
		d := ev.Get("data")
		if d.Type() != js.TypeObject || jsString(d.Get("parley")) == "" {
			return
		}
		switch jsString(d.Get("parley")) {
		case "open":
			a.do(func() { a.m.SetVisible(true); a.v.focusDefault() })
		case "hide":
			a.do(func() { a.m.SetVisible(false) })
		case "send":
			msg, hide := jsString(d.Get("text")), d.Get("hideLocal").Truthy()
			a.do(func() {
				// MiCC: posted messages only go into an active chat session.
				if a.m.Phase == chat.PhaseActive || a.m.Phase == chat.PhaseQueued {
					a.m.Send(msg, hide, time.Now())
				}
			})
		case "close":
			a.do(func() { a.m.AskClose() })
		}
	})
	a.post(map[string]any{"parley": "ready"})
}

// post sends a message to the loader on the host page.
func (a *app) post(msg map[string]any) {
	if a.hostOrigin == "" {
		return
	}
	global.Get("parent").Call("postMessage", msg, a.hostOrigin)
}

// postState tells the loader what its launcher should show: the unread count and whether a
// chat is going on (so the next page loads the frame again without a click).
func (a *app) postState() {
	// Only a chat in progress makes the next page load the frame at once; an ended one waits
	// for a click.
	active := a.m.Phase.InChat()
	state := a.m.Phase.String() + "|" + strconv.Itoa(a.m.Unread) + "|" + strconv.FormatBool(active)
	if state == a.lastPosted {
		return
	}
	a.lastPosted = state
	a.post(map[string]any{"parley": "state", "phase": a.m.Phase.String(), "unread": a.m.Unread, "active": active})
}

// render draws the model.
func (a *app) render() { a.v.render() }

// send is the composer's action.
func (a *app) send(textValue string) bool {
	if a.m.WritingFirst() {
		return a.m.StartWriting(textValue)
	}
	return a.m.Send(textValue, false, time.Now())
}
