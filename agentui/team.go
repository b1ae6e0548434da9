package agentui

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// Agents work on a chat together: the composer writes replies to the visitor or internal
// notes only agents see; the chat shows who else is in it and typing; agents invite colleagues
// in as observers or participants, answer invitations in cards like offers, switch between
// reading along and writing to the visitor, and leave chats they joined.

// NoteSwitch switches the composer of Chat to notes (On) or replies; Draft is its text, whose
// typing follows the switch.
type NoteSwitch struct {
	Chat  string
	On    bool
	Draft string
}

// InviteRequest invites colleague Who into Chat in part As.
type InviteRequest struct {
	Chat string
	Who  int64
	As   protocol.Part
}

// JoinRequest switches the agent's part in Chat to As.
type JoinRequest struct {
	Chat string
	As   protocol.Part
}

// handleTeam registers the handlers of this file's actions.
func (a *App) handleTeam(ctx app.Context) {
	ctx.Handle(ActNote, a.onNote)
	ctx.Handle(ActInviteForm, a.onInviteForm)
	ctx.Handle(ActInviteClose, func(ctx app.Context, act app.Action) { a.closeInvite(fmt.Sprint(act.Value)); a.changed(ctx) })
	ctx.Handle(ActInvite, a.onInvite)
	ctx.Handle(ActInviteAccept, func(ctx app.Context, act app.Action) {
		if c, ok := a.desk.AcceptInvite(fmt.Sprint(act.Value)); ok {
			a.send(c)
			a.changed(ctx)
		}
	})
	ctx.Handle(ActInviteDecline, func(ctx app.Context, act app.Action) {
		if c, ok := a.desk.DeclineInvite(fmt.Sprint(act.Value)); ok {
			a.send(c)
			a.changed(ctx)
		}
	})
	ctx.Handle(ActJoin, func(ctx app.Context, act app.Action) {
		if r, ok := act.Value.(JoinRequest); ok {
			a.stopTyping(r.Chat) // the new part types anew: a note or a reply
			if c, ok := a.desk.Join(r.Chat, r.As); ok {
				a.send(c)
				a.changed(ctx)
			}
		}
	})
	ctx.Handle(ActLeave, func(ctx app.Context, act app.Action) {
		id := fmt.Sprint(act.Value)
		a.stopTyping(id)
		if c, ok := a.desk.Leave(id); ok {
			a.send(c)
			a.changed(ctx)
		}
	})
}

// onNote switches the composer between reply and note, and gives the focus back to the text.
func (a *App) onNote(ctx app.Context, act app.Action) {
	s, ok := act.Value.(NoteSwitch)
	if !ok {
		return
	}
	for _, c := range a.desk.SetNote(s.Chat, s.On, s.Draft, a.platform.Now()) {
		a.send(c)
	}
	a.changed(ctx)
	ctx.Defer(func(app.Context) { focusElement("composer-text") })
}

// onInviteForm opens the invitation card (loading the colleagues anew: who is online changes)
// or closes it, and moves the focus.
func (a *App) onInviteForm(ctx app.Context, act app.Action) {
	id := fmt.Sprint(act.Value)
	if a.desk.OpenInvite(id) {
		a.loadColleagues(ctx)
		ctx.Defer(func(app.Context) { focusElement("invite-who") })
	} else {
		ctx.Defer(func(app.Context) { focusElement("invite-button") })
	}
	a.changed(ctx)
}

// closeInvite closes the card and gives the focus back to the button that opened it.
func (a *App) closeInvite(chat string) {
	a.desk.CloseInvite(chat)
	a.ctx.Defer(func(app.Context) { focusElement("invite-button") })
}

// onInvite sends an invitation; without a colleague who can be invited the card says so.
func (a *App) onInvite(ctx app.Context, act app.Action) {
	r, ok := act.Value.(InviteRequest)
	if !ok {
		return
	}
	if c, ok := a.desk.Invite(r.Chat, r.Who, r.As); ok {
		a.send(c)
		ctx.Defer(func(app.Context) { focusElement("invite-button") })
	} else {
		ctx.Defer(func(app.Context) { focusElement("invite-who") })
	}
	a.changed(ctx)
}

// loadColleagues fetches the tenant's agents with their presence for the invitation picker.
func (a *App) loadColleagues(ctx app.Context) {
	t := a.desk.Msg
	if a.desk.ColleaguesState == "loading" {
		return
	}
	a.desk.ColleaguesState = "loading"
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", desk.ColleaguesPath, nil)
		ctx.Dispatch(func(ctx app.Context) {
			var list []desk.Colleague
			switch {
			case err != nil:
				a.desk.SetColleagues(nil, t.T("Your colleagues could not be loaded. Check your connection and try again."))
			case status != 200:
				a.desk.SetColleagues(nil, apiMessage(body, t.T("Your colleagues could not be loaded.")))
			case json.Unmarshal(body, &list) != nil:
				a.desk.SetColleagues(nil, t.T("Your colleagues could not be read."))
			default:
				a.desk.SetColleagues(list, "")
			}
			a.changed(ctx)
		})
	})
}

// renderInvites shows the invitations into colleagues' chats, each like an offer: who
// invites, with which visitor, in which part, the time left, Accept and Decline.
func (a *App) renderInvites() app.UI {
	t := a.desk.Msg
	invites := a.desk.Invites
	if len(invites) == 0 {
		return nil
	}
	return app.Section().Class("invites").Aria("label", t.T("Invitations")).Body(
		app.H2().Body(app.Text(t.T("Invitations")), app.Span().Class("count").Text(t.Int(int64(len(invites))))),
		app.Range(invites).Slice(func(i int) app.UI {
			inv := invites[i]
			chat := inv.ChatID()
			left := inv.Remaining(a.now)
			visitor := nameOf(t, inv.Chat.Visitor.Name)
			return app.Article().Class("offer", "invite").ID("invite-"+chat).Aria("label", t.T("{0} invites you to the chat with {1}", inv.From.Name, visitor)).Body(
				app.Div().Class("offer-head").Body(
					app.Strong().Class("offer-name").Text(t.T("{0} invites you", inv.From.Name)),
					app.Span().Class(when(left < 10e9, "offer-time urgent", "offer-time")...).Title(t.T("Time left to answer")).Text(countdown(left)),
				),
				app.If(isDirectInvite(inv), func() app.UI { return directInviteText(t, inv) }).Else(func() app.UI {
					return app.P().Class("invite-what").Body(
						app.Text(t.T("to the chat with ")),
						app.Strong().Text(visitor),
						app.Text(t.T(" as ")),
						app.Span().Class("part", "part-"+string(inv.As)).Text(desk.PartName(a.desk.Msg, inv.As)),
					)
				}),
				app.Div().Class("offer-meta").Body(app.Span().Text(inv.Chat.Connector)),
				app.Div().Class("bar").Aria("hidden", true).Body(
					app.Div().Class("bar-fill").Style("width", "%.0f%%", inv.Fraction(a.now)*100),
				),
				app.Div().Class("offer-actions").Body(
					app.Button().Class("btn", "btn-accept").Type("button").Disabled(inv.Answered).Text(t.T("Accept")).
						Aria("label", t.T("Accept the invitation to the chat with {0}", visitor)).
						OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActInviteAccept, chat) }, app.EventScope(chat)),
					app.Button().Class("btn", "btn-quiet").Type("button").Disabled(inv.Answered).Text(t.T("Decline")).
						Aria("label", t.T("Decline the invitation to the chat with {0}", visitor)).
						OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActInviteDecline, chat) }, app.EventScope(chat)),
				),
			)
		}),
	)
}

// renderTeam shows, in the chat's header, the agent's own part when they do not own the chat,
// the other agents in it with theirs, and the invitations that await an answer.
func (a *App) renderTeam(c *desk.Chat) app.UI {
	t := a.desk.Msg
	if c.Direct() { // the two agents are the chat; its title names the colleague
		return nil
	}
	others := c.Colleagues(a.desk.User.ID)
	label := desk.PartLabel(t, c.Part())
	if label == "" && len(others) == 0 && len(c.Invited) == 0 {
		return nil
	}
	return app.Div().ID("chat-team").Class("team").Body(
		app.If(label != "", func() app.UI {
			return app.Span().ID("my-part").Class("part", "part-"+string(c.Part()), "my-part").
				Title(partHelp(t, c.Part())).Text(label)
		}),
		app.If(len(others) > 0, func() app.UI {
			return app.Ul().Class("team-list").Aria("label", t.T("Agents in this chat")).Body(
				app.Range(others).Slice(func(i int) app.UI {
					p := others[i]
					return app.Li().Class("agent-chip").Title(partOf(t, p.Name, p.As)).Body(
						app.Span().Class("avatar", "avatar-small").Aria("hidden", true).Text(initials(p.Name)),
						app.Span().Class("agent-name").Text(p.Name),
						app.Span().Class("part", "part-"+string(p.As)).Text(desk.PartName(t, p.As)),
					)
				}),
			)
		}),
		app.Range(c.Invited).Slice(func(i int) app.UI {
			s := c.Invited[i]
			text := t.T("Inviting {0}…", s.Name)
			if s.Acked {
				text = t.T("{0} invited as {1}, waiting for an answer", s.Name, desk.PartName(t, s.As))
			}
			return app.Span().Class("invited").Role("status").Text(text)
		}),
	)
}

// partHelp explains the agent's own part.
func partHelp(t catalog.Printer, p protocol.Part) string {
	switch p {
	case protocol.PartObserver:
		return t.T("You read along; the visitor does not see you. You can write internal notes.")
	case protocol.PartParticipant:
		return t.T("You write to the visitor beside the chat's owner.")
	case protocol.PartSupervisor:
		return t.T("You supervise this chat; the visitor does not see you.")
	}
	return ""
}

// partOf says what part a colleague has in the chat, as a whole sentence so that each
// language words it its own way.
func partOf(t catalog.Printer, name string, p protocol.Part) string {
	switch p {
	case protocol.PartObserver:
		return t.T("{0} is an observer in this chat", name)
	case protocol.PartParticipant:
		return t.T("{0} is a participant in this chat", name)
	case protocol.PartSupervisor:
		return t.T("{0} is a supervisor in this chat", name)
	}
	return t.T("{0} owns this chat", name)
}

// renderTeamActions are the chat's actions for working together: invite a colleague; for an
// agent who joined, switch between observer and participant, and leave.
func (a *App) renderTeamActions(c *desk.Chat) []app.UI {
	t := a.desk.Msg
	if c.Closed || c.Direct() { // two agents alone: Close chat ends it
		return nil
	}
	id := c.ID
	var out []app.UI
	if a.desk.MayInvite(c) {
		out = append(out, app.Button().ID("invite-button").Class("btn", "btn-small").Type("button").
			Aria("expanded", strconv.FormatBool(c.InviteForm != nil)).Aria("controls", "invite-card").
			Title(t.T("Ask a colleague into this chat, to read along or to help")).Text(t.T("Invite a colleague")).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActInviteForm, id) }, app.EventScope(id)))
	}
	part := c.Part()
	if part == protocol.PartOwner {
		return out
	}
	busy := c.Switching != "" || c.Leaving
	if part != protocol.PartParticipant {
		out = append(out, app.Button().ID("join-participant").Class("btn", "btn-small").Type("button").Disabled(busy).
			Title(t.T("Write to the visitor too; the visitor sees you join")).Text(t.T("Switch to participant")).
			OnClick(func(ctx app.Context, e app.Event) {
				ctx.NewActionWithValue(ActJoin, JoinRequest{Chat: id, As: protocol.PartParticipant})
			}, app.EventScope(id)))
	}
	if part != protocol.PartObserver {
		out = append(out, app.Button().ID("join-observer").Class("btn", "btn-small").Type("button").Disabled(busy).
			Title(t.T("Only read along and write internal notes; the visitor no longer sees you")).Text(t.T("Switch to observer")).
			OnClick(func(ctx app.Context, e app.Event) {
				ctx.NewActionWithValue(ActJoin, JoinRequest{Chat: id, As: protocol.PartObserver})
			}, app.EventScope(id)))
	}
	out = append(out, app.Button().ID("leave-button").Class("btn", "btn-small").Type("button").Disabled(busy).
		Title(t.T("Leave this chat; its owner goes on with it")).Text(t.T("Leave chat")).
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActLeave, id) }, app.EventScope(id)))
	return out
}

// renderInvite is the "Invite a colleague" card above the composer: the colleague (those who
// cannot be invited are listed with the reason, not offered), the part, Invite and Cancel.
// Escape closes it.
func (a *App) renderInvite(c *desk.Chat) app.UI {
	t := a.desk.Msg
	f := c.InviteForm
	if f == nil {
		return nil
	}
	id := c.ID
	choices := a.desk.InviteChoices(id)
	state := a.desk.ColleaguesState
	who := f.Who
	if who == 0 {
		for _, ch := range choices {
			if ch.Why == "" {
				who = ch.ID
				break
			}
		}
	}
	as := f.As
	pick := func(ctx app.Context) (int64, protocol.Part) {
		w, _ := strconv.ParseInt(app.Window().GetElementByID("invite-who").Get("value").String(), 10, 64)
		p := protocol.PartObserver
		if el := app.Window().GetElementByID("invite-as-participant"); el.Truthy() && el.Get("checked").Bool() {
			p = protocol.PartParticipant
		}
		return w, p
	}
	radio := func(p protocol.Part, title, note string) app.UI {
		rid := "invite-as-" + string(p)
		return app.Label().Class("invite-part").For(rid).Body(
			app.Input().ID(rid).Type("radio").Name("invite-as").Value(string(p)).Checked(as == p).
				OnChange(func(ctx app.Context, e app.Event) { w, p := pick(ctx); a.desk.EditInvite(id, w, p) }),
			app.Span().Class("invite-part-text").Body(app.Strong().Text(title), app.Span().Class("muted").Text(note)),
		)
	}
	// Reopened, the card keeps the list it had while it asks again: the agent can pick at
	// once, and the server refuses whoever went offline meanwhile with a clear error.
	ready := state == "ready" || (state == "loading" && len(a.desk.Colleagues) > 0)
	return app.Section().ID("invite-card").Class("ask-card", "invite-card").Aria("labelledby", "invite-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				e.PreventDefault()
				a.closeInvite(id)
			}
		}).Body(
		app.Div().Class("ask-head").Body(
			app.H3().ID("invite-title").Text(t.T("Invite a colleague")),
			app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Close")).Title(t.T("Close (Esc)")).Text("×").
				OnClick(func(ctx app.Context, e app.Event) { a.closeInvite(id) }),
		),
		app.Form().ID("invite-form").Class("invite-form").NoValidate(true).DataSet("prevent-submit", true).
			OnSubmit(func(ctx app.Context, e app.Event) {
				e.PreventDefault()
				w, p := pick(ctx)
				ctx.NewActionWithValue(ActInvite, InviteRequest{Chat: id, Who: w, As: p})
			}).Body(
			app.Label().Class("invite-row").For("invite-who").Body(
				app.Span().Text(t.T("Colleague")),
				app.Select().ID("invite-who").Aria("describedby", "invite-state").
					OnChange(func(ctx app.Context, e app.Event) { w, p := pick(ctx); a.desk.EditInvite(id, w, p) }).Body(
					app.If(!ready || len(choices) == 0, func() app.UI {
						return app.Option().Value(0).Text(map[bool]string{true: t.T("Loading your colleagues…"), false: t.T("Nobody to invite")}[state == "loading" || state == ""])
					}),
					app.Range(choices).Slice(func(i int) app.UI {
						ch := choices[i]
						return app.Option().Value(ch.ID).Disabled(ch.Why != "").Selected(ch.ID == who).Text(ch.Label())
					}),
				),
			),
			app.P().ID("invite-state").Class(when(!ready && state != "loading" && state != "", "ask-error", "muted")...).
				Role("status").Text(inviteStateText(t, state, len(a.desk.Colleagues) > 0, choices)),
			app.Div().Class("invite-parts").Role("radiogroup").Aria("labelledby", "invite-as-label").Body(
				app.Span().ID("invite-as-label").Class("invite-parts-label").Text(t.T("As")),
				radio(protocol.PartObserver, t.T("Observer"), t.T("reads along and writes internal notes; the visitor does not see them")),
				radio(protocol.PartParticipant, t.T("Participant"), t.T("writes to the visitor too")),
			),
			app.If(f.Error != "", func() app.UI { return app.P().Class("ask-error").Role("alert").Text(f.Error) }),
			app.Div().Class("ask-actions").Body(
				app.Button().ID("invite-send").Class("btn", "btn-primary").Type("submit").Disabled(!ready).Text(t.T("Invite")),
				app.Button().Class("btn", "btn-quiet").Type("button").Text(t.T("Cancel")).
					OnClick(func(ctx app.Context, e app.Event) { a.closeInvite(id) }),
			),
		),
	)
}

// inviteStateText says what the picker holds, or why it is empty.
func inviteStateText(t catalog.Printer, state string, had bool, choices []desk.InviteChoice) string {
	switch {
	case state == "loading" && had:
		return t.T("Checking who is signed in…")
	case state == "" || state == "loading":
		return t.T("Loading your colleagues…")
	case state != "ready":
		return state
	}
	online := 0
	for _, c := range choices {
		if c.Why == "" {
			online++
		}
	}
	switch {
	case len(choices) == 0:
		return t.T("Your organisation has no other agents.")
	case online == 0:
		return t.T("None of your colleagues can be invited now: only those signed in can.")
	}
	return t.T("Only colleagues who are signed in can be invited.")
}

// renderColleaguesTyping says who else is writing in the chat; a colleague writing to the
// visitor stands out, so that two agents do not answer at once.
func renderColleaguesTyping(t catalog.Printer, c *desk.Chat) app.UI {
	text, replying := c.ColleaguesTyping()
	if text == "" {
		return nil
	}
	return app.P().ID("colleagues-typing").Class(when(replying, "typing colleague-typing replying", "typing colleague-typing")...).Role("status").Body(
		app.Span().Class("typing-dots").Aria("hidden", true),
		app.Text(text),
	)
}
