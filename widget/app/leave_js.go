//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"

	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/uitext"
)

// This file draws "leave a message": the form (name, e-mail, phone, message) shown on a closed
// connector or after a chat no agent took, the button that offers it, and the thank-you. Each
// field's message line is tied to its control with aria-describedby, aria-invalid marks a
// refused one, and the focus goes to the first. The rules and words come from package chat.

// The positions of the fields in chat.LeaveFields.
const (
	lName = iota
	lEmail
	lPhone
	lText
)

// leaveView is the leave-a-message form.
type leaveView struct {
	form, oos, title, intro, err, btnSend, btnCancel js.Value
	// labels, inputs and msgs are the fields' parts, in the order of chat.LeaveFields.
	labels, inputs, msgs [len(chat.LeaveFields)]js.Value
	// shown is whether the form was shown at the last render, to prefill it when it opens.
	shown bool
}

// newLeaveView builds the form, hidden.
func newLeaveView() *leaveView {
	l := &leaveView{}
	l.oos = el("p", "leave-oos", "id", "leave-oos")
	l.title = el("strong", "")
	l.intro = el("span", "")
	l.err = el("p", "field-err", "id", "l-err", "role", "alert")
	l.form = add(el("form", "form", "id", "v-leave", "novalidate", "", "aria-labelledby", "leave-h", "hidden", ""),
		l.oos, add(el("p", "welcome", "id", "leave-h"), l.title, el("br", ""), l.intro), l.err)
	for i, f := range chat.LeaveFields {
		id := "l-" + f
		described := id + "-err"
		if f == chat.LeavePhone {
			described += " l-email-err" // the want of an e-mail or a phone is told at the e-mail
		}
		attrs := []string{"id", id, "name", f, "aria-describedby", described}
		switch f {
		case chat.LeaveName:
			attrs = append(attrs, "type", "text", "autocomplete", "name", "maxlength", "100", "aria-required", "true")
		case chat.LeaveEmail:
			attrs = append(attrs, "type", "email", "autocomplete", "email", "spellcheck", "false", "maxlength", "254")
		case chat.LeavePhone:
			attrs = append(attrs, "type", "tel", "autocomplete", "tel", "maxlength", "40")
		case chat.LeaveText:
			attrs = append(attrs, "rows", "4", "aria-required", "true")
		}
		tag := "input"
		if f == chat.LeaveText {
			tag = "textarea"
		}
		l.labels[i] = el("label", "", "for", id)
		l.inputs[i] = el(tag, "field", attrs...)
		l.msgs[i] = el("p", "field-err", "id", id+"-err")
		add(l.form, l.labels[i], l.inputs[i], l.msgs[i])
	}
	l.btnSend = el("button", "btn btn-primary", "type", "submit", "id", "btn-leave-send")
	l.btnCancel = el("button", "btn btn-ghost wide", "type", "button", "id", "btn-leave-cancel")
	add(l.form, l.btnSend, l.btnCancel)
	return l
}

// wire connects the form to the model.
func (l *leaveView) wire(a *app) {
	on(l.form, "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		v := func(i int) string { return l.inputs[i].Get("value").String() }
		name, email, phone, text := v(lName), v(lEmail), v(lPhone), v(lText)
		a.do(func() {
			if !a.m.SubmitLeave(name, email, phone, text) {
				a.v.focusErr = true
			}
		})
	})
	on(l.form, "input", func(ev js.Value) {
		f := jsString(ev.Get("target").Get("name"))
		a.do(func() { a.m.LeaveEdited(f) })
	})
	on(l.btnCancel, "click", func(js.Value) { a.do(a.m.CancelLeave) })
}

// setLabels sets the texts that change only with the language.
func (l *leaveView) setLabels(t uitext.Texts) {
	setText(l.title, t.Get(uitext.LeaveTitle))
	setText(l.intro, t.Get(uitext.LeaveIntro))
	for i, key := range [...]string{uitext.EnterName, uitext.LeaveEmail, uitext.LeavePhone, uitext.LeaveText} {
		label := t.Get(key)
		if i == lName || i == lText {
			label += " *"
		}
		setText(l.labels[i], label)
	}
	setText(l.btnSend, t.Get(uitext.LeaveSend))
	setText(l.btnCancel, t.Get(uitext.LeaveCancel))
}

// render brings the form in line with the model, and prefills it when it opens.
func (l *leaveView) render(m *chat.Model) {
	shown := m.LeaveShown()
	show(l.form, shown)
	opened := shown && !l.shown
	l.shown = shown
	if opened {
		name, email, phone := m.LeavePrefill()
		for i, v := range [...]string{name, email, phone} {
			if in := l.inputs[i]; in.Get("value").String() == "" {
				in.Set("value", v)
			}
		}
	}
	if m.Leave == chat.LeaveSent {
		l.inputs[lText].Set("value", "")
	}
	if !shown {
		return
	}
	offline := m.Phase == chat.PhaseOffline
	show(l.oos, offline)
	setText(l.oos, m.OfflineText())
	show(l.btnCancel, !offline)
	for i, f := range chat.LeaveFields {
		msg, bad := m.LeaveErrs[f]
		setText(l.msgs[i], msg)
		setAttr(l.inputs[i], "aria-invalid", strconv.FormatBool(bad))
	}
	setAttr(l.inputs[lText], "maxlength", strconv.Itoa(m.MaxMessage()))
	setText(l.err, m.LeaveError)
	sending := m.Leave == chat.LeaveSending
	l.btnSend.Set("disabled", sending)
	setAttr(l.form, "aria-busy", strconv.FormatBool(sending))
}

// focusFirstInvalid moves the focus to the first refused field, else (a refusal of the whole
// form, told at its top) back to the send button.
func (l *leaveView) focusFirstInvalid(m *chat.Model) {
	for i, f := range chat.LeaveFields {
		if _, bad := m.LeaveErrs[f]; bad {
			l.inputs[i].Call("focus")
			return
		}
	}
	l.btnSend.Call("focus")
}

// focusFirst puts the focus on the first field still empty, the phone aside (the message, when
// the name and an e-mail address are prefilled).
func (l *leaveView) focusFirst() {
	for _, i := range [...]int{lName, lEmail, lText} {
		if in := l.inputs[i]; in.Get("value").String() == "" {
			in.Call("focus")
			return
		}
	}
	l.inputs[lText].Call("focus")
}
