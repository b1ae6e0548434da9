//go:build js && wasm

package main

import (
	"strings"
	"syscall/js"

	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/uitext"
)

// This file draws the widget's part of translated chats: the choice of the language to chat
// in on the pre-chat form, offered when the tenant translates chats (chat.Model.ChatLanguages),
// and under an agent's line read translated the mark that opens its original. The rules are
// package chat's.

// langChoice is the pre-chat form's choice of the chat's language.
type langChoice struct {
	label, sel js.Value
	sig        string // the languages the options were made for
}

// newLangChoice adds the choice to the form, before the start button.
func newLangChoice(v *view) *langChoice {
	c := &langChoice{label: el("label", "", "for", "f-lang", "hidden", ""), sel: el("select", "field", "id", "f-lang", "name", "lang", "hidden", "")}
	v.form.Call("insertBefore", c.label, v.fieldErr)
	v.form.Call("insertBefore", c.sel, v.fieldErr)
	on(c.sel, "change", func(js.Value) {
		lang := c.sel.Get("value").String()
		v.a.do(func() { v.a.m.SetChatLanguage(lang) })
	})
	return c
}

// render shows the choice with the languages the server offers, or hides it.
func (c *langChoice) render(m *chat.Model, t uitext.Texts) {
	langs := m.ChatLanguages()
	show(c.label, len(langs) > 0)
	show(c.sel, len(langs) > 0)
	setText(c.label, t.Get(uitext.ChatLanguage))
	if sig := strings.Join(langs, ","); sig != c.sig {
		c.sig = sig
		setText(c.sel, "")
		for _, l := range langs {
			add(c.sel, text("option", "", chat.LanguageName(l), "value", l, "lang", l))
		}
	}
	if len(langs) > 0 {
		cur := m.ChatLang
		if cur == "" {
			cur = langs[0]
		}
		c.sel.Set("value", cur)
	}
}

// addOriginal puts the mark that opens the original under an agent's translated line.
func addOriginal(li js.Value, t uitext.Texts, it chat.Item) {
	if it.Original == "" {
		return
	}
	d := el("details", "orig")
	add(d, text("summary", "", t.Get(uitext.Translated)), text("p", "orig-text", it.Original, "lang", ""))
	add(li, d)
}
