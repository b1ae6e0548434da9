package admin_test

import (
	"context"
	"html"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/survey"
)

// TestSurveyTextsSaveAndReload edits a choice field's texts through the real admin pages: a
// language is added as a column, the prompt and labels of four languages are saved and read
// back into the same cells, a cell that cannot be kept gets its own message (in the admin's
// language) while every typed text stays, and an emptied language goes away.
func TestSurveyTextsSaveAndReload(t *testing.T) {
	fx := newFixture(t, false)
	adm := fx.clients["admin"]
	ctx := context.Background()
	conn := fx.ids["{conn}"]
	base := url.Values{"kind": {"pre"}, "name": {"topic"}, "type": {"select"}, "prompt": {"What is it about?"},
		"select_type": {"select"}, "options": {"Orders\nBilling\n"}, "validate_low": {"-1"}, "validate_high": {"-1"},
		"lang": {"en", "de", "fr"}}

	// The new field's form has a column for each of Parley's languages; adding Italian keeps
	// what was typed and adds its column, saving nothing.
	r := adm.do(t, "GET", "/admin/connectors/"+conn+"/surveys/new", nil, "")
	for _, w := range []string{`name="tp.en"`, `name="tp.de"`, `name="tp.fr"`, "Deutsch (de)", "Français (fr)"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the new field's form lacks %s", w)
		}
	}
	add := cloneValues(base)
	add.Set("tp.de", "Worum geht es?")
	add.Set("new_lang", "IT")
	add.Set("action", "add-lang")
	r = adm.do(t, "POST", "/admin/connectors/"+conn+"/surveys/new", add, "")
	if r.status != 200 || !strings.Contains(r.body, `name="tp.it"`) || !strings.Contains(r.body, `value="Worum geht es?"`) ||
		!strings.Contains(r.body, `name="tl.it.Billing"`) {
		t.Fatalf("adding a language: %d\n%s", r.status, excerpt(r.body))
	}
	if fs := must(fx.st.SurveyFields(ctx, fx.env.Demo.ConnectorID, store.SurveyPreChat)); len(fs) != 0 {
		t.Fatalf("adding a language saved %+v", fs)
	}
	add.Set("new_lang", "de_DE")
	if r = adm.do(t, "POST", "/admin/connectors/"+conn+"/surveys/new", add, ""); r.status != 422 || !strings.Contains(r.body, "Enter a language code like it, es or fr-BE.") {
		t.Fatalf("a bad language code: %d\n%s", r.status, excerpt(r.body))
	}

	// A label too long and a prompt with a control character are refused, each next to its
	// own cell; the other cells keep what was typed.
	form := cloneValues(base)
	form["lang"] = append(form["lang"], "it")
	form.Set("tp.de", "Worum geht es?")
	form.Set("tl.de.Orders", "Bestellung")
	form.Set("tl.de.Billing", strings.Repeat("R", survey.MaxTextRunes+1))
	form.Set("tp.fr", "De quoi\x1bs'agit-il ?")
	form.Set("tl.fr.Orders", "Commande")
	form.Set("tp.it", "Di cosa si tratta?")
	r = adm.do(t, "POST", "/admin/connectors/"+conn+"/surveys/new", form, "")
	if r.status != 422 {
		t.Fatalf("bad cells: status %d", r.status)
	}
	for _, w := range []string{`id="tl-de-1-err">Use at most 1000 characters.`, `id="tp-fr-err">Use one line without control characters.`,
		`value="Bestellung"`, `value="Di cosa si tratta?"`} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the refused form lacks %s\n%s", w, excerpt(r.body))
		}
	}
	if strings.Contains(r.body, `id="tp-de-err">U`) {
		t.Error("a good cell has an error")
	}

	// Saved and reloaded: every cell as typed.
	form.Set("tl.de.Billing", "Rechnung")
	form.Set("tp.fr", "De quoi s'agit-il ?")
	if r = adm.do(t, "POST", "/admin/connectors/"+conn+"/surveys/new", form, ""); r.status != 303 {
		t.Fatalf("save: %d\n%s", r.status, excerpt(r.body))
	}
	fs := must(fx.st.SurveyFields(ctx, fx.env.Demo.ConnectorID, store.SurveyPreChat))
	if len(fs) != 1 {
		t.Fatalf("fields %+v", fs)
	}
	want := map[string]survey.Text{
		"de": {Prompt: "Worum geht es?", Options: map[string]string{"Orders": "Bestellung", "Billing": "Rechnung"}},
		"fr": {Prompt: "De quoi s'agit-il ?", Options: map[string]string{"Orders": "Commande"}},
		"it": {Prompt: "Di cosa si tratta?"},
	}
	if !reflect.DeepEqual(fs[0].Texts, want) {
		t.Fatalf("texts %+v", fs[0].Texts)
	}
	page := "/admin/connectors/" + conn + "/surveys/" + strconv.FormatInt(fs[0].ID, 10)
	r = adm.do(t, "GET", page, nil, "")
	for _, w := range []string{`name="tp.it"`, `value="Di cosa si tratta?"`, `name="tl.fr.Orders" value="Commande"`, `name="tl.de.Billing" value="Rechnung"`} {
		if !strings.Contains(html.UnescapeString(r.body), w) {
			t.Errorf("the reloaded form lacks %s", w)
		}
	}

	// Italian emptied: its column goes on saving.
	form.Set("tp.it", " ")
	if r = adm.do(t, "POST", page, form, ""); r.status != 303 {
		t.Fatalf("save: %d\n%s", r.status, excerpt(r.body))
	}
	if got := survey.Languages(must(fx.st.SurveyField(ctx, fx.env.Demo.TenantID, fs[0].ID)).Field); !reflect.DeepEqual(got, []string{"de", "fr"}) {
		t.Errorf("languages after emptying Italian: %q", got)
	}
	if r = adm.do(t, "GET", page, nil, ""); strings.Contains(r.body, `name="tp.it"`) {
		t.Error("the emptied language still has a column")
	}
}
