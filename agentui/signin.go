package agentui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
)

// SignIn is the sign-in form. It keeps what is typed and fires [ActLogin]; the app answers
// through Error and Busy.
type SignIn struct {
	app.Compo

	// Msg speaks the agent's language (the browser's, before sign-in).
	Msg catalog.Printer

	// Error is why the last attempt failed (or why the session ended).
	Error string
	// Busy is set while the server is asked.
	Busy bool

	login    string
	password string
}

// Render draws the form.
func (s *SignIn) Render() app.UI {
	t := s.Msg
	// The form posts (never a GET with the password in the URL) if the app is not running;
	// when it runs, the submit is cancelled and the app signs in.
	return app.Form().Class("signin").Method("post").DataSet("prevent-submit", true).Aria("labelledby", "signin-title").
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			// Read the fields too: password managers fill them without input events.
			if el := app.Window().GetElementByID("signin-login"); el.Truthy() {
				s.login = el.Get("value").String()
			}
			if el := app.Window().GetElementByID("signin-password"); el.Truthy() {
				s.password = el.Get("value").String()
			}
			ctx.NewActionWithValue(ActLogin, desk.LoginRequest{Login: s.login, Password: s.password})
		}).Body(
		app.Div().Class("brand", "brand-large").Body(app.Span().Class("brand-mark").Aria("hidden", true), app.Text(AppName)),
		app.H1().ID("signin-title").Text(t.T("Sign in to handle chats")),
		app.If(s.Error != "", func() app.UI { return app.P().Class("signin-error").Role("alert").Text(s.Error) }),
		app.Label().For("signin-login").Text(t.T("Login")),
		app.Input().ID("signin-login").Name("login").Type("text").Attr("autocomplete", "username").
			Required(true).AutoFocus(true).Value(s.login).
			OnInput(func(ctx app.Context, e app.Event) { s.login = ctx.JSSrc().Get("value").String(); ctx.PreventUpdate() }),
		app.Label().For("signin-password").Text(t.T("Password")),
		app.Input().ID("signin-password").Name("password").Type("password").Attr("autocomplete", "current-password").
			Required(true).Value(s.password).
			OnInput(func(ctx app.Context, e app.Event) {
				s.password = ctx.JSSrc().Get("value").String()
				ctx.PreventUpdate()
			}),
		app.Button().ID("signin-submit").Class("btn", "btn-primary", "btn-wide").Type("submit").Disabled(s.Busy).
			Text(map[bool]string{true: t.T("Signing in…"), false: t.T("Sign in")}[s.Busy]),
	)
}
