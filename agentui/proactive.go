package agentui

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
)

// Agents see the visitors on the site now (page, where they came from, time on site, new or
// returning) and start a chat with one: a card asks for the first message, and the chat the
// server starts opens like an accepted one.

// The actions of this file.
const (
	// ActVisitorForm opens the invitation card of a visitor online; value the visitor's id.
	ActVisitorForm = "agent/visitor/form"
	// ActVisitorClose closes the card.
	ActVisitorClose = "agent/visitor/close"
	// ActVisitorInvite sends the card's invitation.
	ActVisitorInvite = "agent/visitor/invite"
)

// handleProactive registers the handlers of this file's actions.
func (a *App) handleProactive(ctx app.Context) {
	ctx.Handle(ActVisitorForm, func(ctx app.Context, act app.Action) {
		a.desk.OpenVisitorForm(fmt.Sprint(act.Value))
		ctx.Defer(func(app.Context) { focusElement("visitor-invite-text") })
		a.changed(ctx)
	})
	ctx.Handle(ActVisitorClose, func(ctx app.Context, act app.Action) {
		a.desk.CloseVisitorForm()
		a.changed(ctx)
	})
	ctx.Handle(ActVisitorInvite, func(ctx app.Context, act app.Action) {
		if c, ok := a.desk.InviteVisitor(); ok {
			a.send(c)
		} else {
			ctx.Defer(func(app.Context) { focusElement("visitor-invite-text") })
		}
		a.changed(ctx)
	})
}

// renderVisitors lists the visitors on the site now, each with an Invite button, and the card
// of the invitation being written.
func (a *App) renderVisitors() app.UI {
	t := a.desk.Msg
	vs := a.desk.Proactive.Visitors
	form := a.desk.Proactive.Form
	return app.Section().ID("visitors-online").Class("visitors").Aria("label", t.T("Visitors on the site")).Body(
		app.H2().Body(app.Text(t.T("On the site")), app.If(len(vs) > 0, func() app.UI {
			return app.Span().Class("count").Text(len(vs))
		})),
		app.If(len(vs) == 0, func() app.UI {
			return app.P().Class("empty").Text(t.T("Nobody on the site right now."))
		}),
		app.Ul().Class("visitor-list").Body(
			app.Range(vs).Slice(func(i int) app.UI {
				v := vs[i]
				id := v.ID
				page := pageLabel(v.Title, v.Page)
				open := form != nil && form.Visitor == id
				kind, kindText := "new", t.T("New")
				if v.Returning {
					kind, kindText = "returning", t.T("Returning")
				}
				return app.Li().Class("visitor").ID("visitor-"+id).Body(
					app.Div().Class("visitor-head").Body(
						app.Strong().Class("visitor-page").Title(v.Page).Text(page),
						app.Span().Class("visitor-kind", "visitor-"+kind).Text(kindText),
					),
					app.Div().Class("visitor-meta").Body(
						app.Span().Class("visitor-time").Text(desk.TimeOnSite(t, v.Since, a.now)),
						app.If(v.Referrer != "", func() app.UI {
							return app.Span().Class("visitor-ref").Title(v.Referrer).Text(t.T("from {0}", hostOf(v.Referrer)))
						}),
					),
					app.If(v.InChat != "", func() app.UI {
						return app.Span().Class("visitor-invited").Text(t.T("In a chat"))
					}).ElseIf(v.Chat != "" || a.desk.Sending(id), func() app.UI {
						return app.Span().Class("visitor-invited").Role("status").Text(t.T("Invited, waiting for an answer"))
					}).Else(func() app.UI {
						return app.Button().Class("btn", "btn-small").Type("button").ID("visitor-invite-"+id).
							Aria("expanded", fmt.Sprint(open)).Aria("label", t.T("Invite the visitor on {0} to a chat", page)).Text(t.T("Invite")).
							OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActVisitorForm, id) }, app.EventScope(id))
					}),
					app.If(open, func() app.UI { return a.renderVisitorForm(form, page) }),
				)
			}),
		),
	)
}

// renderVisitorForm is the invitation card: the first message, Send and Cancel.
func (a *App) renderVisitorForm(f *desk.VisitorForm, page string) app.UI {
	t := a.desk.Msg
	return app.Form().ID("visitor-invite-card").Class("visitor-card").Aria("label", t.T("Invite the visitor on {0}", page)).
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			ctx.NewAction(ActVisitorInvite)
		}).Body(
		app.Label().For("visitor-invite-text").Text(t.T("First message")),
		app.Textarea().ID("visitor-invite-text").Rows(2).Text(f.Text).
			Aria("invalid", fmt.Sprint(f.Error != "")).Aria("describedby", "visitor-invite-error").
			OnInput(func(ctx app.Context, e app.Event) { a.desk.EditVisitorForm(ctx.JSSrc().Get("value").String()) }).
			OnKeyDown(func(ctx app.Context, e app.Event) {
				if e.Get("key").String() == "Escape" {
					ctx.NewAction(ActVisitorClose)
				}
			}),
		app.If(f.Error != "", func() app.UI {
			return app.P().ID("visitor-invite-error").Class("form-error").Role("alert").Text(f.Error)
		}),
		app.Div().Class("visitor-card-actions").Body(
			app.Button().ID("visitor-invite-send").Class("btn", "btn-accept", "btn-small").Type("submit").Text(t.T("Start chat")),
			app.Button().Class("btn", "btn-quiet", "btn-small").Type("button").Text(t.T("Cancel")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActVisitorClose) }),
		),
	)
}

// pageLabel names a page for the list: its title, else its path.
func pageLabel(title, page string) string {
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	if u, err := url.Parse(page); err == nil && u.Host != "" {
		return u.Host + u.Path
	}
	return page
}

// hostOf is the site a referrer names ("www.google.com").
func hostOf(ref string) string {
	if u, err := url.Parse(ref); err == nil && u.Host != "" {
		return u.Host
	}
	return ref
}
