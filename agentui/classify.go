package agentui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
)

// Tags and outcome of a chat: toggle buttons for the tenant's tags, stored as soon as one is
// pressed, and the outcome list, whose choice goes with the close (and is required to close
// where the tenant says so).
const (
	// ActTagToggle puts a tag on a chat or takes it off; value a labelRef.
	ActTagToggle = "agent/tag/toggle"
	// ActOutcome picks a chat's outcome; value a labelRef.
	ActOutcome = "agent/outcome"
)

// labelRef names a tag or outcome of a chat.
type labelRef struct {
	Chat string
	ID   int64
}

func (a *App) handleClassify(ctx app.Context) {
	ctx.Handle(ActTagToggle, func(ctx app.Context, act app.Action) {
		if r, ok := act.Value.(labelRef); ok {
			if c, ok := a.desk.ToggleTag(r.Chat, r.ID); ok {
				a.send(c)
			}
			a.changed(ctx)
		}
	})
	ctx.Handle(ActOutcome, func(ctx app.Context, act app.Action) {
		if r, ok := act.Value.(labelRef); ok {
			a.desk.SetOutcome(r.Chat, r.ID)
			a.changed(ctx)
		}
	})
}

// hasLabels says whether the chat shows the tags and outcome row.
func (a *App) hasLabels(c *desk.Chat) bool {
	return !c.Direct() && (len(a.desk.Labels.Tags) > 0 || len(a.desk.Labels.Outcomes) > 0)
}

// renderClassify is the chat's tags and outcome row.
func (a *App) renderClassify(c *desk.Chat) app.UI {
	t := a.desk.Msg
	l := &a.desk.Labels
	id := c.ID
	sel := "outcome-" + id
	return app.Div().Class("classify").Body(
		app.If(len(l.Tags) > 0, func() app.UI {
			return app.Div().Class("classify-tags").Role("group").Aria("label", t.T("Tags")).Body(
				app.Span().Class("classify-label").Aria("hidden", true).Text(t.T("Tags")),
				app.Range(l.Tags).Slice(func(i int) app.UI {
					tag := l.Tags[i]
					on := l.HasTag(id, tag.ID)
					return app.Button().Class("btn", "btn-small", "tag-toggle").Type("button").Aria("pressed", strconv.FormatBool(on)).
						Text(tag.Name).
						OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTagToggle, labelRef{id, tag.ID}) }, app.EventScope(id+"/"+strconv.FormatInt(tag.ID, 10)))
				}),
			)
		}),
		app.If(len(l.Outcomes) > 0 && !c.Closed, func() app.UI {
			chosen := l.Outcome(id)
			return app.Div().Class("classify-outcome").Body(
				app.Label().For(sel).Text(t.T("Outcome")),
				app.Select().ID(sel).Aria("describedby", sel+"-note").
					OnChange(func(ctx app.Context, e app.Event) {
						v, _ := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
						ctx.NewActionWithValue(ActOutcome, labelRef{id, v})
					}, app.EventScope(id)).Body(
					app.Option().Value("0").Selected(chosen == 0).Text(t.T("No outcome")),
					app.Range(l.Outcomes).Slice(func(i int) app.UI {
						o := l.Outcomes[i]
						return app.Option().Value(strconv.FormatInt(o.ID, 10)).Selected(o.ID == chosen).Text(o.Name)
					}),
				),
				app.If(l.OutcomeRequired && chosen == 0, func() app.UI {
					return app.Span().ID(sel + "-note").Class("classify-note").Text(t.T("Pick an outcome to close this chat."))
				}),
			)
		}),
	)
}
