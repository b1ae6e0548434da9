//go:build js && wasm

package browser

import (
	"errors"
	"fmt"
	"sort"
	"syscall/js"
	"time"
)

// New returns the platform for where the app runs: the browser.
func New() Platform { return &web{notes: map[string]js.Value{}} }

// web is the platform inside a browser.
type web struct {
	audio js.Value
	notes map[string]js.Value
}

// IsInert reports whether p is the platform outside a browser; in a browser it never is.
func IsInert(Platform) bool { return false }

func (w *web) Now() time.Time { return time.Now() }

func (w *web) After(d time.Duration, f func()) {
	var fn js.Func
	fn = js.FuncOf(func(js.Value, []js.Value) any {
		fn.Release()
		f()
		return nil
	})
	js.Global().Call("setTimeout", fn, d.Milliseconds())
}

func (w *web) Every(d time.Duration, f func()) {
	fn := js.FuncOf(func(js.Value, []js.Value) any {
		f()
		return nil
	})
	js.Global().Call("setInterval", fn, d.Milliseconds()) // for the app's lifetime
}

// socket wraps a browser WebSocket and the callbacks it holds.
type socket struct {
	ws    js.Value
	funcs []js.Func
}

func (s *socket) Send(frame []byte) error {
	if s.ws.Get("readyState").Int() != 1 {
		return errors.New("browser: socket is not open")
	}
	s.ws.Call("send", string(frame))
	return nil
}

func (s *socket) Close(code int, reason string) {
	if st := s.ws.Get("readyState").Int(); st == 0 || st == 1 {
		s.ws.Call("close", code, reason)
	}
}

func (w *web) Dial(path string, ev SocketEvents) (Socket, error) {
	loc := js.Global().Get("location")
	scheme := "ws:"
	if loc.Get("protocol").String() == "https:" {
		scheme = "wss:"
	}
	url := scheme + "//" + loc.Get("host").String() + path
	var ws js.Value
	if err := catch(func() { ws = js.Global().Get("WebSocket").New(url) }); err != nil {
		return nil, err
	}
	s := &socket{ws: ws}
	on := func(name string, f func(e js.Value)) {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
			f(args[0])
			return nil
		})
		s.funcs = append(s.funcs, fn)
		ws.Set(name, fn)
	}
	on("onopen", func(js.Value) {
		if ev.Open != nil {
			ev.Open()
		}
	})
	on("onmessage", func(e js.Value) {
		if data := e.Get("data"); data.Type() == js.TypeString && ev.Message != nil {
			ev.Message([]byte(data.String()))
		}
	})
	on("onclose", func(e js.Value) {
		code, reason := e.Get("code").Int(), e.Get("reason").String()
		for _, name := range []string{"onopen", "onmessage", "onclose", "onerror"} {
			ws.Set(name, js.Null())
		}
		funcs := s.funcs
		s.funcs = nil
		// Release after this callback returns: it is one of them.
		var release js.Func
		release = js.FuncOf(func(js.Value, []js.Value) any {
			for _, f := range funcs {
				f.Release()
			}
			release.Release()
			return nil
		})
		js.Global().Call("setTimeout", release, 0)
		if ev.Close != nil {
			ev.Close(code, reason)
		}
	})
	on("onerror", func(js.Value) {}) // a close event always follows
	return s, nil
}

func (w *web) Fetch(method, path string, body []byte) (int, []byte, error) {
	headers := map[string]any{"Accept": "application/json"}
	opts := map[string]any{"method": method, "credentials": "same-origin", "cache": "no-store", "headers": headers}
	if body != nil {
		headers["Content-Type"] = "application/json"
		opts["body"] = string(body)
	}
	resp, err := await(js.Global().Call("fetch", path, opts))
	if err != nil {
		return 0, nil, err
	}
	status := resp.Get("status").Int()
	text, err := await(resp.Call("text"))
	if err != nil {
		return status, nil, err
	}
	return status, []byte(text.String()), nil
}

func (w *web) Upload(path string, fields map[string]string, f File) (int, []byte, error) {
	blob, ok := f.blob.(js.Value)
	if !ok || !blob.Truthy() {
		return 0, nil, errors.New("browser: the file is gone")
	}
	form := js.Global().Get("FormData").New()
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		form.Call("append", k, fields[k])
	}
	form.Call("append", "file", blob, f.Name)
	opts := map[string]any{"method": "POST", "credentials": "same-origin", "cache": "no-store",
		"headers": map[string]any{"Accept": "application/json"}, "body": form}
	resp, err := await(js.Global().Call("fetch", path, opts))
	if err != nil {
		return 0, nil, err
	}
	status := resp.Get("status").Int()
	text, err := await(resp.Call("text"))
	if err != nil {
		return status, nil, err
	}
	return status, []byte(text.String()), nil
}

// files reads a browser FileList.
func files(list js.Value) []File {
	if !list.Truthy() {
		return nil
	}
	out := make([]File, 0, list.Length())
	for i := 0; i < list.Length(); i++ {
		f := list.Index(i)
		out = append(out, File{Name: f.Get("name").String(), Size: int64(f.Get("size").Float()), Type: f.Get("type").String(), blob: f})
	}
	return out
}

// WatchFiles listens on the document, in the capture phase: go-app runs its handlers after
// the event, when a drop's files can no longer be read and its default can no longer be
// prevented.
func (w *web) WatchFiles(chosen func(chat string, files []File)) {
	doc := js.Global().Get("document")
	zone := func(e js.Value) js.Value {
		t := e.Get("target")
		if !t.Truthy() || t.Get("closest").Type() != js.TypeFunction {
			return js.Null()
		}
		return t.Call("closest", "[data-drop]")
	}
	carriesFiles := func(e js.Value) bool {
		dt := e.Get("dataTransfer")
		return dt.Truthy() && dt.Get("types").Truthy() && dt.Get("types").Call("includes", "Files").Bool()
	}
	var clear js.Func
	var current js.Value
	clear = js.FuncOf(func(js.Value, []js.Value) any {
		if current.Truthy() {
			current.Get("dataset").Delete("dropping")
			current = js.Undefined()
		}
		return nil
	})
	timer := js.Undefined()
	doc.Call("addEventListener", "change", js.FuncOf(func(_ js.Value, args []js.Value) any {
		t := args[0].Get("target")
		if !t.Truthy() || t.Get("type").String() != "file" || t.Get("dataset").Get("attach").IsUndefined() {
			return nil
		}
		list := files(t.Get("files"))
		chat := t.Get("dataset").Get("attach").String()
		t.Set("value", "") // choosing the same file again fires change again
		if len(list) > 0 {
			chosen(chat, list)
		}
		return nil
	}), true)
	doc.Call("addEventListener", "dragover", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if !carriesFiles(e) {
			return nil
		}
		e.Call("preventDefault")
		z := zone(e)
		if !z.Truthy() {
			e.Get("dataTransfer").Set("dropEffect", "none")
			return nil
		}
		e.Get("dataTransfer").Set("dropEffect", "copy")
		if !z.Equal(current) {
			clear.Invoke()
			current = z
			z.Get("dataset").Set("dropping", "")
		}
		// dragover repeats while the pointer stays; when it stops, the highlight goes.
		if !timer.IsUndefined() {
			js.Global().Call("clearTimeout", timer)
		}
		timer = js.Global().Call("setTimeout", clear, 300)
		return nil
	}), true)
	doc.Call("addEventListener", "drop", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if !carriesFiles(e) {
			return nil
		}
		e.Call("preventDefault")
		clear.Invoke()
		if z := zone(e); z.Truthy() {
			if list := files(e.Get("dataTransfer").Get("files")); len(list) > 0 {
				chosen(z.Get("dataset").Get("drop").String(), list)
			}
		}
		return nil
	}), true)
}

// await waits for a promise. It must not run on the browser's event loop.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var ok, fail js.Func
	ok = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		ok.Release()
		fail.Release()
		return nil
	})
	fail = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: fmt.Errorf("browser: %s", args[0].Call("toString").String())}
		ok.Release()
		fail.Release()
		return nil
	})
	p.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}

// catch turns a JavaScript exception thrown by f into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("browser: %v", r)
		}
	}()
	f()
	return nil
}

func (w *web) Play(s Sound) {
	_ = catch(func() {
		if !w.ensureAudio() {
			return
		}
		if w.audio.Get("state").String() == "suspended" {
			w.audio.Call("resume")
			return // the browser waits for a gesture; the next ring sounds
		}
		t := w.audio.Get("currentTime").Float()
		switch s {
		case SoundOffer:
			w.tone(660, t, 0.18)
			w.tone(880, t+0.2, 0.25)
		default:
			w.tone(740, t, 0.15)
		}
	})
}

// ensureAudio makes the audio context once, reporting whether the browser has one.
func (w *web) ensureAudio() bool {
	if !w.audio.IsUndefined() {
		return true
	}
	ctor := js.Global().Get("AudioContext")
	if ctor.IsUndefined() {
		ctor = js.Global().Get("webkitAudioContext")
	}
	if ctor.IsUndefined() {
		return false
	}
	w.audio = ctor.New()
	return true
}

// tone plays a soft sine tone of freq Hz from start for dur seconds.
func (w *web) tone(freq, start, dur float64) {
	osc := w.audio.Call("createOscillator")
	gain := w.audio.Call("createGain")
	osc.Set("type", "sine")
	osc.Get("frequency").Set("value", freq)
	g := gain.Get("gain")
	g.Call("setValueAtTime", 0.0001, start)
	g.Call("exponentialRampToValueAtTime", 0.2, start+0.02)
	g.Call("exponentialRampToValueAtTime", 0.0001, start+dur)
	osc.Call("connect", gain)
	gain.Call("connect", w.audio.Get("destination"))
	osc.Call("start", start)
	osc.Call("stop", start+dur+0.05)
}

func (w *web) Notify(tag, title, body string, onClick func()) {
	if w.Permission() != "granted" {
		return
	}
	_ = catch(func() {
		if old, ok := w.notes[tag]; ok {
			old.Call("close")
		}
		n := js.Global().Get("Notification").New(title, map[string]any{"body": body, "tag": tag, "renotify": true})
		w.notes[tag] = n
		var click js.Func
		click = js.FuncOf(func(js.Value, []js.Value) any {
			js.Global().Call("focus")
			n.Call("close")
			click.Release()
			if onClick != nil {
				onClick()
			}
			return nil
		})
		n.Set("onclick", click)
	})
}

func (w *web) Permission() string {
	n := js.Global().Get("Notification")
	if n.IsUndefined() {
		return "unsupported"
	}
	return n.Get("permission").String()
}

func (w *web) AskPermission(done func(string)) {
	n := js.Global().Get("Notification")
	if n.IsUndefined() {
		done("unsupported")
		return
	}
	var fn js.Func
	fn = js.FuncOf(func(_ js.Value, args []js.Value) any {
		fn.Release()
		done(args[0].String())
		return nil
	})
	n.Call("requestPermission").Call("then", fn)
}

func (w *web) SetTitle(title string) {
	doc := js.Global().Get("document")
	if doc.Get("title").String() != title {
		doc.Set("title", title)
	}
}

func (w *web) Languages() []string {
	nav := js.Global().Get("navigator")
	var out []string
	if l := nav.Get("languages"); l.Truthy() {
		for i := 0; i < l.Length(); i++ {
			out = append(out, l.Index(i).String())
		}
	}
	if l := nav.Get("language"); len(out) == 0 && l.Truthy() {
		out = append(out, l.String())
	}
	return out
}

func (w *web) SetLang(lang string) {
	el := js.Global().Get("document").Get("documentElement")
	if el.Call("getAttribute", "lang").String() != lang {
		el.Call("setAttribute", "lang", lang)
	}
}

func (w *web) Focused() bool {
	doc := js.Global().Get("document")
	return doc.Get("visibilityState").String() == "visible" && doc.Call("hasFocus").Bool()
}

func (w *web) Watch(focus func(bool), online func()) {
	settled := js.FuncOf(func(js.Value, []js.Value) any {
		focus(w.Focused())
		return nil
	})
	report := js.FuncOf(func(js.Value, []js.Value) any {
		// The focus moves after blur fires; read it once the event has settled.
		js.Global().Call("setTimeout", settled, 0)
		return nil
	})
	win, doc := js.Global(), js.Global().Get("document")
	win.Call("addEventListener", "focus", report)
	win.Call("addEventListener", "blur", report)
	doc.Call("addEventListener", "visibilitychange", report)
	win.Call("addEventListener", "online", js.FuncOf(func(js.Value, []js.Value) any {
		online()
		return nil
	}))
	// Browsers let audio play only after a gesture: wake the audio context on the first one.
	wake := js.FuncOf(func(js.Value, []js.Value) any {
		_ = catch(func() {
			if w.ensureAudio() && w.audio.Get("state").String() == "suspended" {
				w.audio.Call("resume")
			}
		})
		return nil
	})
	doc.Call("addEventListener", "pointerdown", wake)
	doc.Call("addEventListener", "keydown", wake)
	guardDefaults(doc)
}

// guardDefaults cancels, synchronously, the browser defaults the app replaces: go-app runs
// event handlers after the event has finished, too late for preventDefault. Enter in an
// element marked data-enter-sends (without Shift, outside an input method's composition)
// must not add a new line, nor Alt+N there (the composer's switch between reply and note)
// type a letter or start a dead key; a form marked data-prevent-submit must not navigate.
func guardDefaults(doc js.Value) {
	doc.Call("addEventListener", "keydown", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		t := e.Get("target")
		if !t.Truthy() || !t.Get("dataset").Truthy() || t.Get("dataset").Get("enterSends").IsUndefined() {
			return nil
		}
		enter := e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() && !e.Get("isComposing").Bool()
		note := e.Get("code").String() == "KeyN" && e.Get("altKey").Bool() && !e.Get("ctrlKey").Bool() && !e.Get("metaKey").Bool()
		if enter || note {
			e.Call("preventDefault")
		}
		return nil
	}), true)
	doc.Call("addEventListener", "submit", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if t := e.Get("target"); t.Truthy() && !t.Get("dataset").Get("preventSubmit").IsUndefined() {
			e.Call("preventDefault")
		}
		return nil
	}), true)
}
