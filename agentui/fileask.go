package agentui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
)

// renderAskFile is the "Ask for a file" part of the "Ask for…" card (WhosOn requestfile):
// optional file types and the button; Enter in the types asks too. The request shows in the
// conversation when the server recorded it; a refusal (a type the site does not take) shows
// under the types.
func (a *App) renderAskFile(id string, f *desk.AskForm, busy bool) app.UI {
	t := a.desk.Msg
	errMsg := f.Errors[desk.AskFileTypes]
	return app.Form().ID("ask-file-form").Class("ask-form").NoValidate(true).
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			if cmd, ok := a.desk.AskFile(id); ok {
				a.send(cmd)
			} else {
				ctx.Defer(func(app.Context) { focusElement("ask-file-types") })
			}
			a.changed(ctx)
		}).Body(
		askRow("ask-file-types", t.T("File types"), t.T("Optional, e.g. pdf, png; none for any type the site takes"), errMsg,
			app.Input().ID("ask-file-types").Type("text").Value(f.FileTypes).MaxLength(200).Disabled(busy).AutoComplete(false).Spellcheck(false).
				Aria("invalid", strconv.FormatBool(errMsg != "")).Aria("describedby", "ask-file-types-note").
				OnInput(func(ctx app.Context, e app.Event) {
					a.desk.EditAsk(id, desk.AskFileTypes, ctx.JSSrc().Get("value").String())
				})),
		app.Div().Class("ask-actions").Body(
			app.Button().ID("ask-file").Class("btn", "btn-primary").Type("submit").Disabled(busy).Text(t.T("Ask for a file")),
		),
	)
}
