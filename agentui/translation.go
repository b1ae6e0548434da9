package agentui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// ActTranslate turns a chat's translation on or off; value the chat id. The button shows the
// state the desk holds (desk/translation.go).
const ActTranslate = "agent/translate"

// handleTranslation registers the translation switch's action.
func (a *App) handleTranslation(ctx app.Context) {
	ctx.Handle(ActTranslate, func(ctx app.Context, act app.Action) {
		id := fmt.Sprint(act.Value)
		c := a.desk.Chat(id)
		if c == nil {
			return
		}
		if cmd, ok := a.desk.SetTranslation(id, !c.Translating()); ok {
			a.send(cmd)
			a.changed(ctx)
		}
	})
}

// translationLang is the language the agent reads translated lines in: their setting on the
// server, by which the server translates, else the app's.
func (a *App) translationLang() string {
	if l := a.desk.User.Lang; l != "" {
		return l
	}
	return a.desk.Msg.Lang()
}

// renderTranslateSwitch is the chat's translation switch, for a chat that translates.
func (a *App) renderTranslateSwitch(c *desk.Chat) app.UI {
	t := a.desk.Msg
	id := c.ID
	on := c.Translating()
	return app.If(c.CanTranslate(), func() app.UI {
		return a.translateButton(t.T("Translation"), t.T("Translate this chat between the visitor's language and yours"), id, on)
	})
}

// translateButton is the switch itself.
func (a *App) translateButton(label, title, id string, on bool) app.UI {
	return app.Button().ID("translate-switch").Class("btn", "btn-small", "translate-switch").Type("button").
		Aria("pressed", fmt.Sprint(on)).Title(title).
		Body(app.Span().Class("switch-dot").Aria("hidden", true), app.Text(label)).
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActTranslate, id) }, app.EventScope(id))
}

// renderLineText is a message's text as the agent reads it: a visitor's line in the agent's
// language when it was translated, with the mark "Translated from …" and the original behind
// a disclosure; the agent's own line as written, with what the visitor read.
func (a *App) renderLineText(l desk.Line) app.UI {
	t := a.desk.Msg
	lang := a.translationLang()
	text, original := l.Shown(lang)
	note, other := l.TranslationNote(t, lang)
	if note == "" {
		return app.Div().Class("text").Text(text)
	}
	return app.Div().Body(
		app.Div().Class("text").Text(text),
		app.Div().Class("translation").Body(
			app.If(original != "", func() app.UI {
				return app.Details().Class("original").Body(
					app.Summary().Title(t.T("Show the original")).Body(app.Span().Class("translated-mark").Text(note)),
					app.P().Class("original-text").Body(app.Span().Class("muted").Text(t.T("Original")+": "), app.Text(original)),
				)
			}).ElseIf(other != "", func() app.UI {
				return app.P().Class("translated-other").Body(app.Span().Class("translated-mark").Text(note+" "), app.Text(other))
			}).Else(func() app.UI {
				return app.Span().Class("translated-mark", "untranslated").Text(note)
			}),
		),
	)
}

// renderOfferQuestion is an offer's first question as the agent reads it: in their language
// when the offer carries its translation, marked "Translated from …" with the original behind
// a disclosure, as in the conversation.
func (a *App) renderOfferQuestion(o protocol.Offer) app.UI {
	t := a.desk.Msg
	text, from := desk.QuestionShown(o, a.translationLang())
	if from == "" {
		return app.P().Class("offer-question").Text(text)
	}
	return app.Div().Body(
		app.P().Class("offer-question").Text(text),
		app.Details().Class("original").Body(
			app.Summary().Title(t.T("Show the original")).Body(
				app.Span().Class("translated-mark").Text(t.T("Translated from {0}", catalog.LanguageName(t, from)))),
			app.P().Class("original-text").Body(app.Span().Class("muted").Text(t.T("Original")+": "), app.Text(o.Question)),
		),
	)
}
