package agentui

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/api"
)

// An owner hands a chat on from its header: the "Transfer" card picks a colleague (with their
// status and free capacity), a group or another connector, and takes a note for the agent who
// receives it; while the transfer is under way the chat says so above the conversation, the
// owner can still write, and can withdraw it; a failed transfer leaves a notice.

// The transfer actions.
const (
	// ActTransferForm opens or closes a chat's "Transfer" card, ActTransferClose only closes
	// it; value the chat id. ActTransfer sends the transfer; value [TransferRequest].
	ActTransferForm  = "agent/transfer/form"
	ActTransferClose = "agent/transfer/close"
	ActTransfer      = "agent/transfer"
	// ActTransferCancel withdraws the chat's transfer under way, ActTransferDismiss hides the
	// outcome of one that failed; value the chat id.
	ActTransferCancel  = "agent/transfer/cancel"
	ActTransferDismiss = "agent/transfer/dismiss"
)

// TransferRequest hands Chat to Target of Kind, with Note for the receiving agent.
type TransferRequest struct {
	Chat   string
	Kind   desk.TransferKind
	Target int64
	Note   string
}

// handleTransfer registers the handlers of this file's actions.
func (a *App) handleTransfer(ctx app.Context) {
	ctx.Handle(ActTransferForm, a.onTransferForm)
	ctx.Handle(ActTransferClose, func(ctx app.Context, act app.Action) { a.closeTransfer(fmt.Sprint(act.Value)); a.changed(ctx) })
	ctx.Handle(ActTransfer, a.onTransfer)
	ctx.Handle(ActTransferCancel, func(ctx app.Context, act app.Action) {
		if c, ok := a.desk.CancelTransfer(fmt.Sprint(act.Value)); ok {
			a.send(c)
			a.changed(ctx)
		}
	})
	ctx.Handle(ActTransferDismiss, func(ctx app.Context, act app.Action) {
		a.desk.DismissTransferNotice(fmt.Sprint(act.Value))
		a.changed(ctx)
	})
}

// onTransferForm opens the transfer card (loading the colleagues and targets anew: who is
// online and how busy changes) or closes it, and moves the focus.
func (a *App) onTransferForm(ctx app.Context, act app.Action) {
	id := fmt.Sprint(act.Value)
	if a.desk.OpenTransfer(id) {
		a.loadColleagues(ctx)
		a.loadTargets(ctx)
		ctx.Defer(func(app.Context) { focusElement("transfer-kind-agent") })
	} else {
		ctx.Defer(func(app.Context) { focusElement("transfer-button") })
	}
	a.changed(ctx)
}

// closeTransfer closes the card and gives the focus back to the button that opened it.
func (a *App) closeTransfer(chat string) {
	a.desk.CloseTransfer(chat)
	a.ctx.Defer(func(app.Context) { focusElement("transfer-button") })
}

// onTransfer sends the transfer; without a target that can be picked the card says so.
func (a *App) onTransfer(ctx app.Context, act app.Action) {
	r, ok := act.Value.(TransferRequest)
	if !ok {
		return
	}
	if c, ok := a.desk.Transfer(r.Chat, r.Kind, r.Target, r.Note); ok {
		a.send(c)
		ctx.Defer(func(app.Context) { focusElement("composer-text") })
	} else {
		ctx.Defer(func(app.Context) { focusElement("transfer-target") })
	}
	a.changed(ctx)
}

// loadTargets fetches the tenant's groups and connectors for the transfer card.
func (a *App) loadTargets(ctx app.Context) {
	t := a.desk.Msg
	if a.desk.TargetsState == "loading" {
		return
	}
	a.desk.TargetsState = "loading"
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", desk.TargetsPath, nil)
		ctx.Dispatch(func(ctx app.Context) {
			var got api.TransferTargets
			switch {
			case err != nil:
				a.desk.SetTargets(got, t.T("The groups and connectors could not be loaded. Check your connection and try again."))
			case status != 200:
				a.desk.SetTargets(got, apiMessage(body, t.T("The groups and connectors could not be loaded.")))
			case json.Unmarshal(body, &got) != nil:
				a.desk.SetTargets(got, t.T("The groups and connectors could not be read."))
			default:
				a.desk.SetTargets(got, "")
			}
			a.changed(ctx)
		})
	})
}

// renderTransferAction is the chat header's "Transfer" button, for the owner and supervisors.
func (a *App) renderTransferAction(c *desk.Chat) app.UI {
	t := a.desk.Msg
	if !a.desk.MayTransfer(c) {
		return nil
	}
	id := c.ID
	return app.Button().ID("transfer-button").Class("btn", "btn-small").Type("button").Disabled(c.Transfer != nil).
		Aria("expanded", strconv.FormatBool(c.TransferForm != nil)).Aria("controls", "transfer-card").
		Title(t.T("Hand this chat to a colleague, a group or another connector")).Text(t.T("Transfer")).
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTransferForm, id) }, app.EventScope(id))
}

// renderTransferStatus says above the conversation that a transfer is under way (with Cancel)
// or how the last one failed (with Dismiss).
func (a *App) renderTransferStatus(c *desk.Chat) app.UI {
	t := a.desk.Msg
	id := c.ID
	switch {
	case c.Closed:
		return nil
	case c.Transfer != nil:
		to := c.Transfer.ToName
		if to == "" {
			to = t.T("another agent")
		}
		return app.Div().ID("transfer-status").Class("banner", "banner-info", "pane-banner", "transfer-status").Role("status").Body(
			app.Span().Class("typing-dots").Aria("hidden", true),
			app.Span().Text(t.T("Transferring to {0}… The chat stays yours, and you can write, until {0} accepts.", to)),
			app.If(c.Transfer.Acked && c.Part() != "", func() app.UI {
				return app.Button().ID("transfer-cancel").Class("btn", "btn-small", "btn-quiet").Type("button").Text(t.T("Cancel transfer")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTransferCancel, id) }, app.EventScope(id))
			}),
		)
	case c.TransferNotice != "":
		return app.Div().ID("transfer-notice").Class("banner", "banner-warn", "pane-banner").Role("alert").Body(
			app.Span().Text(c.TransferNotice),
			app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Dismiss")).Title(t.T("Dismiss")).Text("×").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTransferDismiss, id) }, app.EventScope(id)),
		)
	}
	return nil
}

// renderTransfer is the "Transfer" card above the composer: what to hand the chat to (a
// colleague, a group, a connector), which one (those who cannot take it are listed with the
// reason, not offered), a note for the receiving agent, Transfer and Cancel. Escape closes it.
func (a *App) renderTransfer(c *desk.Chat) app.UI {
	t := a.desk.Msg
	f := c.TransferForm
	if f == nil {
		return nil
	}
	id := c.ID
	kind := f.Kind
	choices := a.desk.TransferChoices(id, kind)
	state := a.desk.TargetsState
	if kind == desk.ToAgent {
		state = a.desk.ColleaguesState
	}
	ready := state == "ready" || (state == "loading" && len(choices) > 0)
	target := f.Target
	if target == 0 {
		for _, ch := range choices {
			if ch.Why == "" {
				target = ch.ID
				break
			}
		}
	}
	read := func() (desk.TransferKind, int64, string) {
		k := kind
		for _, x := range []desk.TransferKind{desk.ToAgent, desk.ToGroup, desk.ToConnector} {
			if el := app.Window().GetElementByID("transfer-kind-" + string(x)); el.Truthy() && el.Get("checked").Bool() {
				k = x
			}
		}
		t, _ := strconv.ParseInt(app.Window().GetElementByID("transfer-target").Get("value").String(), 10, 64)
		note := app.Window().GetElementByID("transfer-note").Get("value").String()
		return k, t, note
	}
	radio := func(k desk.TransferKind, title string) app.UI {
		rid := "transfer-kind-" + string(k)
		return app.Label().Class("invite-part").For(rid).Body(
			app.Input().ID(rid).Type("radio").Name("transfer-kind").Value(string(k)).Checked(kind == k).
				OnChange(func(ctx app.Context, e app.Event) {
					k, t, note := read()
					a.desk.EditTransfer(id, k, t, note)
					a.changed(ctx)
				}),
			app.Span().Class("invite-part-text").Body(app.Strong().Text(title)),
		)
	}
	what := map[desk.TransferKind]string{desk.ToAgent: t.T("Colleague"), desk.ToGroup: t.T("Group"), desk.ToConnector: t.T("Connector")}[kind]
	return app.Section().ID("transfer-card").Class("ask-card", "transfer-card").Aria("labelledby", "transfer-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				e.PreventDefault()
				a.closeTransfer(id)
			}
		}).Body(
		app.Div().Class("ask-head").Body(
			app.H3().ID("transfer-title").Text(t.T("Transfer the chat")),
			app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Close")).Title(t.T("Close (Esc)")).Text("×").
				OnClick(func(ctx app.Context, e app.Event) { a.closeTransfer(id) }),
		),
		app.Form().ID("transfer-form").Class("invite-form").NoValidate(true).DataSet("prevent-submit", true).
			OnSubmit(func(ctx app.Context, e app.Event) {
				e.PreventDefault()
				k, t, note := read()
				ctx.NewActionWithValue(ActTransfer, TransferRequest{Chat: id, Kind: k, Target: t, Note: note})
			}).Body(
			app.Div().Class("invite-parts", "transfer-kinds").Role("radiogroup").Aria("labelledby", "transfer-kind-label").Body(
				app.Span().ID("transfer-kind-label").Class("invite-parts-label").Text(t.T("To")),
				radio(desk.ToAgent, t.T("A colleague")),
				radio(desk.ToGroup, t.T("A group")),
				radio(desk.ToConnector, t.T("Another connector")),
			),
			app.Label().Class("invite-row").For("transfer-target").Body(
				app.Span().Text(what),
				app.Select().ID("transfer-target").Aria("describedby", "transfer-state").
					OnChange(func(ctx app.Context, e app.Event) { k, t, note := read(); a.desk.EditTransfer(id, k, t, note) }).Body(
					app.If(!ready || len(choices) == 0, func() app.UI {
						return app.Option().Value(0).Text(map[bool]string{true: t.T("Loading…"), false: t.T("Nothing to choose")}[state == "loading" || state == ""])
					}),
					app.Range(choices).Slice(func(i int) app.UI {
						ch := choices[i]
						return app.Option().Value(ch.ID).Disabled(ch.Why != "").Selected(ch.ID == target).Text(ch.Label())
					}),
				),
			),
			app.P().ID("transfer-state").Class(when(!ready && state != "loading" && state != "", "ask-error", "muted")...).
				Role("status").Text(transferStateText(t, kind, state, choices)),
			app.Label().Class("invite-row").For("transfer-note").Body(
				app.Span().Text(t.T("Note for the agent who takes it (optional; the visitor does not see it)")),
				app.Textarea().ID("transfer-note").Class("transfer-note").Rows(2).MaxLength(4000).Text(f.Note).
					OnInput(func(ctx app.Context, e app.Event) { k, t, note := read(); a.desk.EditTransfer(id, k, t, note) }),
			),
			app.If(f.Error != "", func() app.UI { return app.P().Class("ask-error").Role("alert").Text(f.Error) }),
			app.Div().Class("ask-actions").Body(
				app.Button().ID("transfer-send").Class("btn", "btn-primary").Type("submit").Disabled(!ready).Text(t.T("Transfer")),
				app.Button().Class("btn", "btn-quiet").Type("button").Text(t.T("Cancel")).
					OnClick(func(ctx app.Context, e app.Event) { a.closeTransfer(id) }),
			),
		),
	)
}

// transferStateText says what the picker holds, or why it is empty.
func transferStateText(t catalog.Printer, kind desk.TransferKind, state string, choices []desk.TransferChoice) string {
	switch {
	case state == "" || state == "loading":
		if len(choices) > 0 {
			return t.T("Checking who can take it…")
		}
		return t.T("Loading…")
	case state != "ready":
		return state
	}
	free := 0
	for _, c := range choices {
		if c.Why == "" {
			free++
		}
	}
	switch {
	case kind == desk.ToAgent && free == 0:
		return t.T("None of your colleagues can take the chat now: only those signed in, in a status that takes chats and with a free slot can.")
	case kind == desk.ToAgent:
		return t.T("The chat stays yours until your colleague accepts; if nobody does in time, it stays with you.")
	case free == 0:
		return t.T("There is nothing to choose here.")
	}
	return t.T("The chat is offered by the target's rules and keeps its place; it stays yours until someone accepts.")
}

// renderOfferTransfer shows, on an offer that is a transfer, who hands the chat on and their
// note.
func renderOfferTransfer(t catalog.Printer, o *desk.Offer) app.UI {
	if o.Transfer == nil {
		return nil
	}
	return app.Div().Class("offer-transfer").Body(
		app.P().Class("offer-from").Text(t.T("Transferred by {0}", o.Transfer.From.Name)),
		app.If(o.Transfer.Note != "", func() app.UI {
			return app.P().Class("offer-note").Body(
				app.Span().Class("note-label").Title(t.T("Only agents see this; the visitor does not")).Text(t.T("Note")),
				app.Text(" "+o.Transfer.Note),
			)
		}),
	)
}
