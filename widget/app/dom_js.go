//go:build js && wasm

package main

import "syscall/js"

// This file holds the few DOM helpers the widget needs. Text always goes in through
// textContent, never innerHTML, so nothing a visitor or an agent writes can become markup.

var (
	global   = js.Global()
	document = global.Get("document")
)

const svgNS = "http://www.w3.org/2000/svg"

// el creates an element with a class and attribute name/value pairs.
func el(tag, class string, attrs ...string) js.Value {
	e := document.Call("createElement", tag)
	if class != "" {
		e.Set("className", class)
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		e.Call("setAttribute", attrs[i], attrs[i+1])
	}
	return e
}

// text creates an element holding plain text.
func text(tag, class, s string, attrs ...string) js.Value {
	e := el(tag, class, attrs...)
	e.Set("textContent", s)
	return e
}

// icon creates a 24-unit SVG icon from path data; it is decoration, hidden from readers.
func icon(d string) js.Value {
	s := document.Call("createElementNS", svgNS, "svg")
	s.Call("setAttribute", "viewBox", "0 0 24 24")
	s.Call("setAttribute", "aria-hidden", "true")
	s.Call("setAttribute", "focusable", "false")
	p := document.Call("createElementNS", svgNS, "path")
	p.Call("setAttribute", "d", d)
	s.Call("appendChild", p)
	return s
}

// add appends children to a parent and returns the parent.
func add(parent js.Value, children ...js.Value) js.Value {
	for _, c := range children {
		parent.Call("appendChild", c)
	}
	return parent
}

// setText changes an element's text only when it differs, so screen readers are not told of
// a change that did not happen.
func setText(e js.Value, s string) {
	if e.Get("textContent").String() != s {
		e.Set("textContent", s)
	}
}

// setAttr changes an attribute only when it differs.
func setAttr(e js.Value, name, value string) {
	if v := e.Call("getAttribute", name); v.IsNull() || v.String() != value {
		e.Call("setAttribute", name, value)
	}
}

// show hides or shows an element with the hidden attribute.
func show(e js.Value, on bool) {
	if e.Get("hidden").Bool() == on {
		e.Set("hidden", !on)
	}
}

// on adds an event listener whose Go function runs in the browser's event dispatch; it may
// call preventDefault on the event. The listener lives as long as the page.
func on(target js.Value, event string, f func(ev js.Value)) {
	target.Call("addEventListener", event, js.FuncOf(func(this js.Value, args []js.Value) any {
		var ev js.Value
		if len(args) > 0 {
			ev = args[0]
		}
		f(ev)
		return nil
	}))
}

// Icon path data (24×24).
const (
	iconChevronDown = "M6.7 8.3 12 13.6l5.3-5.3 1.4 1.4L12 16.4 5.3 9.7z"
	iconEnd         = "M12 3a1 1 0 0 1 1 1v8a1 1 0 1 1-2 0V4a1 1 0 0 1 1-1zm-5.3 3.2a1 1 0 0 1 .1 1.4 6.5 6.5 0 1 0 10.4 0 1 1 0 1 1 1.5-1.3 8.5 8.5 0 1 1-13.4 0 1 1 0 0 1 1.4-.1z"
	iconSend        = "M3.4 20.4 21 12 3.4 3.6l-.1 6.5L15 12 3.3 13.9z"
	iconClip        = "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z"
	iconFile        = "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm-1 1.5L18.5 9H13z"
	iconChat        = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
)
