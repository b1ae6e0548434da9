//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"

	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/uitext"
)

// This file draws "Send me the transcript" under the conversation: a button, which opens an
// e-mail field (prefilled with the chat's address) with Send and Cancel, and the line that
// says to whom it was sent. A refused address is tied to its field with aria-describedby and
// aria-invalid and gets the focus; Escape in the field cancels. The rules and words come from
// package chat.

// transcriptView is the transcript request's part of the chat.
type transcriptView struct {
	box, btn, form, label, input, err, btnSend, btnCancel, status js.Value
	// state is the model's state at the last render, to move the focus when it changes.
	state chat.TranscriptState
}

// newTranscriptView builds the part, hidden.
func newTranscriptView() *transcriptView {
	tv := &transcriptView{}
	tv.btn = el("button", "btn btn-ghost", "type", "button", "id", "btn-transcript", "aria-expanded", "false", "aria-controls", "transcript-form")
	tv.label = el("label", "", "for", "t-email")
	tv.input = el("input", "field", "id", "t-email", "type", "email", "autocomplete", "email", "spellcheck", "false", "maxlength", "254",
		"aria-describedby", "t-email-err", "aria-required", "true")
	tv.err = el("p", "field-err", "id", "t-email-err", "role", "alert")
	tv.btnSend = el("button", "btn btn-primary", "type", "submit", "id", "btn-transcript-send")
	tv.btnCancel = el("button", "btn btn-ghost", "type", "button", "id", "btn-transcript-cancel")
	tv.form = add(el("form", "form transcript-form", "id", "transcript-form", "novalidate", "", "hidden", ""),
		tv.label, tv.input, tv.err, add(el("div", "confirm-actions"), tv.btnCancel, tv.btnSend))
	tv.status = el("p", "transcript-sent", "id", "transcript-sent", "role", "status")
	tv.box = add(el("div", "transcript", "id", "transcript", "hidden", ""), tv.btn, tv.form, tv.status)
	return tv
}

// wire connects the part to the model.
func (tv *transcriptView) wire(a *app) {
	on(tv.btn, "click", func(js.Value) { a.do(a.m.OpenTranscript) })
	on(tv.form, "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		email := tv.input.Get("value").String()
		a.do(func() { a.m.SendTranscript(email) })
	})
	on(tv.btnCancel, "click", func(js.Value) { a.do(a.m.CancelTranscript) })
	on(tv.input, "keydown", func(ev js.Value) {
		if ev.Get("key").String() == "Escape" {
			ev.Call("preventDefault")
			ev.Call("stopPropagation")
			a.do(a.m.CancelTranscript)
		}
	})
}

// setLabels sets the texts that change only with the language.
func (tv *transcriptView) setLabels(t uitext.Texts) {
	setText(tv.btn, t.Get(uitext.TranscriptButton))
	setText(tv.label, t.Get(uitext.TranscriptEmail))
	setText(tv.btnSend, t.Get(uitext.TranscriptSend))
	setText(tv.btnCancel, t.Get(uitext.TranscriptCancel))
}

// render brings the part in line with the model: the form prefilled and focused when it
// opens, the field marked and focused when refused, the button focused after a send or a
// cancel.
func (tv *transcriptView) render(m *chat.Model) {
	offered := m.TranscriptOffered()
	show(tv.box, offered)
	open := offered && (m.Transcript == chat.TranscriptOpen || m.Transcript == chat.TranscriptSending)
	show(tv.form, open)
	show(tv.btn, offered && !open)
	setAttr(tv.btn, "aria-expanded", strconv.FormatBool(open))
	prev := tv.state
	tv.state = m.Transcript
	if !offered {
		return
	}
	if open && prev != chat.TranscriptOpen && prev != chat.TranscriptSending {
		tv.input.Set("value", m.TranscriptAddress())
		tv.input.Call("focus")
	}
	setText(tv.err, m.TranscriptErr)
	setAttr(tv.input, "aria-invalid", strconv.FormatBool(m.TranscriptErr != ""))
	if m.TranscriptErr != "" && (prev == chat.TranscriptSending || prev == chat.TranscriptOpen) && m.Transcript == chat.TranscriptOpen {
		tv.input.Call("focus")
	}
	sending := m.Transcript == chat.TranscriptSending
	tv.btnSend.Set("disabled", sending)
	setAttr(tv.form, "aria-busy", strconv.FormatBool(sending))
	setText(tv.status, m.TranscriptStatus())
	if !open && (prev == chat.TranscriptOpen || prev == chat.TranscriptSending) {
		tv.btn.Call("focus")
	}
}
