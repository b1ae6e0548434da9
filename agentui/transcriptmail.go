package agentui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/api"
)

// An agent e-mails a chat's transcript from the "E-mail the transcript" card (MiCC's
// transcript e-mail): prefilled with the visitor's address and the connector's subject, both
// editable, sent or skipped. The card opens by itself when the agent closes a chat whose
// connector says so ("Open transcript e-mail on close"), and from the "Send transcript"
// button of a closed chat on the desk or opened in the History view. The server checks that the agent may (took part, or supervises) and
// bounds how many go out.

// The transcript e-mail actions.
const (
	// ActMailForm opens the card for a chat, ActMailSkip closes it; value the chat id.
	ActMailForm = "agent/transcript-mail/form"
	ActMailSkip = "agent/transcript-mail/skip"
	// ActMailSend sends the card; value [MailRequest].
	ActMailSend = "agent/transcript-mail/send"
)

// MailRequest sends Chat's transcript to To with Subject.
type MailRequest struct {
	Chat, To, Subject string
}

// mailCard is the state of the open transcript e-mail card.
type mailCard struct {
	Chat    string
	Draft   api.TranscriptDraft
	Loading bool
	Sending bool
	SentTo  string
	// Err says what went wrong; Field names the input at fault ("to", "subject").
	Err, Field string
	// key names the send of keyFor (To and Subject) until it is known to have been sent:
	// pressing Send again after a failed try sends the same key, and the server e-mails once.
	key, keyFor string
}

// handleTranscriptMail registers the handlers of this file's actions.
func (a *App) handleTranscriptMail(ctx app.Context) {
	ctx.Handle(ActMailForm, func(ctx app.Context, act app.Action) { a.openMail(ctx, fmt.Sprint(act.Value), false) })
	ctx.Handle(ActMailSkip, func(ctx app.Context, act app.Action) { a.skipMail(ctx) })
	ctx.Handle(ActMailSend, a.onMailSend)
}

// chatClosedByMe opens the card when the chat's connector asks for it on close.
func (a *App) chatClosedByMe(ctx app.Context, id string) {
	if c := a.desk.Chat(id); c != nil && !c.Direct() {
		a.openMail(ctx, id, true)
	}
}

// openMail loads chat id's draft and shows the card; onClose shows it only when the
// connector opens it on close and e-mail can be sent.
func (a *App) openMail(ctx app.Context, id string, onClose bool) {
	t := a.desk.Msg
	if !onClose {
		a.mail = &mailCard{Chat: id, Loading: true}
		a.changed(ctx)
	}
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", api.TranscriptMailPath(id), nil)
		ctx.Dispatch(func(ctx app.Context) {
			var d api.TranscriptDraft
			ok := err == nil && status == 200 && json.Unmarshal(body, &d) == nil
			if onClose {
				if !ok || !d.OpenOnClose || !d.Available || (a.mail != nil && a.mail.Chat != id) {
					return
				}
				a.mail = &mailCard{Chat: id}
			}
			if a.mail == nil || a.mail.Chat != id {
				return
			}
			a.mail.Loading, a.mail.Draft = false, d
			switch {
			case err != nil:
				a.mail.Err = t.T("The transcript e-mail could not be prepared. Check your connection and try again.")
			case status != 200 || !ok:
				a.mail.Err = apiMessage(body, t.T("The transcript e-mail could not be prepared."))
			case !d.Available:
				a.mail.Err = t.T("E-mail is not set up for your company, so the transcript cannot be sent.")
			}
			if a.desk.Chat(id) != nil && a.desk.Selected != id && !a.solo && !a.history.open {
				a.desk.Select(id)
			}
			ctx.Defer(func(app.Context) { focusElement("transcript-mail-to") })
			a.changed(ctx)
		})
	})
}

// skipMail closes the card and gives the focus back to the button that opened it.
func (a *App) skipMail(ctx app.Context) {
	a.mail = nil
	button := "transcript-mail-button"
	if a.history.open {
		button = "history-transcript-mail-button"
	}
	ctx.Defer(func(app.Context) { focusElement(button) })
	a.changed(ctx)
}

// onMailSend sends the transcript; the card says to whom, or what to correct.
func (a *App) onMailSend(ctx app.Context, act app.Action) {
	r, ok := act.Value.(MailRequest)
	m := a.mail
	if !ok || m == nil || m.Chat != r.Chat || m.Sending {
		return
	}
	t := a.desk.Msg
	r.To, r.Subject = strings.TrimSpace(r.To), strings.TrimSpace(r.Subject)
	m.Draft.To, m.Draft.Subject, m.Err, m.Field, m.SentTo = r.To, r.Subject, "", "", ""
	if !plausibleAddress(r.To) {
		m.Err, m.Field = t.T("Enter one e-mail address, like name@example.com."), "to"
		ctx.Defer(func(app.Context) { focusElement("transcript-mail-to") })
		a.changed(ctx)
		return
	}
	m.Sending = true
	a.changed(ctx)
	if what := r.To + "\n" + r.Subject; m.key == "" || m.keyFor != what {
		m.key, m.keyFor = newID(), what
	}
	body, _ := json.Marshal(api.TranscriptMailRequest{To: r.To, Subject: r.Subject, Key: m.key})
	ctx.Async(func() {
		status, resp, err := a.platform.Fetch("POST", api.TranscriptMailPath(r.Chat), body)
		ctx.Dispatch(func(ctx app.Context) {
			if a.mail != m {
				return
			}
			m.Sending = false
			var e desk.APIError
			switch {
			case err != nil:
				m.Err = t.T("The transcript could not be sent. Check your connection and try again.")
			case status == 202:
				m.SentTo, m.key = r.To, ""
			case status == 429:
				m.Err = t.T("Too many transcripts were sent: this chat's limit is reached, or wait a moment and try again.")
			case json.Unmarshal(resp, &e) == nil && e.Error.Field == "to":
				m.Err, m.Field = t.T("Enter one e-mail address, like name@example.com."), "to"
			case e.Error.Field == "subject":
				m.Err, m.Field = t.T("The subject must be one line of at most 500 characters."), "subject"
			default:
				m.Err = apiMessage(resp, t.T("The transcript could not be sent."))
			}
			focus := "transcript-mail-close"
			if m.Field != "" {
				focus = "transcript-mail-" + m.Field
			} else if m.SentTo == "" {
				focus = "transcript-mail-send"
			}
			ctx.Defer(func(app.Context) { focusElement(focus) })
			a.changed(ctx)
		})
	})
}

// plausibleAddress checks an address the way a person would before the server checks it
// fully: one word with an @ between a name and a domain.
func plausibleAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " ,;<>\t\r\n")
}

// renderMailAction is a closed chat's "Send transcript" button on the desk.
func (a *App) renderMailAction(c *desk.Chat) app.UI {
	if !c.Closed || c.Direct() || a.history.open {
		return nil
	}
	return a.mailButton("transcript-mail-button", c.ID)
}

// mailButton is the "Send transcript" button of chat id, with its element id.
func (a *App) mailButton(elemID, id string) app.UI {
	t := a.desk.Msg
	return app.Button().ID(elemID).Class("btn", "btn-small").Type("button").
		Aria("expanded", fmt.Sprint(a.mail != nil && a.mail.Chat == id)).Aria("controls", "transcript-mail-card").
		Title(t.T("E-mail the transcript of this chat")).Text(t.T("Send transcript")).
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActMailForm, id) }, app.EventScope(id))
}

// renderMail is the "E-mail the transcript" card of desk chat c, when it is open; the History
// view shows it instead while it is open.
func (a *App) renderMail(c *desk.Chat) app.UI {
	if a.history.open {
		return nil
	}
	return a.renderMailCard(c.ID)
}

// renderMailCard is the "E-mail the transcript" card of chat id, when it is open: To and
// Subject, Send and Skip, and what became of the last try. Escape skips.
func (a *App) renderMailCard(id string) app.UI {
	m := a.mail
	if m == nil || m.Chat != id {
		return nil
	}
	t := a.desk.Msg
	read := func() MailRequest {
		return MailRequest{Chat: id, To: app.Window().GetElementByID("transcript-mail-to").Get("value").String(),
			Subject: app.Window().GetElementByID("transcript-mail-subject").Get("value").String()}
	}
	input := func(field, label, kind, value string) app.UI {
		iid := "transcript-mail-" + field
		in := app.Input().ID(iid).Type(kind).Value(value).Disabled(m.Loading || m.Sending).Aria("invalid", fmt.Sprint(m.Field == field))
		if kind == "email" {
			in = in.Attr("autocomplete", "email").Required(true).MaxLength(254)
		} else {
			in = in.MaxLength(500)
		}
		if m.Field == field {
			in = in.Aria("describedby", "transcript-mail-state")
		}
		return app.Label().Class("invite-row").For(iid).Body(app.Span().Text(label), in)
	}
	var state app.UI
	switch {
	case m.Loading:
		state = app.P().ID("transcript-mail-state").Role("status").Text(t.T("Preparing the e-mail…"))
	case m.Sending:
		state = app.P().ID("transcript-mail-state").Role("status").Text(t.T("Sending…"))
	case m.SentTo != "":
		state = app.P().ID("transcript-mail-state").Class("ask-ok").Role("status").Text(t.T("The transcript was sent to {0}.", m.SentTo))
	case m.Err != "":
		state = app.P().ID("transcript-mail-state").Class("ask-error").Role("alert").Text(m.Err)
	}
	return app.Section().ID("transcript-mail-card").Class("ask-card", "transcript-mail-card").Aria("labelledby", "transcript-mail-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				// The card's Escape only closes the card, not the view around it (the
				// History view's transcript closes on Escape too).
				e.PreventDefault()
				e.Call("stopPropagation")
				ctx.NewAction(ActMailSkip)
			}
		}).Body(
		app.Div().Class("ask-head").Body(
			app.H3().ID("transcript-mail-title").Text(t.T("E-mail the transcript")),
			app.Button().ID("transcript-mail-close").Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Close")).Title(t.T("Close (Esc)")).Text("×").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActMailSkip) }),
		),
		app.Form().ID("transcript-mail-form").Class("invite-form").NoValidate(true).DataSet("prevent-submit", true).
			OnSubmit(func(ctx app.Context, e app.Event) {
				e.PreventDefault()
				ctx.NewActionWithValue(ActMailSend, read())
			}).Body(
			input("to", t.T("To"), "email", m.Draft.To),
			input("subject", t.T("Subject"), "text", m.Draft.Subject),
			state,
			app.Div().Class("ask-actions").Body(
				app.Button().ID("transcript-mail-send").Class("btn", "btn-primary").Type("submit").Disabled(m.Loading || m.Sending || !m.Draft.Available).
					Text(t.T("Send")),
				app.Button().ID("transcript-mail-skip").Class("btn").Type("button").Text(when1(m.SentTo != "", t.T("Done"), t.T("Skip"))).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActMailSkip) }),
			),
		),
	)
}

// when1 is yes when cond holds, else no.
func when1(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
