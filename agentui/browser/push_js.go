//go:build js && wasm

package browser

import (
	"encoding/base64"
	"errors"
	"strings"
	"syscall/js"
)

// registration waits for the app's service worker registration (go-app registers it).
func registration() (js.Value, error) {
	sw := js.Global().Get("navigator").Get("serviceWorker")
	if sw.IsUndefined() {
		return js.Value{}, errors.New("browser: no service workers here")
	}
	reg, err := await(sw.Get("ready"))
	if err != nil {
		return js.Value{}, err
	}
	if reg.Get("pushManager").IsUndefined() {
		return js.Value{}, errors.New("browser: no Push API here")
	}
	return reg, nil
}

func (w *web) PushSubscribe(key string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key, "="))
	if err != nil {
		return nil, err
	}
	reg, err := registration()
	if err != nil {
		return nil, err
	}
	pm := reg.Get("pushManager")
	subscribe := func() (js.Value, error) {
		k := js.Global().Get("Uint8Array").New(len(raw))
		js.CopyBytesToJS(k, raw)
		return await(pm.Call("subscribe", map[string]any{"userVisibleOnly": true, "applicationServerKey": k}))
	}
	sub, err := subscribe()
	if err != nil {
		// Subscribed with another key (the server's keys changed): start again.
		if old, gerr := await(pm.Call("getSubscription")); gerr == nil && old.Truthy() {
			if _, uerr := await(old.Call("unsubscribe")); uerr == nil {
				sub, err = subscribe()
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return []byte(js.Global().Get("JSON").Call("stringify", sub).String()), nil
}

func (w *web) PushUnsubscribe() string {
	reg, err := registration()
	if err != nil {
		return ""
	}
	sub, err := await(reg.Get("pushManager").Call("getSubscription"))
	if err != nil || !sub.Truthy() {
		return ""
	}
	endpoint := sub.Get("endpoint").String()
	_, _ = await(sub.Call("unsubscribe"))
	return endpoint
}

func (w *web) WatchOpen(open func(chat string)) {
	params := js.Global().Get("URLSearchParams").New(js.Global().Get("location").Get("search"))
	if c := params.Call("get", "chat"); c.Type() == js.TypeString && c.String() != "" {
		open(c.String())
	}
	sw := js.Global().Get("navigator").Get("serviceWorker")
	if sw.IsUndefined() {
		return
	}
	sw.Call("addEventListener", "message", js.FuncOf(func(_ js.Value, args []js.Value) any {
		d := args[0].Get("data")
		if d.Type() != js.TypeObject {
			return nil
		}
		if p := d.Get("parley"); p.Type() == js.TypeObject && p.Get("open").Type() == js.TypeString {
			open(p.Get("open").String())
		}
		return nil
	}))
}
