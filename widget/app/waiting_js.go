//go:build js && wasm

package main

import (
	"strconv"
	"syscall/js"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/widget/chat"
	"github.com/parleychat/parley/widget/uitext"
)

// This file draws what the waiting features add to the panel: the sneak-peek notice with its
// switch under the message box, the greeting of a write-first start, the details card asked
// while waiting, and the offer to leave a message when the wait is long. The rules and words
// come from package chat (peek.go, writefirst.go, longwait.go).

// waitingView holds those pieces.
type waitingView struct {
	peek, peekText, btnPeek                    js.Value
	intro                                      js.Value
	details, detailsHead, nameLabel, name, err js.Value
	btnDetails                                 js.Value
	fields                                     *surveyForm
	long, longText, btnLeave, btnWait          js.Value
	msg                                        js.Value // the message box, to leave a writer be
	// lastDetails is whether the details card showed at the last render, to focus it when it
	// opens.
	lastDetails bool
}

// newWaitingView builds the pieces, hidden, into the panel's composer, chat view and body.
func newWaitingView(v *view, body js.Value) *waitingView {
	w := &waitingView{msg: v.msg}
	w.peekText = el("span", "", "id", "peek-text")
	w.btnPeek = el("button", "link", "type", "button", "id", "btn-peek", "aria-describedby", "peek-text")
	w.peek = add(el("p", "peek", "id", "peek", "hidden", ""), w.peekText, text("span", "", " "), w.btnPeek)
	add(v.composer, w.peek)

	w.intro = el("p", "welcome", "id", "wf-intro", "hidden", "")
	w.detailsHead = el("p", "ask-h", "id", "details-h")
	w.nameLabel = el("label", "", "for", "d-name")
	w.name = el("input", "field", "id", "d-name", "name", "name", "autocomplete", "name", "maxlength", "100", "aria-required", "true", "aria-describedby", "d-err")
	w.err = el("p", "field-err", "id", "d-err", "role", "alert")
	w.btnDetails = el("button", "btn btn-primary", "type", "submit", "id", "btn-details")
	w.details = add(el("form", "form ask", "id", "details", "novalidate", "", "aria-labelledby", "details-h", "hidden", ""),
		w.detailsHead, w.nameLabel, w.name, w.err, w.btnDetails)
	w.fields = &surveyForm{prefix: "det", parent: w.details, before: w.err}
	v.chatView.Call("insertBefore", w.intro, v.log)
	v.chatView.Call("insertBefore", w.details, v.askForm)

	w.longText = el("p", "", "id", "long-text")
	w.btnLeave = el("button", "btn btn-primary", "type", "button", "id", "btn-leave-instead")
	w.btnWait = el("button", "btn btn-ghost", "type", "button", "id", "btn-wait")
	w.long = add(el("section", "notice-card", "id", "long-wait", "role", "status", "hidden", ""), w.longText,
		add(el("div", "confirm-actions"), w.btnWait, w.btnLeave))
	body.Call("insertBefore", w.long, v.form)
	return w
}

// wire connects the pieces to the model.
func (w *waitingView) wire(a *app, v *view) {
	on(w.btnPeek, "click", func(js.Value) {
		a.do(func() { a.m.SetPreview(a.m.PreviewOff) })
	})
	on(w.details, "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		name, answers := w.name.Get("value").String(), w.fields.answers()
		a.do(func() {
			if !a.m.SubmitDetails(name, answers) {
				w.focusInvalid(a.m)
			}
		})
	})
	w.fields.watch(func(name string) { a.do(func() { a.m.Edited(name) }) })
	on(w.btnLeave, "click", func(js.Value) { a.do(a.m.LeaveInstead) })
	on(w.btnWait, "click", func(js.Value) {
		a.do(func() {
			a.m.WaitAnyway()
			v.focusDefault()
		})
	})
}

// labels sets the texts that change only with the language.
func (w *waitingView) labels(t uitext.Texts) {
	setText(w.intro, t.Get(uitext.WriteFirstText))
	setText(w.detailsHead, t.Get(uitext.DetailsTitle))
	setText(w.nameLabel, t.Get(uitext.EnterName)+" *")
	setText(w.btnDetails, t.Get(uitext.DetailsSend))
	setText(w.btnLeave, t.Get(uitext.LeaveMessage))
	setText(w.btnWait, t.Get(uitext.WaitAnyway))
}

// render brings the pieces in line with the model.
func (w *waitingView) render(m *chat.Model, t uitext.Texts) {
	told := m.PreviewTold()
	show(w.peek, told)
	if told {
		if m.PreviewOn() {
			setText(w.peekText, t.Get(uitext.PreviewNotice))
			setText(w.btnPeek, t.Get(uitext.PreviewTurnOff))
		} else {
			setText(w.peekText, t.Get(uitext.PreviewOffNote))
			setText(w.btnPeek, t.Get(uitext.PreviewTurnOn))
		}
		setAttr(w.btnPeek, "aria-pressed", strconv.FormatBool(m.PreviewOn()))
	}

	show(w.intro, m.WritingFirst())

	shown := m.DetailsShown()
	show(w.details, shown)
	if shown {
		w.fields.sync(m.PreChat(), t, func(f protocol.SurveyField) string { return survey.Default(f, time.Now()) })
		w.fields.showErrors(m.FieldMessage)
		asksName := m.AsksName()
		show(w.nameLabel, asksName)
		show(w.name, asksName)
		setAttr(w.name, "aria-invalid", strconv.FormatBool(m.FieldError == uitext.NameRequired))
		setText(w.err, m.FormError())
		w.btnDetails.Set("disabled", m.DetailsSending())
		if !w.lastDetails && w.msg.Get("value").String() == "" {
			// The card opens under the first message: the visitor goes on there, unless they
			// are writing the next one.
			w.focusFirst(m)
		}
	}
	w.lastDetails = shown

	long := m.WaitTooLong()
	thanks := ""
	if m.Phase == chat.PhaseForm {
		thanks = m.LeaveThanks() // left from the long-wait offer
	}
	show(w.long, long || thanks != "")
	show(w.btnLeave, long)
	show(w.btnWait, long)
	switch {
	case long:
		setText(w.longText, m.LongWaitText())
	case thanks != "":
		setText(w.longText, thanks)
	}
}

// focusFirst puts the focus on the card's first field.
func (w *waitingView) focusFirst(m *chat.Model) {
	if m.AsksName() {
		w.name.Call("focus")
		return
	}
	w.fields.focusFirst()
}

// focusInvalid moves the focus to the first refused detail.
func (w *waitingView) focusInvalid(m *chat.Model) {
	if m.FieldError == uitext.NameRequired && m.AsksName() {
		w.name.Call("focus")
		return
	}
	w.fields.focusFirstInvalid()
}
