package agentui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
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
