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

// view owns the panel's DOM. It is built once; render updates it from the model.
type view struct {
	a *app

	root, title, status, btnEnd, btnMin, banner, queue  js.Value
	confirm, confirmQ, btnYes, btnNo                    js.Value
	loading, loadingText                                js.Value
	form, welcome, nameLabel, name, qLabel, q, fieldErr js.Value
	btnStart                                            js.Value
	langChoice                                          *langChoice
	offline, offlineText, refused, refusedText          js.Value
	chatView, log, typing, typingText                   js.Value
	composer, notice, msgLabel, msg, btnSend, restart   js.Value
	btnRestart, btnAttach, fileInput                    js.Value
	postForm, postTitle, postIntro, postErr             js.Value
	btnSurvey, btnSkip                                  js.Value
	askForm, askHead, btnAsk, btnAskSkip                js.Value
	pre, post, ask                                      *surveyForm
	fileAsk                                             *fileAskView
	leave                                               *leaveView
	waiting                                             *waitingView
	btnLeave, offlineThanks                             js.Value
	// transcript is "Send me the transcript" under the conversation.
	transcript    *transcriptView
	rows          map[string]row
	order         []string
	lastPhase     chat.Phase
	lastConfirm   bool
	lang          string
	sendTimeLabel string
	// focusErr asks the next render to move the focus to the first refused answer.
	focusErr  bool
	lastPost  chat.PostState
	lastLeave chat.LeaveState
	// embed is what the page's options add (embed_js.go).
	embed *embedView
}

// row is one rendered transcript line and what it showed, to update it in place.
type row struct {
	li, status, bubble js.Value
	sig, fileSig       string
}

func newView(a *app) *view {
	v := &view{a: a, rows: map[string]row{}, lastPhase: 255}
	body := document.Get("body")
	if old := document.Call("getElementById", "boot"); !old.IsNull() {
		old.Call("remove")
	}
	v.root = el("div", "panel", "id", "app")

	// Header: avatar, title, live status line, end and minimize buttons.
	v.title = el("h1", "title", "id", "title")
	v.status = el("p", "status", "id", "status", "role", "status", "aria-live", "polite")
	v.btnEnd = el("button", "icon-btn", "type", "button", "id", "btn-end")
	add(v.btnEnd, icon(iconEnd))
	v.btnMin = el("button", "icon-btn", "type", "button", "id", "btn-min")
	add(v.btnMin, icon(iconChevronDown))
	avatar := add(el("div", "avatar", "aria-hidden", "true"), icon(iconChat))
	header := add(el("header", "hd"), avatar, add(el("div", "hd-text"), v.title, v.status), v.btnEnd, v.btnMin)

	v.queue = el("div", "queue", "id", "queue", "role", "status", "hidden", "")
	v.banner = el("div", "banner", "role", "status", "hidden", "")
	v.confirmQ = el("p", "", "id", "confirm-q")
	v.btnYes = el("button", "btn btn-danger", "type", "button", "id", "btn-yes")
	v.btnNo = el("button", "btn btn-ghost", "type", "button", "id", "btn-no")
	v.confirm = add(el("div", "confirm", "role", "alertdialog", "aria-labelledby", "confirm-q", "hidden", ""),
		v.confirmQ, add(el("div", "confirm-actions"), v.btnNo, v.btnYes))

	v.loadingText = el("p", "")
	v.loading = add(el("section", "center"), el("div", "spinner", "aria-hidden", "true"), v.loadingText)

	// Pre-chat form: name (required) and the first question.
	v.welcome = el("p", "welcome")
	v.nameLabel = el("label", "", "for", "f-name")
	v.name = el("input", "field", "id", "f-name", "name", "name", "autocomplete", "name", "required", "", "maxlength", "100", "aria-describedby", "f-err")
	v.qLabel = el("label", "", "for", "f-q")
	v.q = el("textarea", "field", "id", "f-q", "name", "question", "rows", "3")
	v.fieldErr = el("p", "field-err", "id", "f-err", "role", "alert")
	v.btnStart = el("button", "btn btn-primary", "type", "submit", "id", "btn-start")
	v.form = add(el("form", "form", "id", "v-form", "novalidate", ""), v.welcome, v.nameLabel, v.name, v.qLabel, v.q, v.fieldErr, v.btnStart)
	// The connector's pre-chat survey goes after the question.
	v.pre = &surveyForm{prefix: "pre", parent: v.form, before: v.fieldErr}
	v.langChoice = newLangChoice(v)

	// Post-chat survey, shown in place of the transcript once the chat has ended.
	v.postTitle = el("strong", "")
	v.postIntro = el("span", "")
	v.postErr = el("p", "field-err", "id", "post-err", "role", "alert")
	v.btnSurvey = el("button", "btn btn-primary", "type", "submit", "id", "btn-survey")
	v.btnSkip = el("button", "btn btn-ghost", "type", "button", "id", "btn-skip")
	v.postForm = add(el("form", "form", "id", "v-post", "novalidate", "", "aria-labelledby", "post-title"),
		add(el("p", "welcome", "id", "post-title"), v.postTitle, el("br", ""), v.postIntro), v.postErr, v.btnSurvey, v.btnSkip)
	v.post = &surveyForm{prefix: "post", parent: v.postForm, before: v.postErr}

	v.offlineText = el("p", "")
	v.offlineThanks = el("p", "thanks", "id", "leave-thanks", "role", "status", "tabindex", "-1", "hidden", "")
	v.offline = add(el("section", "center notice-card", "id", "v-offline"), v.offlineText, v.offlineThanks)
	// Leave a message: on a closed connector, or after a chat no agent took.
	v.leave = newLeaveView()
	v.refusedText = el("p", "")
	v.refused = add(el("section", "center notice-card error", "id", "v-refused"), v.refusedText)

	// The transcript stays a list (a screen reader says how many lines it holds and moves
	// between them) and announces each new line politely: role=log would hide the list. It
	// takes the focus, so that a long transcript scrolls from the keyboard too.
	v.log = el("ol", "log", "id", "log", "aria-live", "polite", "aria-relevant", "additions", "tabindex", "0")
	v.typingText = el("span", "")
	v.typing = add(el("div", "typing", "id", "typing", "hidden", ""), add(el("span", "dots", "aria-hidden", "true"), el("i", ""), el("i", ""), el("i", "")), v.typingText)
	// A field the agent asked for, under the conversation.
	v.askHead = el("p", "ask-h", "id", "ask-h")
	v.btnAsk = el("button", "btn btn-primary", "type", "submit", "id", "btn-ask")
	v.btnAskSkip = el("button", "btn btn-ghost", "type", "button", "id", "btn-ask-skip")
	askActions := add(el("div", "confirm-actions"), v.btnAskSkip, v.btnAsk)
	v.askForm = add(el("form", "form ask", "id", "ask", "novalidate", "", "aria-labelledby", "ask-h", "hidden", ""), v.askHead, askActions)
	v.ask = &surveyForm{prefix: "ask", parent: v.askForm, before: askActions}
	v.fileAsk = newFileAskView()
	v.transcript = newTranscriptView()
	v.chatView = add(el("section", "chat", "id", "v-chat"), v.log, v.askForm, v.fileAsk.box, v.typing, v.transcript.box)

	main := add(el("main", "body"), v.loading, v.form, v.offline, v.leave.form, v.refused, v.chatView, v.postForm)

	v.notice = el("p", "notice", "id", "notice", "role", "alert")
	v.msgLabel = el("label", "sr-only", "for", "msg")
	v.msg = el("textarea", "msg", "id", "msg", "rows", "1")
	v.btnSend = el("button", "send", "type", "submit", "id", "btn-send")
	add(v.btnSend, icon(iconSend))
	// The attach button opens the browser's file picker, an input kept out of sight.
	v.btnAttach = el("button", "attach", "type", "button", "id", "btn-attach", "hidden", "")
	add(v.btnAttach, icon(iconClip))
	v.fileInput = el("input", "", "type", "file", "id", "f-file", "hidden", "", "tabindex", "-1", "aria-hidden", "true")
	sendForm := add(el("form", "send-form", "id", "send-form"), v.btnAttach, v.msgLabel, v.msg, v.btnSend)
	v.composer = add(el("footer", "composer", "id", "composer"), v.notice, sendForm, v.fileInput)
	v.btnRestart = el("button", "btn btn-primary", "type", "button", "id", "btn-restart")
	v.btnLeave = el("button", "btn btn-primary", "type", "button", "id", "btn-leave", "hidden", "")
	v.restart = add(el("footer", "composer", "id", "restart", "hidden", ""), v.btnLeave, v.btnRestart)
	v.embed = newEmbedView(v.restart)

	v.waiting = newWaitingView(v, main)
	add(v.root, header, v.queue, v.banner, v.confirm, main, v.composer, v.restart)
	add(body, v.root)
	v.wire()
	return v
}

// wire connects the controls to the model.
func (v *view) wire() {
	a := v.a
	on(v.form, "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		name, q, answers := v.name.Get("value").String(), v.q.Get("value").String(), v.pre.answers()
		a.do(func() {
			if a.m.StartChat(name, q, "", answers) {
				v.q.Set("value", "")
			} else {
				v.focusErr = true
			}
		})
	})
	// A visitor already named (by the page, jtel pdata, or by a survey field) has no name field:
	// the question is the chat's editor, and Enter sends the first message, which opens the
	// chat, as in the chat itself.
	on(v.q, "keydown", func(ev js.Value) {
		if v.name.Get("hidden").Bool() && ev.Get("key").String() == "Enter" && !ev.Get("shiftKey").Bool() && !ev.Get("isComposing").Bool() {
			ev.Call("preventDefault")
			v.form.Call("requestSubmit")
		}
	})
	on(v.postForm, "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		answers := v.post.answers()
		a.do(func() { v.focusErr = !a.m.SubmitSurvey(answers) })
	})
	on(v.btnSkip, "click", func(js.Value) { a.do(a.m.SkipSurvey) })
	for _, s := range []*surveyForm{v.pre, v.post, v.ask} {
		s.watch(func(name string) { a.do(func() { a.m.Edited(name) }) })
	}
	on(v.askForm, "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		answers := v.ask.answers()
		a.do(func() {
			if f := a.m.Asked(); f != nil {
				v.focusErr = !a.m.SubmitAnswer(answers[f.Name])
			}
		})
	})
	v.fileAsk.wire(a, v)
	on(v.btnAskSkip, "click", func(js.Value) {
		a.do(func() { a.m.DismissAsk(); v.msg.Call("focus") })
	})
	sendNow := func() {
		txt := v.msg.Get("value").String()
		a.do(func() {
			if a.send(txt) {
				v.msg.Set("value", "")
				v.fit()
			}
		})
	}
	on(v.composer.Call("querySelector", "form"), "submit", func(ev js.Value) {
		ev.Call("preventDefault")
		sendNow()
		v.msg.Call("focus")
	})
	on(v.msg, "keydown", func(ev js.Value) {
		if ev.Get("key").String() == "Enter" && !ev.Get("shiftKey").Bool() && !ev.Get("isComposing").Bool() {
			ev.Call("preventDefault")
			sendNow()
		}
	})
	on(v.msg, "input", func(js.Value) {
		v.fit()
		txt := v.msg.Get("value").String()
		a.do(func() { a.m.Input(txt, time.Now()) })
	})
	// The picker must open within the click itself, not later on the UI goroutine.
	on(v.btnAttach, "click", func(js.Value) { v.fileInput.Call("click") })
	on(v.fileInput, "change", func(js.Value) {
		files := v.fileInput.Get("files")
		if files.Truthy() && files.Get("length").Int() > 0 {
			a.pick(files.Index(0))
		}
		v.fileInput.Set("value", "") // the same file may be picked again
	})
	on(v.btnEnd, "click", func(js.Value) { a.do(a.m.AskClose) })
	on(v.btnNo, "click", func(js.Value) {
		a.do(func() { a.m.CancelClose(); v.msg.Call("focus") })
	})
	on(v.btnYes, "click", func(js.Value) { a.do(a.m.Close) })
	on(v.btnRestart, "click", func(js.Value) { a.do(a.m.NewChat) })
	on(v.btnLeave, "click", func(js.Value) { a.do(a.m.OpenLeave) })
	v.leave.wire(a)
	v.transcript.wire(a)
	v.waiting.wire(a, v)
	on(v.btnMin, "click", func(js.Value) {
		a.do(func() { a.m.SetVisible(false) })
		a.post(map[string]any{"parley": "minimize"})
	})
	on(document, "keydown", func(ev js.Value) {
		if ev.Get("key").String() != "Escape" {
			return
		}
		a.do(func() {
			if a.m.ConfirmingClose {
				a.m.CancelClose()
				v.msg.Call("focus")
				return
			}
			a.m.SetVisible(false)
			a.post(map[string]any{"parley": "minimize"})
		})
	})
	on(v.log, "click", func(ev js.Value) {
		t := ev.Get("target")
		if t.Get("tagName").String() != "BUTTON" {
			return
		}
		id := jsString(t.Call("getAttribute", "data-retry"))
		if id != "" {
			a.do(func() { a.m.Retry(id, time.Now()) })
		}
	})
}

// fit grows the message box with its content, up to the CSS max-height.
func (v *view) fit() {
	s := v.msg.Get("style")
	s.Set("height", "auto")
	s.Set("height", strconv.Itoa(v.msg.Get("scrollHeight").Int()+2)+"px")
}

// focusDefault puts the focus where the visitor will type next.
func (v *view) focusDefault() {
	m := v.a.m
	switch {
	case m.ConfirmingClose:
		v.btnNo.Call("focus")
	case m.LeaveShown():
		v.leave.focusFirst()
	case m.Phase == chat.PhaseOffline:
		if m.LeaveThanks() != "" {
			v.offlineThanks.Call("focus")
		}
	case m.WritingFirst():
		v.msg.Call("focus")
	case m.Phase == chat.PhaseForm:
		switch {
		case !m.AsksName():
			if !v.pre.focusFirst() {
				v.q.Call("focus")
			}
		case v.name.Get("value").String() == "":
			v.name.Call("focus")
		default:
			v.q.Call("focus")
		}
	case m.DetailsShown() && v.msg.Get("value").String() == "":
		v.waiting.focusFirst(m)
	case m.Phase.InChat():
		v.msg.Call("focus")
	case m.Phase == chat.PhaseClosed:
		switch {
		case surveyShown(m):
			v.post.focusFirst()
		case m.LeaveOffered():
			v.btnLeave.Call("focus")
		default:
			v.btnRestart.Call("focus")
		}
	}
}

// surveyShown reports whether the post-chat survey takes the transcript's place.
func surveyShown(m *chat.Model) bool {
	return m.Phase == chat.PhaseClosed && (m.Post == chat.PostOpen || m.Post == chat.PostSending)
}

// focusInvalid moves the focus to the first refused answer of the form shown.
func (v *view) focusInvalid() {
	m := v.a.m
	switch {
	case m.LeaveShown():
		v.leave.focusFirstInvalid(m)
	case m.Phase == chat.PhaseForm:
		switch {
		case m.FieldError == uitext.NameRequired && m.AsksName():
			v.name.Call("focus")
		case m.FieldError == uitext.MessageTooLong:
			v.q.Call("focus")
		default:
			v.pre.focusFirstInvalid()
		}
	case surveyShown(m):
		v.post.focusFirstInvalid()
	case m.Asked() != nil:
		v.ask.focusFirstInvalid()
	}
}

// renderSurveys draws the pre-chat fields, the post-chat survey and the field the agent
// asked for, with their messages.
func (v *view) renderSurveys(m *chat.Model, t uitext.Texts) {
	ph := m.Phase
	if ph == chat.PhaseForm {
		v.pre.sync(m.PreChat(), t, func(f protocol.SurveyField) string {
			if f.Type == survey.TypeName && m.Name != "" {
				return m.Name
			}
			return survey.Default(f, time.Now())
		})
		v.pre.showErrors(m.FieldMessage)
	}
	asksName := m.AsksName()
	// The greeting asks for the name; a visitor the page named (jtel pdata) goes straight to
	// the editor.
	show(v.welcome, m.PageName() == "")
	show(v.nameLabel, asksName)
	show(v.name, asksName)
	setAttr(v.name, "aria-invalid", strconv.FormatBool(m.FieldError == uitext.NameRequired))
	setAttr(v.q, "aria-invalid", strconv.FormatBool(m.FieldError == uitext.MessageTooLong))

	shown := surveyShown(m)
	show(v.postForm, shown)
	if shown {
		v.post.sync(m.PostChat(), t, func(f protocol.SurveyField) string { return survey.Default(f, time.Now()) })
		v.post.showErrors(m.FieldMessage)
		setText(v.postErr, m.FormError())
		v.btnSurvey.Set("disabled", m.Post == chat.PostSending)
	}

	var asked []protocol.SurveyField
	if f := m.Asked(); f != nil && ph.InChat() {
		asked = append(asked, *f)
	}
	show(v.askForm, asked != nil)
	if v.ask.sync(asked, t, func(f protocol.SurveyField) string { return survey.Default(f, time.Now()) }) && asked != nil {
		// A new request: answer it now, unless the visitor is in the middle of a message.
		if v.msg.Get("value").String() == "" {
			v.ask.focusFirst()
		}
		v.log.Set("scrollTop", v.log.Get("scrollHeight"))
	}
	v.ask.showErrors(m.FieldMessage)
	v.btnAsk.Set("disabled", m.AnswerSending())
	v.btnAskSkip.Set("disabled", m.AnswerSending())
}

// render brings the DOM in line with the model.
func (v *view) render() {
	m := v.a.m
	t := m.Texts()
	if t.Lang != v.lang {
		v.lang = t.Lang
		document.Get("documentElement").Set("lang", t.Lang)
		v.labels(t)
	}
	setText(v.title, m.Header())
	setText(v.status, m.Status())

	queue := m.QueueLine()
	setText(v.queue, queue)
	show(v.queue, queue != "")

	// Connection banner.
	banner := ""
	switch m.Conn {
	case chat.ConnRetrying:
		banner = t.Get(uitext.Reconnecting)
		if v.a.retry.Failures() > 3 {
			banner = t.Get(uitext.ConnectionProblems)
		}
	}
	if m.Phase == chat.PhaseRefused {
		banner = ""
	}
	setText(v.banner, banner)
	show(v.banner, banner != "")

	ph := m.Phase
	leave := m.LeaveShown()
	show(v.loading, ph == chat.PhaseLoading)
	writing := m.WritingFirst()
	show(v.form, ph == chat.PhaseForm && !writing && !leave)
	v.langChoice.render(m, m.Texts())
	show(v.offline, ph == chat.PhaseOffline && !leave)
	show(v.refused, ph == chat.PhaseRefused)
	show(v.chatView, ph.InChat() || writing && !leave || (ph == chat.PhaseClosed && !surveyShown(m) && !leave))
	show(v.composer, ph.InChat() || writing && !leave)
	show(v.restart, ph == chat.PhaseClosed && !surveyShown(m) && !leave)
	show(v.btnLeave, m.LeaveOffered())
	// Offered a message, the new chat is the second choice.
	restartClass := "btn btn-primary"
	if m.LeaveOffered() {
		restartClass = "btn btn-ghost"
	}
	setAttr(v.btnRestart, "class", restartClass)
	show(v.btnEnd, ph.InChat())
	show(v.confirm, m.ConfirmingClose)

	setText(v.offlineText, m.OfflineText())
	thanks := m.LeaveThanks()
	setText(v.offlineThanks, thanks)
	show(v.offlineThanks, thanks != "")
	v.leave.render(m)
	v.transcript.render(m)
	setText(v.refusedText, t.Get(m.RefusedKey))
	if m.Name != "" && v.name.Get("value").String() == "" {
		v.name.Set("value", m.Name)
	}
	setText(v.fieldErr, m.FormError())
	notice := m.FileNotice
	if m.Notice != "" {
		notice = uitext.Fill(t.Get(m.Notice), "n", strconv.Itoa(len([]rune(v.msg.Get("value").String()))), "max", strconv.Itoa(m.MaxMessage()))
	}
	show(v.btnAttach, m.CanAttach())
	// The limit is known once connected, and a settings change may move it.
	setAttr(v.msg, "maxlength", strconv.Itoa(m.MaxMessage()))
	setAttr(v.fileInput, "accept", m.AcceptTypes())
	setText(v.notice, notice)
	show(v.notice, notice != "")
	v.renderSurveys(m, t)
	v.waiting.render(m, t)
	v.embed.render(v, m, t)
	v.fileAsk.render(v)

	v.renderLog(m)
	typing := m.TypingText()
	setText(v.typingText, typing)
	show(v.typing, typing != "")

	// Focus follows the journey: into the form, into the message box, onto the question, to
	// the first refused answer.
	// A message on its way keeps the focus where it is; refused, the focus goes to the first
	// refused field.
	leaveMoved := m.Leave != v.lastLeave && m.Leave != chat.LeaveSending
	if v.lastLeave == chat.LeaveSending && m.Leave == chat.LeaveOpen {
		leaveMoved, v.focusErr = false, true
	}
	v.lastLeave = m.Leave
	if ph != v.lastPhase || m.ConfirmingClose != v.lastConfirm || m.Post != v.lastPost || leaveMoved {
		first := v.lastPhase == 255
		v.lastPhase, v.lastConfirm, v.lastPost = ph, m.ConfirmingClose, m.Post
		if !first || m.Visible {
			v.focusDefault()
		}
	}
	if v.focusErr {
		v.focusErr = false
		v.focusInvalid()
	}
}

// labels sets the texts that change only with the language.
func (v *view) labels(t uitext.Texts) {
	m := v.a.m
	setAttr(v.btnEnd, "aria-label", t.Get(uitext.CloseChat))
	setAttr(v.btnEnd, "title", t.Get(uitext.CloseChat))
	setAttr(v.btnMin, "aria-label", t.Get(uitext.Minimize))
	setAttr(v.btnMin, "title", t.Get(uitext.Minimize))
	setText(v.confirmQ, t.Get(uitext.ReallyClose))
	setText(v.btnYes, t.Get(uitext.Yes))
	setText(v.btnNo, t.Get(uitext.No))
	setText(v.loadingText, t.Get(uitext.Loading))
	setText(v.welcome, t.Get(uitext.WelcomeText))
	setText(v.nameLabel, t.Get(uitext.EnterName)+" *")
	setText(v.qLabel, t.Get(uitext.AskAQuestion))
	setText(v.btnStart, t.Get(uitext.StartChat))
	setText(v.msgLabel, m.Placeholder())
	setAttr(v.msg, "placeholder", m.Placeholder())
	setAttr(v.q, "placeholder", m.Placeholder())
	setAttr(v.btnSend, "aria-label", t.Get(uitext.Send))
	setAttr(v.btnSend, "title", t.Get(uitext.SendTheMessage))
	setAttr(v.btnAttach, "aria-label", t.Get(uitext.AttachFile))
	setAttr(v.btnAttach, "title", t.Get(uitext.AttachFile))
	setText(v.btnRestart, t.Get(uitext.Restart))
	setText(v.btnLeave, t.Get(uitext.LeaveMessage))
	v.leave.setLabels(t)
	v.transcript.setLabels(t)
	v.waiting.labels(t)
	setText(v.postTitle, t.Get(uitext.PostChatTitle))
	setText(v.postIntro, t.Get(uitext.PostChatIntro))
	setText(v.btnSurvey, t.Get(uitext.SubmitSurvey))
	setText(v.btnSkip, t.Get(uitext.Skip))
	setText(v.askHead, t.Get(uitext.AgentAsks))
	setText(v.btnAsk, t.Get(uitext.SendAnswer))
	setText(v.btnAskSkip, t.Get(uitext.NotNow))
	v.fileAsk.labels(t)
	setAttr(v.log, "aria-label", t.Get(uitext.ChatLog))
	v.sendTimeLabel = t.Get(uitext.Sending)
}

// renderLog appends new transcript lines and updates changed ones in place; when the model's
// list no longer starts like the rendered one (a new chat), it starts over.
func (v *view) renderLog(m *chat.Model) {
	items := m.Items
	restart := len(items) < len(v.order)
	for i := 0; !restart && i < len(v.order); i++ {
		restart = items[i].ID != v.order[i]
	}
	if restart {
		setText(v.log, "")
		v.rows = map[string]row{}
		v.order = v.order[:0]
	}
	nearBottom := v.log.Get("scrollHeight").Int()-v.log.Get("scrollTop").Int()-v.log.Get("clientHeight").Int() < 80
	added := false
	t := m.Texts()
	for _, it := range items {
		sig := it.Text + "|" + strconv.FormatBool(it.Pending) + strconv.FormatBool(it.Failed) + strconv.Itoa(int(it.Upload))
		fileSig := ""
		if it.File != nil {
			fileSig = it.File.URL + "|" + it.File.Name + "|" + strconv.FormatInt(it.File.Size, 10) + "|" + it.Text
			sig += "|" + fileSig
		}
		r, ok := v.rows[it.ID]
		if ok && r.sig == sig {
			continue
		}
		if !ok {
			r = v.newRow(m, it)
			v.order = append(v.order, it.ID)
			add(v.log, r.li)
			added = true
		}
		r.sig = sig
		cls := "row " + kindClass(it.Kind)
		if it.Pending {
			cls += " pending"
		}
		if it.Failed {
			cls += " failed"
		}
		if it.Upload == chat.Uploading {
			cls += " uploading"
		}
		r.li.Set("className", cls)
		if it.File != nil && !r.bubble.IsUndefined() && fileSig != r.fileSig {
			r.fileSig = fileSig
			v.fillFile(r.bubble, m, it)
		}
		if !r.status.IsUndefined() {
			switch {
			case it.Failed:
				setText(r.status, "")
				add(r.status, text("span", "", t.Get(uitext.ErrorSending)+" "),
					text("button", "link", t.Get(uitext.Retry), "type", "button", "data-retry", it.ID))
			case it.Upload == chat.Uploading:
				setText(r.status, m.UploadText(it))
			case it.Pending:
				setText(r.status, t.Get(uitext.Sending))
			default:
				setText(r.status, "")
			}
		}
		v.rows[it.ID] = r
	}
	if added && (nearBottom || restart || len(items) > 0 && items[len(items)-1].Kind == chat.ItemVisitor) {
		v.log.Set("scrollTop", v.log.Get("scrollHeight"))
	}
}

func kindClass(k chat.ItemKind) string {
	switch k {
	case chat.ItemVisitor:
		return "me"
	case chat.ItemAgent:
		return "them"
	case chat.ItemSystem:
		return "sys"
	}
	return "note"
}

// newRow builds one line: sender and time above a balloon for people, a centred line for the
// system. The time element carries the full date for readers and tooltips.
func (v *view) newRow(m *chat.Model, it chat.Item) row {
	li := el("li", "row "+kindClass(it.Kind))
	r := row{li: li, status: js.Undefined(), bubble: js.Undefined()}
	switch it.Kind {
	case chat.ItemVisitor, chat.ItemAgent:
		meta := el("div", "meta")
		add(meta, text("span", "who", m.Sender(it)))
		if c := m.Clock(it.At); c != "" {
			add(meta, text("time", "when", c, "datetime", it.At.UTC().Format(time.RFC3339)))
		}
		if it.File != nil {
			r.bubble = el("div", "bubble file")
		} else {
			r.bubble = text("div", "bubble", it.Text)
		}
		add(li, meta, r.bubble)
		addOriginal(li, m.Texts(), it)
		if it.Kind == chat.ItemVisitor {
			r.status = el("div", "state", "aria-live", "off")
			add(li, r.status)
		}
	default:
		add(li, text("div", "line", it.Text))
	}
	return r
}

// fillFile draws a shared file in its balloon: a file icon, the name as a download link and
// the size, with a small picture for images. Links are made only from the server's paths under
// /files/, resolved against the server's origin; a line still uploading has none.
func (v *view) fillFile(b js.Value, m *chat.Model, it chat.Item) {
	setText(b, "")
	f := it.File
	href := ""
	if p := chat.FilePath(f.URL); p != "" {
		href = v.a.origin + p
	}
	link := func(class string, attrs ...string) js.Value {
		return el("a", class, append([]string{"href", href, "target", "_blank", "rel", "noopener", "download", f.Name}, attrs...)...)
	}
	if href != "" && chat.IsImage(f) {
		add(b, add(link("thumb", "tabindex", "-1", "aria-hidden", "true"), el("img", "", "src", href, "alt", "", "loading", "lazy")))
	}
	name := text("span", "fname", f.Name)
	if href != "" {
		name = link("fname")
		name.Set("textContent", f.Name)
	}
	info := add(el("span", "finfo"), name)
	if f.Size > 0 {
		add(info, text("span", "fsize", m.Texts().Size(f.Size)))
	}
	add(b, add(el("span", "frow"), add(el("span", "ficon", "aria-hidden", "true"), icon(iconFile)), info))
	if it.Text != "" && it.Text != f.Name {
		add(b, text("span", "fnote", it.Text))
	}
}
