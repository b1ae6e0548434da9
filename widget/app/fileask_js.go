//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/parleychat/parley/widget/uitext"
)

// fileAskView shows the agent's request for a file under the conversation: the sentence with
// the requested types, an upload button whose picker offers those types, and "Not now".
type fileAskView struct {
	box, text, btnPick, btnSkip js.Value
	shown                       bool
}

// newFileAskView builds the request's box, hidden until asked.
func newFileAskView() *fileAskView {
	f := &fileAskView{
		text:    el("p", "ask-h", "id", "file-ask-h"),
		btnPick: el("button", "btn btn-primary", "type", "button", "id", "btn-file-ask"),
		btnSkip: el("button", "btn btn-ghost", "type", "button", "id", "btn-file-ask-skip"),
	}
	f.box = add(el("section", "form ask", "id", "file-ask", "role", "region", "aria-labelledby", "file-ask-h", "hidden", ""),
		f.text, add(el("div", "confirm-actions"), f.btnSkip, f.btnPick))
	return f
}

// wire connects the buttons: the picker opens within the click itself (browsers allow it only
// there), offering the requested types; the file picked goes the way of any attachment.
func (f *fileAskView) wire(a *app, v *view) {
	on(f.btnPick, "click", func(js.Value) {
		setAttr(v.fileInput, "accept", a.m.FileAskAccept())
		v.fileInput.Call("click")
	})
	on(f.btnSkip, "click", func(js.Value) {
		a.do(func() { a.m.DismissFileAsk(); v.msg.Call("focus") })
	})
}

// labels sets the button texts of the visitor's language.
func (f *fileAskView) labels(t uitext.Texts) {
	setText(f.btnPick, t.Get(uitext.AttachFile))
	setText(f.btnSkip, t.Get(uitext.NotNow))
}

// render shows or hides the request; a new one takes the focus unless the visitor is writing.
func (f *fileAskView) render(v *view) {
	m := v.a.m
	on := m.FileAsked() && m.Phase.InChat()
	show(f.box, on)
	if on {
		// While the agent asks, the picker offers the requested types, whichever button opens it.
		setAttr(v.fileInput, "accept", m.FileAskAccept())
		setText(f.text, m.FileAskText())
		if !f.shown && v.msg.Get("value").String() == "" {
			f.btnPick.Call("focus")
			v.log.Set("scrollTop", v.log.Get("scrollHeight"))
		}
	}
	f.shown = on
}
