package agentui

import (
	"html"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
)

// The app speaks the browser's language on the sign-in form, the agent's setting once signed
// in, and the language chosen in its menu above both, at once; "Automatic" clears the setting
// and the browser's languages apply again.
func TestLanguageFromBrowserSettingAndMenu(t *testing.T) {
	p := newFake()
	p.langs = []string{"es-ES", "fr-CH", "de"}
	p.http["GET /api/me"] = fakeResponse{401, `{"error":{"code":"unauthorized","message":"sign in"}}`}
	a := NewWith(p)
	e := app.NewTestEngine()
	if err := e.Load(a); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "Connectez-vous pour traiter les chats") || !strings.Contains(html, "Mot de passe") {
		t.Fatalf("the sign-in form is not in the browser's French: %s", html)
	}

	ready := *testReady
	ready.User.Lang = "de"
	e, a, _, _ = signedInWith(t, &ready)
	html := app.HTMLString(a)
	if !strings.Contains(html, "Abmelden") || !strings.Contains(html, "Verbunden") || strings.Contains(html, "Sign out") {
		t.Fatalf("the desk is not in the agent's German: %s", html)
	}
	a.ctx.NewActionWithValue(ActLang, "fr-FR")
	e.ConsumeAll()
	if html := app.HTMLString(a); !strings.Contains(html, "Se déconnecter") || !strings.Contains(html, "Connecté") {
		t.Fatalf("the menu's French did not apply: %s", html)
	}
	a.ctx.NewActionWithValue(ActLang, "")
	e.ConsumeAll()
	if want := catalog.Match(a.platform.Languages()...); a.Desk().Msg.Lang() != want || a.Desk().User.Lang != "" {
		t.Fatalf("Automatic: speaking %s with the setting %q, want the browser's %s and no setting", a.Desk().Msg.Lang(), a.Desk().User.Lang, want)
	}
}

// A refused sign-in is told in the app's language, not in the server's English words (the
// agent is not known yet, so the server cannot know their language).
func TestSignInRefusedInTheBrowsersLanguage(t *testing.T) {
	p := newFake()
	p.langs = []string{"fr-FR"}
	p.http["GET /api/me"] = fakeResponse{401, `{"error":{"code":"unauthorized","message":"sign in"}}`}
	a := NewWith(p)
	e := app.NewTestEngine()
	if err := e.Load(a); err != nil {
		t.Fatal(err)
	}
	e.ConsumeAll()
	for _, c := range []struct {
		resp fakeResponse
		want string
	}{
		{fakeResponse{401, `{"error":{"code":"unauthorized","message":"wrong login or password"}}`}, catalog.For("fr").T("The login or password is wrong.")},
		{fakeResponse{429, `{"error":{"code":"rate_limited","message":"too many attempts; try again in 60 s"}}`}, catalog.For("fr").T("Too many attempts. Wait a minute and try again.")},
		{fakeResponse{500, `{"error":{"code":"internal","message":"sign-in failed; try again"}}`}, catalog.For("fr").T("Signing in failed. Try again in a moment.")},
	} {
		p.http["POST /api/login"] = c.resp
		a.ctx.NewActionWithValue(ActLogin, desk.LoginRequest{Login: "anna", Password: "wrong"})
		e.ConsumeAll()
		page := app.HTMLString(a)
		if !strings.Contains(page, html.EscapeString(c.want)) || strings.Contains(page, "try again") || strings.Contains(page, "wrong login") {
			t.Errorf("%d: the refusal is not %q: %s", c.resp.status, c.want, page)
		}
	}
}
