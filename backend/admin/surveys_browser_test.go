package admin_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
)

// TestSurveyLanguagesInChromium opens the German demo connector's topic field in the admin
// pages in German: a column per language with the prompt and every option's label; a label
// too long is refused next to its cell, in German, and the page stays accessible.
func TestSurveyLanguagesInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.DemoBaseOnly = false }})
	admin := env.DemoUser(t, "admin", 0)
	if err := env.Server.Store().SetUserLang(context.Background(), userID(t, env, admin.Login), "de"); err != nil {
		t.Fatal(err)
	}
	conn := env.Demo.Showcase.GermanConnectorID
	var topic int64
	for _, f := range must(env.Server.Store().SurveyFields(context.Background(), conn, store.SurveyPreChat)) {
		if f.Name == "Thema" {
			topic = f.ID
		}
	}
	b := browsertest.New(t, browsertest.Options{Name: "admin-survey", Width: 1360, Height: 900, Lang: "de-DE", AcceptLanguage: "de-DE,de",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("signed in", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	page := env.URL + "/admin/connectors/" + strconv.FormatInt(conn, 10) + "/surveys/" + strconv.FormatInt(topic, 10)
	open(t, b, page)
	b.WaitFor("the languages table", `document.querySelectorAll('.texts-grid tbody tr').length === 5`)
	if got := browsertest.Eval[string](b, `document.getElementById('tl-fr-1').value`); got != "Facture et paiement" {
		t.Errorf("the French label of the second option reads %q", got)
	}
	b.Screenshot("survey-languages")
	b.AssertAccessible("survey-languages")

	fill(t, b, map[string]string{"tl-en-0": strings.Repeat("x", 1001)})
	b.Click(`document.querySelector('form.grid-form .actions button.primary')`)
	b.WaitFor("the cell's error", `document.getElementById('tl-en-0-err') && !document.getElementById('tl-en-0-err').hidden`)
	if got := browsertest.Eval[string](b, `document.getElementById('tl-en-0-err').textContent`); got != "Verwenden Sie höchstens 1000 Zeichen." {
		t.Errorf("the cell's error reads %q", got)
	}
	b.Screenshot("survey-languages-error")
	b.AssertAccessible("survey-languages-error")
}
