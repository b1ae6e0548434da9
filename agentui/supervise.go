package agentui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// Monitoring and supervision in the app: each chat's monitoring switch in its header, and for
// supervisors and administrators the "All chats" view, reached from the top bar: every open
// chat of the tenant, live, from which they open a chat as an observer (and whisper to its
// agent with internal notes) or take it over. An observing supervisor can also take the chat
// over from its header.

// The actions of this file.
const (
	// ActSupervise shows (true) or hides (false) the "All chats" view; value bool.
	ActSupervise = "agent/supervise"
	// ActObserve opens a chat of the list as an observer; value the chat id.
	ActObserve = "agent/supervise/observe"
	// ActTakeOver takes a chat over; value the chat id.
	ActTakeOver = "agent/supervise/takeover"
	// ActMonitor moves a chat's monitoring switch on; value the chat id.
	ActMonitor = "agent/monitor"
)

// keyMonitors keeps the monitored chats across reloads (see [desk.Monitor]).
const keyMonitors = "parley.agent.monitors"

// The monitoring switch's drawn icons (Znuny's): an empty circle, an empty circle with a tick,
// a filled circle with a tick cut out (drawn with the even-odd rule, see agent.css).
const (
	iconMonitorOff     = "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16z"
	iconMonitorVisitor = iconMonitorOff + "M10.5 16.2 6.8 12.5l1.4-1.4 2.3 2.3 5.3-5.3 1.4 1.4z"
	iconMonitorAll     = "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zM10.5 16.2 6.8 12.5l1.4-1.4 2.3 2.3 5.3-5.3 1.4 1.4z"
)

// handleSupervise registers the handlers of this file's actions.
func (a *App) handleSupervise(ctx app.Context) {
	ctx.Handle(ActSupervise, func(ctx app.Context, act app.Action) {
		open, _ := act.Value.(bool)
		a.showSupervise(ctx, open)
	})
	ctx.Handle(ActObserve, func(ctx app.Context, act app.Action) {
		id := fmt.Sprint(act.Value)
		if c, ok := a.desk.Observe(id); ok {
			a.send(c)
		}
		if a.desk.Chat(id) != nil {
			a.leaveSupervise() // already in it: shown now
		}
		a.changed(ctx)
	})
	ctx.Handle(ActTakeOver, func(ctx app.Context, act app.Action) {
		id := fmt.Sprint(act.Value)
		a.stopTyping(id) // the owner types replies, not notes
		if c, ok := a.desk.TakeOver(id); ok {
			a.send(c)
			if a.desk.Chat(id) != nil {
				a.desk.Select(id)
				a.leaveSupervise() // the chat is here: the supervisor writes to the visitor next
			}
			a.changed(ctx)
		}
	})
	ctx.Handle(ActMonitor, func(ctx app.Context, act app.Action) {
		id := fmt.Sprint(act.Value)
		a.desk.SetMonitoring(id, a.desk.Monitoring(id).Next())
		a.changed(ctx)
	})
}

// showSupervise opens or closes the "All chats" view; the list is asked for while it is open.
func (a *App) showSupervise(ctx app.Context, open bool) {
	if open && !a.desk.MaySupervise() {
		return
	}
	if open {
		a.history.open, a.left.open = false, false
	}
	if !open {
		a.leaveSupervise()
	} else if a.supervising = true; !a.desk.Watching() {
		if c, ok := a.desk.Watch(); ok {
			a.send(c)
		}
	}
	a.changed(ctx)
	if open {
		ctx.Defer(func(app.Context) { focusElement("supervise-title") })
	}
}

// leaveSupervise goes back to the desk; the list stops until the view opens again, with a
// fresh list.
func (a *App) leaveSupervise() {
	a.supervising = false
	if c, ok := a.desk.Unwatch(); ok {
		a.send(c)
	}
}

// superviseReady asks for the list again on a new connection, if it was open, and leaves the
// view when the agent no longer may supervise.
func (a *App) superviseReady() {
	if !a.desk.MaySupervise() {
		a.supervising = false
	}
	if a.supervising {
		if c, ok := a.desk.WatchAgain(); ok {
			a.write(c)
		}
	}
	if c, ok := a.desk.StaleWatch(); ok {
		a.write(c)
	}
}

// superviseOpened returns to the desk when a chat the supervisor asked for opened there.
func (a *App) superviseOpened(ev protocol.Event) {
	if o, ok := ev.Body.(*protocol.ChatOpened); ok && a.supervising && a.desk.Selected == o.Chat.ID {
		a.leaveSupervise()
	}
}

// renderSuperviseNav is the top bar's switch between the agent's own chats and all chats,
// for supervisors and administrators only.
func (a *App) renderSuperviseNav() app.UI {
	t := a.desk.Msg
	if !a.desk.MaySupervise() {
		return nil
	}
	open := a.supervising
	return app.Nav().Class("views").Aria("label", t.T("Views")).Body(
		app.Button().ID("nav-desk").Class(when(!open, "btn btn-small view-tab view-current", "btn btn-small view-tab")...).Type("button").
			Aria("pressed", fmt.Sprint(!open)).Text(t.T("My chats")).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActSupervise, false) }),
		app.Button().ID("nav-supervise").Class(when(open, "btn btn-small view-tab view-current", "btn btn-small view-tab")...).Type("button").
			Aria("pressed", fmt.Sprint(open)).Title(t.T("Every open chat of your team, live")).Text(t.T("All chats")).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActSupervise, true) }),
	)
}

// renderSupervise is the "All chats" view: nil while the desk is shown.
func (a *App) renderSupervise() app.UI {
	t := a.desk.Msg
	if !a.supervising {
		return nil
	}
	d := a.desk
	rows := d.Supervised()
	waiting := 0
	for _, r := range rows {
		if r.Phase != protocol.PhaseActive {
			waiting++
		}
	}
	summary := fmt.Sprintf("%d open, %d waiting for an agent", len(rows), waiting)
	return app.Main().ID("supervise").Class("supervise").Aria("labelledby", "supervise-title").Body(
		app.Div().Class("supervise-head").Body(
			app.H2().ID("supervise-title").TabIndex(-1).Text(t.T("All open chats")),
			app.Span().Class("supervise-count").Role("status").Aria("live", "polite").Text(either(d.SupervisedLoaded(), summary, t.T("Loading…"))),
		),
		app.If(d.SupervisedLoaded() && len(rows) == 0, func() app.UI {
			return app.P().Class("supervise-empty").Text(t.T("No open chats right now. New ones appear here as they come."))
		}),
		app.If(len(rows) > 0, func() app.UI {
			return app.Table().ID("supervise-table").Class("supervise-table").Body(
				app.Caption().Class("visually-hidden").Text(t.T("Every open chat of your team, waiting ones first")),
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text(t.T("Visitor")),
					app.Th().Scope("col").Text(t.T("State")),
					app.Th().Scope("col").Text(t.T("Connector · group")),
					app.Th().Scope("col").Text(t.T("Agents")),
					app.Th().Scope("col").Text(t.T("Waited")),
					app.Th().Scope("col").Text(t.T("Last activity")),
					app.Th().Scope("col").Body(app.Span().Class("visually-hidden").Text(t.T("Actions"))),
				)),
				app.TBody().Body(app.Range(rows).Slice(func(i int) app.UI { return a.renderSupervised(rows[i]) })),
			)
		}),
	)
}

// renderSupervised is one chat of the list.
func (a *App) renderSupervised(r protocol.SupervisedChat) app.UI {
	t := a.desk.Msg
	d := a.desk
	id := r.ID
	visitor := r.Visitor
	if strings.TrimSpace(visitor) == "" {
		visitor = t.T("Visitor")
	}
	where := r.Connector
	if r.Group != "" {
		where += " · " + r.Group
	}
	var agents []string
	for _, p := range r.Agents {
		n := p.Name
		if p.As != protocol.PartOwner {
			n += " (" + desk.PartName(a.desk.Msg, p.As) + ")"
		}
		agents = append(agents, n)
	}
	mine := d.Chat(id) != nil && !d.Chat(id).Closed
	openLabel, openName := t.T("Open as observer"), t.T("Open the chat with {0} as observer", visitor)
	if mine {
		openLabel, openName = t.T("Show"), t.T("Show the chat with {0}", visitor)
	}
	return app.Tr().ID("sup-"+id).Class("sup-row", "sup-"+r.Phase).DataSet("chat", id).Body(
		app.Th().Scope("row").Class("sup-visitor").Text(visitor),
		app.Td().Body(app.Span().Class("phase", "phase-"+r.Phase).Text(desk.PhaseText(a.desk.Msg, r))),
		app.Td().Text(where),
		app.Td().Class("sup-agents").Text(either(len(agents) > 0, strings.Join(agents, ", "), "—")),
		app.Td().Class("sup-waited").Text(countdown(desk.Waited(r, a.now))),
		app.Td().Class("sup-activity").Text(since(a.desk.Msg, a.now.Sub(r.LastActivity))),
		app.Td().Class("sup-actions").Body(app.Div().Class("sup-buttons").Body(
			app.Button().Class("btn", "btn-small", "sup-observe").Type("button").
				Aria("label", openName).Text(openLabel).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActObserve, id) }, app.EventScope(id)),
			app.Button().Class("btn", "btn-small", "btn-primary", "sup-takeover").Type("button").Disabled(!d.MayTakeOver(id)).
				Aria("label", t.T("Take over the chat with {0}", visitor)).Title(t.T("Make this chat yours; its agent is told and leaves it")).
				Text(either(d.Taking(id), t.T("Taking over…"), t.T("Take over"))).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTakeOver, id) }, app.EventScope(id)),
		)),
	)
}

// renderMonitor is a chat's monitoring switch: one button that goes round the three settings,
// its label saying the current one.
func (a *App) renderMonitor(c *desk.Chat) app.UI {
	if c.Closed {
		return nil
	}
	id := c.ID
	m := a.desk.Monitoring(id)
	d := map[desk.Monitor]string{desk.MonitorOff: iconMonitorOff, desk.MonitorVisitor: iconMonitorVisitor, desk.MonitorAll: iconMonitorAll}[m]
	return app.Button().ID("monitor-button").Class("btn", "btn-small", "btn-icon", "monitor", "monitor-"+m.String()).Type("button").
		Aria("label", m.Switch(a.desk.Msg)).
		Title(m.Hint(a.desk.Msg)).
		Body(icon(d)).
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActMonitor, id) }, app.EventScope(id))
}

// renderTakeOver is the take-over button in the header of a chat a supervisor reads along.
func (a *App) renderTakeOver(c *desk.Chat) app.UI {
	t := a.desk.Msg
	if c.Closed || c.Part() == protocol.PartOwner || !a.desk.MaySupervise() {
		return nil
	}
	id := c.ID
	return app.Button().ID("takeover-button").Class("btn", "btn-small", "btn-primary").Type("button").Disabled(!a.desk.MayTakeOver(id)).
		Title(t.T("Make this chat yours; its agent is told and leaves it")).
		Text(either(a.desk.Taking(id), t.T("Taking over…"), t.T("Take over"))).
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTakeOver, id) }, app.EventScope(id))
}

// either is yes when cond holds, else no: a text that depends on the state.
func either(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
