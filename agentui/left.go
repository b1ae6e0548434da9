package agentui

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/api"
)

// leftState is the Messages view: what visitors left when no chat could be had, for the
// agent's groups, newest first; one opened with its replies, and the agent's reply to it,
// sent by e-mail and threaded under the message's notice.
type leftState struct {
	open    bool
	loading bool
	err     string
	list    []api.LeftMessage
	// sel is the id of the message opened, "" while the list is shown.
	sel string
	// draft is the reply being written to sel; sending while it is on its way; replyErr why
	// the last one was refused.
	draft    string
	sending  bool
	replyErr string
	sent     bool
}

// ActLeftLoad loads the list again; ActLeftOpen opens a message (value string, its id).
const (
	ActLeftLoad = "agent/left-load"
	ActLeftOpen = "agent/left-open"
)

// handleLeft registers the Messages view's actions.
func (a *App) handleLeft(ctx app.Context) {
	ctx.Handle(ActLeftLoad, func(ctx app.Context, _ app.Action) { a.loadLeft(ctx) })
	ctx.Handle(ActLeftOpen, func(ctx app.Context, act app.Action) {
		if id, ok := act.Value.(string); ok {
			l := &a.left
			if l.sel != id {
				l.draft, l.replyErr, l.sent = "", "", false
			}
			l.sel = id
			a.changed(ctx)
			ctx.Defer(func(app.Context) { focusElement("left-msg-title") })
		}
	})
}

// showLeft opens or closes the Messages view; opening it loads the list.
func (a *App) showLeft(ctx app.Context, open bool) {
	a.left.open = open
	if open {
		a.leaveSupervise()
		a.history.open = false
		a.left.sel = ""
		a.loadLeft(ctx)
		ctx.Defer(func(app.Context) { focusElement("left-title") })
	}
	a.changed(ctx)
}

// loadLeft asks for the list.
func (a *App) loadLeft(ctx app.Context) {
	l := &a.left
	t := a.desk.Msg
	l.loading, l.err = true, ""
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", strings.TrimSuffix(api.LeftPath, "/"), nil)
		ctx.Dispatch(func(app.Context) {
			l.loading = false
			var list api.LeftMessages
			switch {
			case err != nil || status != 200 || json.Unmarshal(body, &list) != nil:
				l.err = t.T("The messages could not be loaded. Check your connection and try again.")
			default:
				l.list = list.Messages
			}
		})
	})
}

// sendLeftReply sends the draft as the reply to the opened message.
func (a *App) sendLeftReply(ctx app.Context) {
	l := &a.left
	if l.sel == "" || l.sending {
		return
	}
	t := a.desk.Msg
	id := l.sel
	body, _ := json.Marshal(api.LeftReplyRequest{Text: l.draft})
	l.sending, l.replyErr, l.sent = true, "", false
	ctx.Async(func() {
		status, resp, err := a.platform.Fetch("POST", api.LeftPath+url.PathEscape(id)+api.LeftReplySuffix, body)
		ctx.Dispatch(func(ctx app.Context) {
			l.sending = false
			var m api.LeftMessage
			var rule api.LeftRuleError
			switch {
			case err != nil:
				l.replyErr = t.T("The reply could not be sent. Check your connection and try again.")
			case status == 422 && json.Unmarshal(resp, &rule) == nil:
				l.replyErr = leftRuleText(t, rule)
			case status == 404:
				l.replyErr = t.T("This message is no longer there.")
			case status != 200 || json.Unmarshal(resp, &m) != nil:
				l.replyErr = t.T("The reply could not be sent. Check your connection and try again.")
			default:
				for i := range l.list {
					if l.list[i].ID == m.ID {
						l.list[i] = m
					}
				}
				if l.sel == id {
					l.draft, l.sent = "", true
					// The textarea keeps what was typed into it: empty it as the draft is.
					if el := app.Window().GetElementByID("left-reply-text"); el.Truthy() {
						el.Set("value", "")
					}
				}
			}
		})
	})
}

// leftRuleText is why the server refused a reply, in the agent's language.
func leftRuleText(t catalog.Printer, r api.LeftRuleError) string {
	switch r.Message {
	case "Write a reply first.":
		return t.T("Write a reply first.")
	case "The reply contains characters that cannot be sent.":
		return t.T("The reply contains characters that cannot be sent.")
	case "A reply has at most {0} characters.":
		if len(r.Args) == 1 {
			return t.T("A reply has at most {0} characters.", r.Args[0])
		}
	case "E-mail is not set up: enter the SMTP server and the sender address under E-mail first.":
		return t.T("E-mail is not set up yet: ask an administrator to set it up.")
	case "The visitor left no e-mail address to answer: call them if they left a phone number.":
		return t.T("The visitor left no e-mail address to answer: call them if they left a phone number.")
	}
	return t.T("The reply could not be sent. Check your connection and try again.")
}

// renderLeftNav is the top bar's button to the Messages view and back.
func (a *App) renderLeftNav() app.UI {
	t := a.desk.Msg
	return viewTab("nav-left", a.left.open, t.T("Messages visitors left for your groups"), t.T("Messages"),
		func(ctx app.Context) { a.showLeft(ctx, !a.left.open) })
}

// renderLeft is the Messages view: nil while it is closed.
func (a *App) renderLeft() app.UI {
	l := &a.left
	if !l.open {
		return nil
	}
	t := a.desk.Msg
	body := []app.UI{app.H1().ID("left-title").TabIndex(-1).Text(t.T("Left messages"))}
	if m := a.leftOpened(); m != nil {
		body = append(body, a.renderLeftMessage(m))
	} else {
		body = append(body, a.renderLeftList())
	}
	return app.Main().ID("left").Class("history", "left-view").Aria("labelledby", "left-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" && l.sel != "" {
				l.sel = ""
				a.changed(ctx)
			}
		}).Body(body...)
}

// leftOpened is the opened message, nil when none is.
func (a *App) leftOpened() *api.LeftMessage {
	for i := range a.left.list {
		if a.left.list[i].ID == a.left.sel {
			return &a.left.list[i]
		}
	}
	return nil
}

// renderLeftList lists the messages: who, when, whether answered, and their first words.
func (a *App) renderLeftList() app.UI {
	l := &a.left
	t := a.desk.Msg
	switch {
	case l.loading && len(l.list) == 0:
		return app.P().Class("muted").Role("status").Text(t.T("Loading…"))
	case l.err != "":
		return app.P().Class("error").Role("alert").Text(l.err)
	case len(l.list) == 0:
		return app.P().Class("muted").Role("status").Text(t.T("No messages were left for your groups."))
	}
	items := make([]app.UI, 0, len(l.list))
	for _, m := range l.list {
		id := m.ID
		items = append(items, app.Li().Class("history-item", "left-item").ID("left-"+id).Body(
			app.Button().Class("history-open").Type("button").
				OnClick(func(ctx app.Context, _ app.Event) { ctx.NewActionWithValue(ActLeftOpen, id) }).Body(
				app.Span().Class("history-visitor").Text(leftWho(t, m)),
				app.Span().Class("muted").Text(" · "+t.Clock(m.At.Local(), a.now)+" · "+m.Connector+" · "),
				app.Span().Class(when(m.Answered, "left-state answered", "left-state new")...).Text(leftStateText(t, m)),
				app.P().Class("snippet").Text(firstWords(m.Text, 120)),
			),
		))
	}
	return app.Ol().ID("left-list").Class("history-list").Body(items...)
}

// renderLeftMessage is one message with its replies and the reply form.
func (a *App) renderLeftMessage(m *api.LeftMessage) app.UI {
	l := &a.left
	t := a.desk.Msg
	thread := []app.UI{app.Li().Class("history-line", "left-original").Body(
		app.Span().Class("history-sender").Text(leftWho(t, *m)),
		app.Span().Class("muted").Text(" · "+t.Clock(m.At.Local(), a.now)),
		app.P().Text(m.Text),
	)}
	for _, r := range m.Replies {
		thread = append(thread, app.Li().Class("history-line", "left-reply").Body(
			app.Span().Class("history-sender").Text(r.Author),
			app.Span().Class("muted").Text(" · "+t.Clock(r.At.Local(), a.now)+" · "+leftMailText(t, r)),
			app.P().Class("left-reply-text").Text(r.Text),
		))
	}
	return app.Section().Class("left-message").Aria("labelledby", "left-msg-title").Body(
		app.Button().ID("left-back").Class("btn", "btn-quiet").Type("button").Text(t.T("Back to the list")).
			OnClick(func(ctx app.Context, _ app.Event) {
				l.sel = ""
				a.changed(ctx)
				ctx.NewAction(ActLeftLoad)
			}),
		app.H2().ID("left-msg-title").TabIndex(-1).Text(t.T("Message from {0}", leftWho(t, *m))),
		app.Dl().Class("left-facts").Body(
			app.If(m.Email != "", func() app.UI {
				return app.Div().Body(app.Dt().Text(t.T("E-mail")), app.Dd().Text(m.Email))
			}),
			app.If(m.Phone != "", func() app.UI {
				return app.Div().Body(app.Dt().Text(t.T("Phone")), app.Dd().Text(m.Phone))
			}),
			app.Div().Body(app.Dt().Text(t.T("Left on")), app.Dd().Text(m.Connector)),
		),
		app.Ol().ID("left-thread").Class("history-transcript").Aria("label", t.T("The message and its replies")).Body(thread...),
		app.If(m.Email == "", func() app.UI {
			return app.P().Class("muted").Text(t.T("The visitor left no e-mail address to answer: call them if they left a phone number."))
		}).Else(func() app.UI {
			return app.Form().ID("left-reply-form").Class("left-reply-form").
				OnSubmit(func(ctx app.Context, e app.Event) {
					e.PreventDefault()
					a.sendLeftReply(ctx)
				}).Body(
				app.Label().For("left-reply-text").Text(t.T("Reply by e-mail to {0}", m.Email)),
				app.Textarea().ID("left-reply-text").Rows(5).Text(l.draft).Disabled(l.sending).
					OnInput(func(ctx app.Context, e app.Event) {
						l.draft = ctx.JSSrc().Get("value").String()
						l.sent = false
						ctx.PreventUpdate()
					}),
				app.If(l.replyErr != "", func() app.UI { return app.P().Class("error").Role("alert").Text(l.replyErr) }),
				app.If(l.sent, func() app.UI {
					return app.P().Class("muted").Role("status").Text(t.T("Reply sent: it is in the thread above."))
				}),
				app.Button().ID("left-reply-send").Class("btn", "btn-primary").Type("submit").Disabled(l.sending).
					Text(map[bool]string{true: t.T("Sending…"), false: t.T("Send reply")}[l.sending]),
			)
		}),
	)
}

// leftWho names the visitor who left a message.
func leftWho(t catalog.Printer, m api.LeftMessage) string {
	switch {
	case strings.TrimSpace(m.Name) != "":
		return m.Name
	case m.Email != "":
		return m.Email
	case m.Phone != "":
		return m.Phone
	}
	return t.T("Visitor")
}

// leftStateText says whether a message was answered.
func leftStateText(t catalog.Printer, m api.LeftMessage) string {
	if m.Answered {
		return t.N("Replied once", "Replied {0} times", len(m.Replies))
	}
	return t.T("Not answered yet")
}

// leftMailText says how far a reply's e-mail got.
func leftMailText(t catalog.Printer, r api.LeftReply) string {
	switch r.MailState {
	case "sent":
		return t.T("e-mail sent")
	case "failed":
		return t.T("e-mail failed: {0}", r.MailError)
	}
	return t.T("e-mail pending")
}

// firstWords is text cut to at most n characters on one line.
func firstWords(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > n {
		return string(r[:n]) + "…"
	}
	return text
}
