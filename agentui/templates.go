package agentui

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/api"
)

// templatePicker is the card that offers a WhatsApp chat's approved templates once free text
// was refused (the 24-hour window closed): the agent picks one, fills its parameters and
// sends it as the line "/template name parameter | parameter" that the server turns into
// TynTec's template message.
type templatePicker struct {
	chat    string // the chat the templates are of
	loading bool
	err     string
	list    []api.WhatsAppTemplate
	pick    int      // index into list
	values  []string // the parameters filled in
}

// loadTemplates asks for the templates of chat, once per chat.
func (a *App) loadTemplates(ctx app.Context, chat string) {
	p := &a.templates
	if p.chat == chat && (p.loading || p.list != nil) {
		return
	}
	t := a.desk.Msg
	*p = templatePicker{chat: chat, loading: true}
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", "/api/chats/"+url.PathEscape(chat)+api.TemplatesSuffix, nil)
		ctx.Dispatch(func(app.Context) {
			if p.chat != chat {
				return
			}
			p.loading = false
			var out api.WhatsAppTemplates
			switch {
			case err != nil || status != 200 || json.Unmarshal(body, &out) != nil:
				p.err = t.T("The templates could not be loaded. Check your connection and try again.")
			default:
				p.list = out.Templates
				p.choose(0)
			}
		})
	})
}

// choose picks template i and empties its parameters.
func (p *templatePicker) choose(i int) {
	p.pick = i
	p.values = nil
	if i >= 0 && i < len(p.list) {
		p.values = make([]string, len(p.list[i].Params))
	}
}

// templateLine is the chat line that sends template tp with values: "/template name" and the
// values separated by "|" (a "|" inside a value would split it, so it becomes "/").
func templateLine(tp api.WhatsAppTemplate, values []string) string {
	line := "/template " + tp.Name
	if len(values) > 0 {
		clean := make([]string, len(values))
		for i, v := range values {
			clean[i] = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(v, "|", "/"), "\n", " "))
		}
		line += " " + strings.Join(clean, " | ")
	}
	return line
}

// renderTemplates is the template card of chat c: nil until free text was refused.
func (a *App) renderTemplates(c *desk.Chat) app.UI {
	if !c.TemplateNeeded || c.Closed {
		return nil
	}
	p := &a.templates
	t := a.desk.Msg
	id := c.ID
	head := []app.UI{
		app.H3().ID("template-title").Text(t.T("Send an approved WhatsApp template")),
		app.P().Class("muted").Text(t.T("The customer last wrote more than 24 hours ago: only an approved template reaches them now.")),
	}
	switch {
	case p.chat != id || p.loading:
		return app.Section().ID("template-card").Class("card", "template-card").Aria("labelledby", "template-title").Body(
			append(head, app.P().Class("muted").Role("status").Text(t.T("Loading…")))...)
	case p.err != "":
		return app.Section().ID("template-card").Class("card", "template-card").Aria("labelledby", "template-title").Body(
			append(head, app.P().Class("error").Role("alert").Text(p.err))...)
	case len(p.list) == 0:
		return app.Section().ID("template-card").Class("card", "template-card").Aria("labelledby", "template-title").Body(
			append(head, app.P().Class("error").Role("alert").Text(t.T("This connector has no approved templates: an administrator adds them under Connectors.")))...)
	}
	options := make([]app.UI, len(p.list))
	for i, tp := range p.list {
		options[i] = app.Option().Value(strconv.Itoa(i)).Selected(i == p.pick).Text(tp.Name + " (" + tp.Language + ")")
	}
	tp := p.list[p.pick]
	fields := make([]app.UI, len(tp.Params))
	for i, name := range tp.Params {
		i := i
		fid := "template-param-" + strconv.Itoa(i)
		fields[i] = app.Div().Class("template-param").Body(
			app.Label().For(fid).Text(name),
			app.Input().ID(fid).Type("text").MaxLength(200).Value(p.values[i]).
				OnInput(func(ctx app.Context, e app.Event) {
					if i < len(p.values) {
						p.values[i] = ctx.JSSrc().Get("value").String()
					}
					ctx.PreventUpdate()
				}),
		)
	}
	body := append(head,
		app.Form().ID("template-form").Class("template-form").OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			if p.chat != id || p.pick >= len(p.list) {
				return
			}
			ctx.NewActionWithValue(ActSend, Draft{Chat: id, Text: templateLine(p.list[p.pick], p.values)})
			p.choose(p.pick)
			for i := range p.values {
				if el := app.Window().GetElementByID("template-param-" + strconv.Itoa(i)); el.Truthy() {
					el.Set("value", "")
				}
			}
		}).Body(
			app.Label().For("template-select").Text(t.T("Template")),
			app.Select().ID("template-select").OnChange(func(ctx app.Context, e app.Event) {
				if i, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil {
					p.choose(i)
				}
			}).Body(options...),
			app.Div().Class("template-params").Body(fields...),
			app.Button().ID("template-send").Class("btn", "btn-primary").Type("submit").Text(t.T("Send template")),
		),
	)
	return app.Section().ID("template-card").Class("card", "template-card").Aria("labelledby", "template-title").Body(body...)
}
