//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/uitext"
)

// embedView is what the page's options add to the panel: the post-chat words and link
// (MiCC PostText, PostUrl, PostUrlText) over the ended chat's buttons.
type embedView struct {
	post, postText, postLink js.Value
	questionSet              bool
}

// newEmbedView adds the post-chat words to the ended chat's footer, before its buttons.
func newEmbedView(restart js.Value) *embedView {
	e := &embedView{}
	e.postText = el("p", "post-text", "id", "post-text")
	e.postLink = el("a", "post-link", "id", "post-link", "target", "_blank", "rel", "noopener")
	e.post = add(el("div", "post-page", "id", "post-page", "hidden", ""), e.postText, e.postLink)
	restart.Call("insertBefore", e.post, restart.Get("firstChild"))
	return e
}

// render fills the question once from the page's, shows the post-chat words when the
// connector's texts have them, and hides the new-chat button when the page wants none.
func (e *embedView) render(v *view, m *chat.Model, t uitext.Texts) {
	if !e.questionSet && m.Phase == chat.PhaseForm {
		e.questionSet = true
		if q := m.Question(); q != "" && v.q.Get("value").String() == "" {
			v.q.Set("value", q)
		}
	}
	text, url, label := t.Get(uitext.PostText), t.Get(uitext.PostURL), t.Get(uitext.PostURLText)
	link := safeLink(url)
	if label == "" {
		label = link
	}
	setText(e.postText, text)
	show(e.postText, text != "")
	if link != "" {
		setAttr(e.postLink, "href", link)
	}
	setText(e.postLink, label)
	show(e.postLink, link != "")
	show(e.post, m.Phase == chat.PhaseClosed && (text != "" || link != ""))
	if !m.NewChatShown() {
		show(v.btnRestart, false)
	}
}

// safeLink returns an http(s) URL as the browser resolves it, or "" for anything else
// (javascript:, data:, malformed), so that a configured link cannot run script.
func safeLink(u string) string {
	if u == "" {
		return ""
	}
	var out string
	func() {
		defer func() { _ = recover() }() // new URL throws on a malformed string
		p := global.Get("URL").New(u)
		if s := p.Get("protocol").String(); s == "https:" || s == "http:" {
			out = p.Get("href").String()
		}
	}()
	return out
}
