package admin_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/texts"
)

// textsOf reads a connector's saved texts.
func (fx *fixture) textsOf(t *testing.T, key string) map[string]string {
	t.Helper()
	c, err := fx.st.Connector(context.Background(), id(fx, key))
	if err != nil {
		t.Fatal(err)
	}
	return c.Texts
}

// post sends the texts form of the demo connector and checks the status.
func (fx *fixture) postTexts(t *testing.T, path string, form url.Values, status int) response {
	t.Helper()
	r := fx.clients["admin"].do(t, "POST", fx.expand(path), form, "")
	if r.status != status {
		t.Fatalf("POST %s: status %d, want %d\n%s", path, r.status, status, excerpt(r.body))
	}
	return r
}

func wantIn(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("missing %q in\n%s", w, excerpt(body))
		}
	}
}

// onBothDatabases runs test with a fixture on SQLite and, in parallel, on PostgreSQL.
func onBothDatabases(t *testing.T, test func(t *testing.T, fx *fixture)) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, newFixture(t, pg))
		})
	}
}

// TestTextsForm saves, overrides, resets and refuses connector texts through the real form, on
// SQLite and on PostgreSQL.
func TestTextsForm(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, fx *fixture) {
		admin := fx.clients["admin"]
		const page = "/admin/connectors/{conn}/texts"

		// The form shows a cell per text and language, the demo's own texts as values and
		// the defaults as placeholders.
		r := admin.do(t, "GET", fx.expand(page), nil, "")
		if r.status != 200 {
			t.Fatalf("GET: %d", r.status)
		}
		wantIn(t, r.body, `name="t.bye.de"`, `name="t.title.fr"`, `name="t.bye"`, "Any language", "German (de)",
			`<label class="sr-only" for="t-agentTyping-de">Agent typing, German (de)</label>`,
			`placeholder="Vous êtes mis en relation avec un autre agent."`, `placeholder="Chat with us"`, "Thank you for using our service. Goodbye.</textarea>",
			"Placeholders: <code>$agent</code>", `data-rules="{`, "Download the texts as JSON")

		// Saving writes only what differs from what visitors would read anyway.
		form := url.Values{"lang": {"en", "de", "fr"},
			"t.title.de":          {"Sprich mit uns"},
			"t.title.fr":          {texts.Resolve(nil, texts.Title, "fr")}, // kept: the master title would replace it
			"t.bye.de":            {texts.Resolve(nil, texts.Bye, "de")},
			"t.bye.fr":            {"  Salut !\r\nÀ bientôt  "},
			"t.agentTyping.de":    {"$agent tippt …"},
			"t.queueMessage":      {"Position $position of $of"},
			"t.welcomeMessage.en": {texts.Resolve(nil, texts.WelcomeMessage, "en")},
			"t.nokey.de":          {"ignored"},
		}
		fx.postTexts(t, page, form, 303)
		want := map[string]string{"title#de": "Sprich mit uns", "title#fr": "Discutez avec nous", "bye#fr": "Salut !\nÀ bientôt", "agentTyping#de": "$agent tippt …", "queueMessage": "Position $position of $of"}
		if got := fx.textsOf(t, "{conn}"); !maps.Equal(got, want) {
			t.Fatalf("saved %v, want %v", got, want)
		}
		r = admin.do(t, "GET", fx.expand(page)+"?saved=1", nil, "")
		wantIn(t, r.body, "Saved.", ">Sprich mit uns</textarea>", `placeholder="Position $position of $of"`)

		// Resetting a cell (sending it empty) removes its override.
		form.Set("t.bye.fr", "")
		fx.postTexts(t, page, form, 303)
		if got := fx.textsOf(t, "{conn}"); got["bye#fr"] != "" || got["title#de"] != "Sprich mit uns" {
			t.Fatalf("after the reset: %v", got)
		}

		// Problems come back next to their cells, with what was typed, and nothing is saved.
		before := fx.textsOf(t, "{conn}")
		for _, tc := range []struct {
			cell, value, id, msg string
		}{
			{"t.agentTyping.de", "Jemand tippt", "t-agentTyping-de", "Keep the placeholder $agent: it is where the value goes."},
			{"t.agentTyping.de", "$Agent tippt", "t-agentTyping-de", "$Agent is not filled in here; use $agent."},
			{"t.bye.de", "Tschüss von $agent", "t-bye-de", "$agent is not filled in here; this text takes no placeholders."},
			{"t.bye", "Bye from $AgentName$", "t-bye-", "$AgentName$ is not filled in here"},
			{"t.queueMessage.fr", "Vous êtes {0} sur $of", "t-queueMessage-fr", "{0} is not filled in here; use $position, $of. Keep the placeholder $position"},
			{"t.bye.de", "Tsch\x00üss", "t-bye-de", "NUL character"},
			{"t.title.fr", strings.Repeat("x", 201), "t-title-fr", "At most 200 characters."},
			{"t.title.fr", "Deux\nlignes", "t-title-fr", "remove the line break"},
			{"t.bye.de", strings.Repeat("ü", 4001), "t-bye-de", "At most 4,000 characters."},
		} {
			bad := cloneValues(form)
			bad.Set(tc.cell, tc.value)
			r := fx.postTexts(t, page, bad, 422)
			wantIn(t, r.body, `<p class="error" id="`+tc.id+`-err">`, tc.msg, `id="`+tc.id+`"`, `aria-invalid="true"`, "Please correct the marked field below.")
			if !strings.Contains(tc.value, "\x00") && len(tc.value) < 100 {
				wantIn(t, r.body, strings.ReplaceAll(strings.ReplaceAll(tc.value, "'", "&#39;"), "$AgentName$", "$AgentName$")+"</textarea>")
			}
			if got := fx.textsOf(t, "{conn}"); !maps.Equal(got, before) {
				t.Fatalf("%s refused but saved: %v", tc.cell, got)
			}
		}

		// A language column: added without saving, kept while typing, saved with its texts.
		add := cloneValues(form)
		add.Set("action", "add-lang")
		add.Set("new_lang", "it")
		add.Set("t.bye.de", "Tschö")
		r = fx.postTexts(t, page, add, 200)
		wantIn(t, r.body, `name="lang" value="it"`, `name="t.bye.it"`, ">Tschö</textarea>", "<th scope=\"col\">it</th>")
		if got := fx.textsOf(t, "{conn}"); !maps.Equal(got, before) {
			t.Fatalf("adding a column saved: %v", got)
		}
		for _, bad := range []struct{ lang, msg string }{
			{"", "Enter a language code"},
			{"x'; DROP TABLE connectors; --", "is not a language code"},
			{"de", "There is a column for de already."},
			{"DE", "There is a column for DE already."},
		} {
			add.Set("new_lang", bad.lang)
			r = fx.postTexts(t, page, add, 422)
			wantIn(t, r.body, bad.msg)
		}
		form.Set("lang", "it")
		form.Add("lang", "not a tag")
		form.Set("t.bye.it", "Ciao")
		form.Set("t.bye.not a tag", "lost")
		fx.postTexts(t, page, form, 303)
		if got := fx.textsOf(t, "{conn}"); got["bye#it"] != "Ciao" || len(got) != 5 {
			t.Fatalf("with Italian: %v", got)
		}
		r = admin.do(t, "GET", fx.expand(page), nil, "")
		wantIn(t, r.body, `name="t.bye.it"`, ">Ciao</textarea>")
	})
}

// TestTextsImportExport keeps the JSON format: what is exported imports again, broken JSON
// and bad texts are refused with a clear message.
func TestTextsImportExport(t *testing.T) {
	fx := newFixture(t, false)
	admin := fx.clients["admin"]
	r := admin.do(t, "GET", fx.expand("/admin/connectors/{conn}/texts/export"), nil, "")
	if r.status != 200 {
		t.Fatalf("export: %d", r.status)
	}
	var exported map[string]string
	if err := json.Unmarshal([]byte(r.body), &exported); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, r.body)
	}
	if !maps.Equal(exported, fx.textsOf(t, "{conn}")) || !strings.HasPrefix(r.body, "{\n  \"noAgents\": ") {
		t.Fatalf("export %q", r.body)
	}

	const imp = "/admin/connectors/{conn}/texts/import"
	fx.postTexts(t, imp, url.Values{"json": {`{"bye#de": "Tschö", "title#it": "Chatta con noi", "bye#fr": "` + texts.Resolve(nil, texts.Bye, "fr") + `"}`}}, 303)
	if got := fx.textsOf(t, "{conn}"); !maps.Equal(got, map[string]string{"bye#de": "Tschö", "title#it": "Chatta con noi"}) {
		t.Fatalf("imported %v", got)
	}
	// The export of the import imports to the same.
	r = admin.do(t, "GET", fx.expand("/admin/connectors/{conn}/texts/export"), nil, "")
	fx.postTexts(t, imp, url.Values{"json": {r.body}}, 303)
	if got := fx.textsOf(t, "{conn}"); len(got) != 2 {
		t.Fatalf("round trip %v", got)
	}
	for _, tc := range []struct{ json, msg string }{
		{"{\n  \"bye\": \n}", "The JSON is broken at line 3"},
		{`{"bye": 3}`, "The value of &#34;bye&#34; must be a text in quotes."},
		{`{"goodbye'; DROP TABLE connectors; --": "x"}`, "Unknown text key"},
		{`{"bye#de": "Tschüss $agent"}`, "bye#de: $agent is not filled in here"},
		{`{"agentTyping": "typing"}`, "agentTyping: Keep the placeholder $agent"},
		{`{"bye": "a\u0000b"}`, "bye: The text contains a NUL character"},
		{"", "Paste a JSON object"},
		{"[]", "one JSON object"},
	} {
		r := fx.postTexts(t, imp, url.Values{"json": {tc.json}}, 422)
		wantIn(t, r.body, tc.msg, `<details open>`, `id="f-json-err"`)
	}
	many := map[string]string{}
	for i := range texts.MaxLanguages {
		many["bye#l"+string(rune('a'+i/26))+string(rune('a'+i%26))] = "x"
	}
	b, _ := json.Marshal(many)
	r = fx.postTexts(t, imp, url.Values{"json": {string(b)}}, 422)
	wantIn(t, r.body, "a connector has texts for at most 30")
	if got := fx.textsOf(t, "{conn}"); len(got) != 2 {
		t.Fatalf("refused imports changed the texts: %v", got)
	}
}

// TestTextsTenantIsolation: an admin of one tenant can neither read nor change another
// tenant's connector texts, by any of the texts routes.
func TestTextsTenantIsolation(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, fx *fixture) {
		ctx := context.Background()
		theirs := must(fx.st.Connector(ctx, id(fx, "{otherConn}")))
		theirs.Texts = map[string]string{"bye#de": "Geheim"}
		if _, err := fx.st.UpdateConnector(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		ours := fx.textsOf(t, "{conn}")
		for _, tc := range []struct {
			as, method, path string
			form             url.Values
		}{
			{"admin", "GET", "/admin/connectors/{otherConn}/texts", nil},
			{"admin", "GET", "/admin/connectors/{otherConn}/texts/export", nil},
			{"admin", "POST", "/admin/connectors/{otherConn}/texts", url.Values{"t.bye.de": {"Hijacked"}}},
			{"admin", "POST", "/admin/connectors/{otherConn}/texts", url.Values{"action": {"add-lang"}, "new_lang": {"it"}}},
			{"admin", "POST", "/admin/connectors/{otherConn}/texts/import", url.Values{"json": {`{"bye": "Hijacked"}`}}},
			{"other", "GET", "/admin/connectors/{conn}/texts", nil},
			{"other", "GET", "/admin/connectors/{conn}/texts/export", nil},
			{"other", "POST", "/admin/connectors/{conn}/texts", url.Values{"t.bye.de": {"Hijacked"}}},
			{"other", "POST", "/admin/connectors/{conn}/texts/import", url.Values{"json": {`{"bye": "Hijacked"}`}}},
		} {
			r := fx.clients[tc.as].do(t, tc.method, fx.expand(tc.path), tc.form, "")
			if r.status != 404 {
				t.Errorf("%s %s %s: %d, want 404", tc.as, tc.method, tc.path, r.status)
			}
			if strings.Contains(r.body, "Geheim") || strings.Contains(r.body, "Thank you for using our service") && tc.as == "other" {
				t.Errorf("%s %s %s shows the other tenant's texts", tc.as, tc.method, tc.path)
			}
		}
		// Agents cannot reach the texts at all.
		if r := fx.clients["agent"].do(t, "GET", fx.expand("/admin/connectors/{conn}/texts"), nil, ""); r.status == 200 {
			t.Errorf("an agent reads the texts")
		}
		if got := must(fx.st.Connector(ctx, theirs.ID)).Texts; !maps.Equal(got, map[string]string{"bye#de": "Geheim"}) {
			t.Errorf("their texts changed: %v", got)
		}
		if got := fx.textsOf(t, "{conn}"); !maps.Equal(got, ours) {
			t.Errorf("our texts changed: %v", got)
		}
	})
}
