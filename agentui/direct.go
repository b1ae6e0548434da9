package agentui

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// Agents chat with each other: the colleagues panel in the sidebar lists the tenant's agents
// with their availability (colour and word) and a chat button; the first message goes out
// from a small card, the colleague accepts it like an invitation, and the chat then sits
// among the agent's chats. The app reports the agent's input as activity, so that colleagues
// see them as active or away.

// The actions of this file. ActDirectForm opens the first-message card for a colleague (value
// the user id) or shows the chat with them; ActDirectClose closes it; ActDirectSend sends the
// card's message (value the text).
const (
	ActDirectForm  = "agent/direct/form"
	ActDirectClose = "agent/direct/close"
	ActDirectSend  = "agent/direct/send"
)

// iconChat is a speech balloon, the chat button's icon.
const iconChat = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 2-2zm1 2v12.2L7.3 16H20V5zm2 3h10v2H7zm0 4h7v2H7z"

// handleDirect registers the handlers of this file's actions.
func (a *App) handleDirect(ctx app.Context) {
	ctx.Handle(ActDirectForm, func(ctx app.Context, act app.Action) {
		uid, _ := strconv.ParseInt(fmt.Sprint(act.Value), 10, 64)
		if chat := a.desk.OpenDirect(uid); chat != "" {
			ctx.Defer(func(app.Context) { focusElement("composer-text") })
		} else if a.desk.DirectForm != nil {
			ctx.Defer(func(app.Context) { focusElement("direct-text") })
		}
		a.changed(ctx)
	})
	ctx.Handle(ActDirectClose, func(ctx app.Context, act app.Action) {
		a.desk.CloseDirect()
		a.changed(ctx)
	})
	ctx.Handle(ActDirectSend, func(ctx app.Context, act app.Action) {
		if c, ok := a.desk.StartDirect(fmt.Sprint(act.Value)); ok {
			a.send(c)
		}
		a.changed(ctx)
	})
}

// activity reports the agent's input to the server, at most every [desk.ActivityEvery].
func (a *App) activity() {
	if c, ok := a.desk.Activity(a.platform.Now()); ok {
		a.write(c)
	}
}

// directTick reads the colleagues list again when it is due.
func (a *App) directTick(ctx app.Context) {
	if a.desk.ColleaguesDue(a.platform.Now()) {
		a.desk.ColleaguesRequested(a.platform.Now())
		a.loadColleagues(ctx)
	}
}

// renderColleagues is the colleagues panel: each colleague with the availability dot, its
// word, and the chat button (to the open chat with them, if there is one).
func (a *App) renderColleagues() app.UI {
	t := a.desk.Msg
	contacts := a.desk.DirectContacts()
	state := a.desk.ColleaguesState
	return app.Section().ID("colleagues").Class("colleagues").Aria("label", t.T("Colleagues")).Body(
		app.H2().Body(app.Text(t.T("Colleagues"))),
		app.If(len(contacts) == 0, func() app.UI {
			text := t.T("No colleagues to show.")
			switch {
			case state == "" || state == "loading":
				text = t.T("Loading your colleagues…")
			case state != "ready":
				text = state
			}
			return app.P().Class("empty").Text(text)
		}),
		app.Ul().Class("colleague-list").Body(
			app.Range(contacts).Slice(func(i int) app.UI { return a.renderContact(contacts[i]) }),
		),
		a.renderDirectForm(),
	)
}

// renderContact is one colleague of the panel.
func (a *App) renderContact(c desk.DirectContact) app.UI {
	t := a.desk.Msg
	uid := strconv.FormatInt(c.ID, 10)
	label := desk.AvailabilityLabel(t, c.Availability)
	button := t.T("Chat with {0}", c.Name)
	if c.Chat != "" {
		button = t.T("Show the chat with {0}", c.Name)
	}
	return app.Li().ID("colleague-"+uid).Class("colleague", "avail-"+string(c.Availability)).DataSet("availability", string(c.Availability)).Body(
		app.Span().Class("dot", "avail-dot", "avail-dot-"+string(c.Availability)).Aria("hidden", true),
		app.Span().Class("colleague-text").Body(
			app.Span().Class("colleague-name").Text(c.Name),
			app.Span().Class("colleague-avail").Text(label),
		),
		app.Button().ID("direct-"+uid).Class("btn", "btn-icon", "btn-small", "direct-button").Type("button").
			Disabled(!c.CanChat && c.Chat == "").Aria("label", button).Title(button).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActDirectForm, uid) }, app.EventScope(uid)).
			Body(icon(iconChat)),
	)
}

// renderDirectForm is the first-message card: the text, Send and Cancel; Escape cancels.
func (a *App) renderDirectForm() app.UI {
	f := a.desk.DirectForm
	t := a.desk.Msg
	if f == nil {
		return nil
	}
	send := func(ctx app.Context, e app.Event) {
		e.PreventDefault()
		ctx.NewActionWithValue(ActDirectSend, app.Window().GetElementByID("direct-text").Get("value").String())
	}
	return app.Form().ID("direct-card").Class("ask-card", "direct-card").Aria("labelledby", "direct-title").OnSubmit(send).
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				ctx.NewAction(ActDirectClose)
			}
		}).Body(
		app.H3().ID("direct-title").Text(t.T("Message to {0}", f.Name)),
		app.Textarea().ID("direct-text").Class("direct-text").Rows(3).Aria("label", t.T("First message to {0}", f.Name)).
			Placeholder(t.T("Write your first message; {0} accepts the chat to answer", f.Name)).Text(f.Text).
			OnKeyDown(func(ctx app.Context, e app.Event) {
				if e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() {
					send(ctx, e)
				}
			}),
		app.If(f.Error != "", func() app.UI { return app.P().ID("direct-error").Class("form-error").Role("alert").Text(f.Error) }),
		app.Div().Class("ask-actions").Body(
			app.Button().ID("direct-send").Class("btn", "btn-primary", "btn-small").Type("submit").Disabled(f.Sending != "").Text(t.T("Send request")),
			app.Button().Class("btn", "btn-quiet", "btn-small").Type("button").Text(t.T("Cancel")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActDirectClose) }),
		),
	)
}

// directInviteText is what an invitation card says of a request for a chat between agents.
func directInviteText(t catalog.Printer, inv *desk.Invite) app.UI {
	return app.P().Class("invite-what").Text(t.T("{0} wants to chat with you.", inv.From.Name))
}

// isDirectInvite reports whether an invitation is a colleague's request for a chat.
func isDirectInvite(inv *desk.Invite) bool { return inv.Chat.Kind == protocol.KindDirect }

// fromColleague reports whether a line of the chat shown is the colleague's in a chat between
// agents: it faces the agent's own lines, as a visitor's does.
func (a *App) fromColleague(l desk.Line) bool {
	c := a.desk.Current()
	return c != nil && c.Direct() && l.Role == protocol.RoleAgent && l.Name != agentName(a.desk.User)
}

// tabMeta is the line under a chat's name: its connector, or that it is with a colleague.
func tabMeta(t catalog.Printer, c *desk.Chat) string {
	if c.Direct() {
		return t.T("Colleague")
	}
	return c.Connector
}

// chatPresenceText explains a chat's presence colour; in a chat with a colleague, whether
// they have accepted it (the document's "inactive" until then).
func chatPresenceText(t catalog.Printer, c *desk.Chat) string {
	if !c.Direct() {
		return presenceText(t, c.Presence())
	}
	switch c.Presence() {
	case "inactive":
		return t.T("Waiting for {0} to accept", c.Title())
	case "gone":
		return t.T("Chat ended")
	}
	return t.T("In the chat")
}

// renderDirectDetails is the details column of a chat with a colleague.
func renderDirectDetails(t catalog.Printer, c *desk.Chat) app.UI {
	return app.Aside().Class("details").Aria("label", t.T("Colleague")).Body(
		app.H2().Text(t.T("Colleague")),
		app.Dl().Class("facts").Body(row(t.T("Name"), c.Title()), row(t.T("Chat"), chatPresenceText(t, c))),
		app.P().Class("muted").Text(t.T("A chat between colleagues: no visitor sees it, and it does not count toward anyone's chats with visitors.")),
	)
}
