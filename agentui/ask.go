package agentui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// The agent asks the visitor for a field (WhosOn requestfield): the "Ask for…" button of the
// composer opens a card above it with quick presets and a custom field; the request and the
// visitor's answer show in the conversation, the requests still open above the composer, and
// every field in the visitor's details.

// AskRequest asks the visitor of Chat for a field, carried by [ActAsk]: Field, or when it is
// nil the custom field of the chat's form.
type AskRequest struct {
	Chat  string
	Field *protocol.SurveyField
}

// keyAsks keeps the requests across a reload of the tab (sessionStorage), so that those still
// open keep showing.
const keyAsks = "parley.agent.asks"

// onAskForm opens the "Ask for…" card of a chat, or closes it, and moves the focus.
func (a *App) onAskForm(ctx app.Context, act app.Action) {
	if a.desk.OpenAsk(fmt.Sprint(act.Value)) {
		ctx.Defer(func(app.Context) { focusElement("ask-preset-0") })
	} else {
		ctx.Defer(func(app.Context) { focusElement("ask-button") })
	}
	a.changed(ctx)
}

// onAsk sends a field request; a field the protocol would refuse stays in the form with the
// reasons next to its inputs.
func (a *App) onAsk(ctx app.Context, act app.Action) {
	r, ok := act.Value.(AskRequest)
	if !ok {
		return
	}
	var cmd protocol.Command
	if r.Field != nil {
		cmd, ok = a.desk.Ask(r.Chat, *r.Field, a.platform.Now())
	} else {
		cmd, ok = a.desk.AskCustom(r.Chat, a.platform.Now())
	}
	if ok {
		a.send(cmd)
	} else if c := a.desk.Chat(r.Chat); c != nil && c.Form != nil {
		if id := firstInvalid(c.Form); id != "" {
			ctx.Defer(func(app.Context) { focusElement(id) })
		}
	}
	a.changed(ctx)
}

// closeAsk closes the card and gives the focus back to the button that opened it. The focus
// moves through the app's context: one of the card's elements would be gone by then.
func (a *App) closeAsk(chat string) {
	a.desk.CloseAsk(chat)
	a.ctx.Defer(func(app.Context) { focusElement("ask-button") })
}

// firstInvalid is the id of the form's first input with a message, or "".
func firstInvalid(f *desk.AskForm) string {
	for _, p := range []desk.AskPart{desk.AskPrompt, desk.AskName, desk.AskType, desk.AskOptions} {
		if f.Errors[p] != "" {
			return "ask-" + string(p)
		}
	}
	return ""
}

// focusAfterAsk gives the focus to the composer when the card closed under it.
func focusAfterAsk() {
	doc := app.Window().Get("document")
	if !doc.Truthy() {
		return
	}
	act := doc.Get("activeElement")
	if !act.Truthy() || act.Equal(doc.Get("body")) || act.Get("closest").Truthy() && act.Call("closest", "#ask-card").Truthy() {
		focusElement("composer-text")
	}
}

// renderWaiting lists the requests the visitor has not answered yet.
func renderWaiting(t catalog.Printer, c *desk.Chat) app.UI {
	waiting := c.Waiting()
	if len(waiting) == 0 {
		return nil
	}
	return app.Ul().Class("asked-waiting").Aria("label", t.T("Requests to the visitor")).Body(
		app.Range(waiting).Slice(func(i int) app.UI {
			w := waiting[i]
			text := t.T("Waiting for the visitor's answer: {0}", w.Label())
			if !w.Acked {
				text = t.T("Asking the visitor: {0}…", w.Label())
			}
			return app.Li().Class("asked").Role("status").Body(
				app.Span().Class("asked-icon").Body(icon(iconHourglass)),
				app.Text(text),
			)
		}),
	)
}

// renderAsk is the "Ask for…" card above the composer: presets asked with one click, and a
// custom field with its prompt, name, answer type, options and whether an answer is required.
// Escape closes it.
func (a *App) renderAsk(c *desk.Chat) app.UI {
	t := a.desk.Msg
	f := c.Form
	if f == nil {
		return nil
	}
	id := c.ID
	busy := f.Sending != ""
	return app.Section().ID("ask-card").Class("ask-card").Aria("labelledby", "ask-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				e.PreventDefault()
				a.closeAsk(id)
			}
		}).Body(
		app.Div().Class("ask-head").Body(
			app.H3().ID("ask-title").Text(t.T("Ask the visitor for…")),
			app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Close")).Title(t.T("Close (Esc)")).Text("×").
				Disabled(busy).OnClick(func(ctx app.Context, e app.Event) { a.closeAsk(id) }),
		),
		app.If(f.Errors[desk.AskGeneral] != "", func() app.UI {
			return app.P().Class("ask-error").Role("alert").Text(f.Errors[desk.AskGeneral])
		}),
		app.Div().Class("ask-presets").Role("group").Aria("label", t.T("Quick requests")).Body(
			app.Range(desk.Presets).Slice(func(i int) app.UI {
				p := a.desk.PresetFor(id, desk.Presets[i])
				label := desk.PresetPrompt(t, &p)
				return app.Button().ID("ask-preset-"+strconv.Itoa(i)).Class("btn", "btn-small", "ask-preset").Type("button").
					Disabled(busy).Title(t.T("Ask for: {0}", label)).Text(label).
					OnClick(func(ctx app.Context, e app.Event) {
						ctx.NewActionWithValue(ActAsk, AskRequest{Chat: id, Field: &p})
					}, app.EventScope(p.Name))
			}),
			app.Button().ID("ask-custom").Class(when(f.Custom, "btn btn-small ask-preset selected", "btn btn-small ask-preset")...).Type("button").
				Disabled(busy).Aria("expanded", strconv.FormatBool(f.Custom)).Aria("controls", "ask-form").Text(t.T("Custom…")).
				OnClick(func(ctx app.Context, e app.Event) {
					a.desk.ChooseCustom(id)
					ctx.Defer(func(app.Context) { focusElement("ask-prompt") })
				}),
		),
		app.If(f.Custom, func() app.UI { return a.renderAskForm(id, f, busy) }),
		a.renderAskFile(id, f, busy),
		app.If(busy, func() app.UI {
			return app.P().Class("ask-busy").Role("status").Text(t.T("Asking the visitor…"))
		}),
	)
}

// renderAskForm is the custom field's form.
func (a *App) renderAskForm(id string, f *desk.AskForm, busy bool) app.UI {
	t := a.desk.Msg
	edit := func(part desk.AskPart) app.EventHandler {
		return func(ctx app.Context, e app.Event) {
			v := ctx.JSSrc().Get("value").String()
			if part == desk.AskRequired {
				v = strconv.FormatBool(ctx.JSSrc().Get("checked").Bool())
			}
			a.desk.EditAsk(id, part, v)
		}
	}
	return app.Form().ID("ask-form").Class("ask-form").NoValidate(true).
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			ctx.NewActionWithValue(ActAsk, AskRequest{Chat: id})
		}).Body(
		askRow("ask-prompt", t.T("Question for the visitor"), t.T("What the visitor reads, e.g. “Your order number”."), f.Errors[desk.AskPrompt],
			app.Input().ID("ask-prompt").Type("text").Value(f.Prompt).MaxLength(200).Disabled(busy).AutoComplete(false).
				Aria("invalid", strconv.FormatBool(f.Errors[desk.AskPrompt] != "")).Aria("describedby", "ask-prompt-note").OnInput(edit(desk.AskPrompt))),
		askRow("ask-name", t.T("Field name"), t.T("Letters and digits, starting with a letter; made from the question until you change it."), f.Errors[desk.AskName],
			app.Input().ID("ask-name").Type("text").Value(f.Name).MaxLength(64).Disabled(busy).AutoComplete(false).Spellcheck(false).
				Aria("invalid", strconv.FormatBool(f.Errors[desk.AskName] != "")).Aria("describedby", "ask-name-note").OnInput(edit(desk.AskName))),
		askRow("ask-type", t.T("Answer type"), "", f.Errors[desk.AskType],
			app.Select().ID("ask-type").Disabled(busy).Aria("invalid", strconv.FormatBool(f.Errors[desk.AskType] != "")).Aria("describedby", "ask-type-note").
				OnChange(edit(desk.AskType)).Body(
				app.Range(desk.AnswerTypes).Slice(func(i int) app.UI {
					at := desk.AnswerTypes[i]
					return app.Option().Value(at.Type).Selected(at.Type == f.Type).Text(answerTypeLabel(t, at.Type, at.Label))
				}),
			)),
		app.If(f.Type == survey.TypeSelect, func() app.UI {
			return askRow("ask-options wide", t.T("Options, one per line"), "", f.Errors[desk.AskOptions],
				app.Textarea().ID("ask-options").Rows(3).Disabled(busy).Text(f.Options).
					Aria("invalid", strconv.FormatBool(f.Errors[desk.AskOptions] != "")).Aria("describedby", "ask-options-note").OnInput(edit(desk.AskOptions)))
		}),
		app.Label().Class("ask-check").Body(
			app.Input().ID("ask-required").Type("checkbox").Checked(f.Required).Disabled(busy).OnChange(edit(desk.AskRequired)),
			app.Text(t.T("The visitor must answer")),
		),
		app.Div().Class("ask-actions").Body(
			app.Button().ID("ask-send").Class("btn", "btn-primary").Type("submit").Disabled(busy).Text(t.T("Ask the visitor")),
			app.Button().Class("btn", "btn-quiet").Type("button").Disabled(busy).Text(t.T("Cancel")).
				OnClick(func(ctx app.Context, e app.Event) { a.closeAsk(id) }),
		),
	)
}

// answerTypeLabel names an answer type of the "Ask for…" form in the agent's language.
func answerTypeLabel(t catalog.Printer, typ, label string) string {
	switch typ {
	case survey.TypeText:
		return t.T("Text")
	case survey.TypeNumeric:
		return t.T("Number")
	case survey.TypeDate:
		return t.T("Date")
	case survey.TypeEmail:
		return t.T("E-mail address")
	case survey.TypeSelect:
		return t.T("Choice")
	case survey.TypeBoolean:
		return t.T("Yes / no")
	case survey.TypeRating:
		return t.T("Rating (1 to 5 stars)")
	}
	return label
}

// askRow is one input of the form with its label and, below it, its error or its hint.
func askRow(id, label, hint, errMsg string, input app.UI) app.UI {
	class := "ask-row"
	if i := strings.IndexByte(id, ' '); i > 0 {
		id, class = id[:i], class+" ask-"+id[i+1:]
	}
	note := app.If(errMsg != "", func() app.UI {
		return app.Span().ID(id+"-note").Class("ask-note", "ask-invalid").Text(errMsg)
	}).ElseIf(hint != "", func() app.UI {
		return app.Span().ID(id + "-note").Class("ask-note").Text(hint)
	})
	if errMsg != "" {
		class += " invalid"
	}
	return app.Div().Class(strings.Fields(class)...).Body(
		app.Label().For(id).Text(label),
		input,
		note,
	)
}

// renderFields shows the visitor's fields in the details panel: the pre-chat form, the fields
// asked for in the chat (with those still waiting) and the post-chat survey as feedback.
func renderFields(t catalog.Printer, c *desk.Chat) app.UI {
	block := func(title, class string, entries []desk.FieldEntry) app.UI {
		if len(entries) == 0 {
			return nil
		}
		return app.Div().Class("fact-block", class).Body(
			app.H3().Text(title),
			app.Dl().Class("facts").Body(
				app.Range(entries).Slice(func(i int) app.UI {
					e := entries[i]
					if e.Waiting {
						return app.Div().Class("fact", "waiting").Title(e.Name).Body(app.Dt().Text(e.Label), app.Dd().Text(t.T("waiting for the answer…")))
					}
					return app.Div().Class("fact").Title(e.Name).Body(app.Dt().Text(e.Label), app.Dd().Text(e.Value))
				}),
			),
		)
	}
	return app.Div().Class("fields").Body(
		block(t.T("Pre-chat form"), "fields-prechat", c.Fields(desk.FieldPreChat)),
		block(t.T("Asked in this chat"), "fields-asked", c.Fields(desk.FieldAsked)),
		block(t.T("Feedback (post-chat survey)"), "fields-feedback", c.Fields(desk.FieldFeedback)),
	)
}
