package admin_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// get fetches a page as a browser whose languages are acceptLanguage.
func (c *client) get(t *testing.T, path, acceptLanguage string) response {
	t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", c.cookie)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	return send(t, req)
}

// send sends a request without following redirects.
func send(t *testing.T, req *http.Request) response {
	t.Helper()
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 20 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location")}
}

// The pages speak the browser's language to a person without a setting; the language menu
// saves the choice as their setting, which then wins over the browser, on SQLite and
// PostgreSQL; and the agent app's PUT /api/me/lang saves it the same way.
func TestLanguageFromBrowserAndSetting(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, pg)
			ctx := context.Background()
			agent := fx.clients["agent"]
			anna := id(fx, "{anna}")
			if err := fx.st.SetUserLang(ctx, anna, ""); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ accept, lang, title string }{
				{"", "en", "Your profile"},
				{"de-DE,de;q=0.9,en;q=0.8", "de", "Ihr Profil"},
				{"it-IT, fr;q=0.7, de;q=0.5", "fr", "Votre profil"},
				{"q=;;,,*, ; DROP TABLE users;--", "en", "Your profile"},
			} {
				r := agent.get(t, "/admin/profile", c.accept)
				if r.status != 200 || !strings.Contains(r.body, `<html lang="`+c.lang+`">`) || !strings.Contains(r.body, "<h1>"+c.title+"</h1>") {
					t.Errorf("Accept-Language %q: %d, want %s %q", c.accept, r.status, c.lang, c.title)
				}
			}

			// The menu saves the choice and goes back to the page it was on.
			r := agent.do(t, "POST", "/admin/lang", url.Values{"lang": {"fr"}, "next": {"/admin/profile?x=1"}}, "")
			if r.status != 303 || r.location != "/admin/profile?x=1" {
				t.Fatalf("choosing French: %d %q", r.status, r.location)
			}
			if u, _ := fx.st.User(ctx, anna); u.Lang != "fr" {
				t.Fatalf("the setting is %q, want fr", u.Lang)
			}
			if r := agent.get(t, "/admin/profile", "de"); !strings.Contains(r.body, `<html lang="fr">`) || !strings.Contains(r.body, "Se déconnecter") {
				t.Errorf("the setting does not win over the browser: %s", excerpt(r.body))
			}
			// Another user of the tenant keeps their own language.
			if r := fx.clients["supervisor"].get(t, "/admin/profile", "de"); !strings.Contains(r.body, `<html lang="de">`) {
				t.Errorf("the supervisor's page followed Anna's choice")
			}

			// Refused: a language the pages do not speak, junk, no CSRF token, and a way off
			// the admin pages.
			for _, bad := range []string{"it", "d\x00e", "fr'; DROP TABLE users;--", strings.Repeat("x", 5000)} {
				if r := agent.do(t, "POST", "/admin/lang", url.Values{"lang": {bad}}, ""); r.status != 422 || !strings.Contains(r.body, "Choisissez une langue dans le menu.") {
					t.Errorf("lang %q: %d", bad, r.status)
				}
			}
			if r := agent.do(t, "POST", "/admin/lang", url.Values{"lang": {"de"}}, "-"); r.status != 403 {
				t.Errorf("without a CSRF token: %d", r.status)
			}
			if r := agent.do(t, "POST", "/admin/lang", url.Values{"lang": {"de"}, "next": {"//evil.example/admin/"}}, ""); r.status != 303 || r.location != "/admin/" {
				t.Errorf("an off-site next: %d %q", r.status, r.location)
			}
			if r := fx.clients[""].do(t, "POST", "/admin/lang", url.Values{"lang": {"de"}}, "-"); r.status == 303 && r.location != "/admin/login?next=%2Fadmin%2Flang" && !strings.HasPrefix(r.location, "/admin/login") {
				t.Errorf("signed out: %d %q", r.status, r.location)
			}
			if u, _ := fx.st.User(ctx, anna); u.Lang != "de" {
				t.Fatalf("the setting is %q, want de", u.Lang)
			}

			// The agent app's menu: PUT /api/me/lang with JSON.
			put := func(body, contentType, cookie string) int {
				req, err := http.NewRequest("PUT", fx.env.URL+"/api/me/lang", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", contentType)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				return send(t, req).status
			}
			if s := put(`{"lang":"fr-BE"}`, "application/json", agent.cookie); s != 204 {
				t.Fatalf("PUT /api/me/lang: %d", s)
			}
			if u, _ := fx.st.User(ctx, anna); u.Lang != "fr-BE" {
				t.Fatalf("after the API the setting is %q", u.Lang)
			}
			if r := agent.get(t, "/admin/profile", "de"); !strings.Contains(r.body, `<html lang="fr">`) {
				t.Errorf("the admin pages do not follow the app's choice")
			}
			for _, c := range []struct {
				body, contentType, cookie string
				want                      int
			}{
				{`{"lang":"de"}`, "application/x-www-form-urlencoded", agent.cookie, 415},
				{`lang=de`, "text/plain", agent.cookie, 415},
				{`{"lang":"de'; DROP TABLE users;--"}`, "application/json", agent.cookie, 400},
				{`{"lang":"d\u0000e"}`, "application/json", agent.cookie, 400},
				{`{"lang":`, "application/json", agent.cookie, 400},
				{`{"lang":"de"}`, "application/json", "", 401},
			} {
				if s := put(c.body, c.contentType, c.cookie); s != c.want {
					t.Errorf("PUT %q as %s: %d, want %d", c.body, c.contentType, s, c.want)
				}
			}
			if u, _ := fx.st.User(ctx, anna); u.Lang != "fr-BE" {
				t.Errorf("a refused PUT changed the setting to %q", u.Lang)
			}
		})
	}
}

// A form refused in German names its faults in German, with the numbers filled in.
func TestFormErrorsInTheUsersLanguage(t *testing.T) {
	fx := newFixture(t, false)
	if err := fx.st.SetUserLang(context.Background(), id(fx, "{anna}"), "de"); err != nil {
		t.Fatal(err)
	}
	r := fx.clients["agent"].do(t, "POST", "/admin/profile/password", url.Values{"current_password": {"wrong"}, "new_password": {"short"}}, "")
	for _, want := range []string{"Bitte korrigieren Sie die 2 markierten Felder unten.", "Das ist nicht Ihr aktuelles Passwort.", "Wählen Sie ein Passwort mit mindestens 10 Zeichen."} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the refused form lacks %q: %d %s", want, r.status, excerpt(r.body))
		}
	}
}

// TestStoreErrorsInTheUsersLanguage posts forms the store refuses (a *store.FieldError, a
// *store.RuleError of a shared check, a toolbox text, an opening-hours interval) as a German
// and as a French admin: each message comes in the admin's language, next to its field.
func TestStoreErrorsInTheUsersLanguage(t *testing.T) {
	fx := newFixture(t, false)
	admin := fx.clients["admin"]
	posts := []struct {
		path string
		form url.Values
		de   []string
		fr   []string
	}{
		{"/admin/attachments", url.Values{"max_attachment_kb": {"5120"}, "allowed_types": {"pdf, exe"}, "restricted_types": {"exe"}},
			[]string{"exe ist zugleich erlaubt und gesperrt.", `id="f-allowed_types-err"`}, []string{"exe est à la fois autorisé et interdit."}},
		{"/admin/attachments", url.Values{"max_attachment_kb": {"5120"}, "allowed_types": {"p.d.f"}},
			[]string{"„p.d.f“ ist keine Dateiendung wie pdf."}, []string{"« p.d.f » n'est pas une extension de fichier comme pdf."}},
		{"/admin/mail", url.Values{"host": {"smtp.example.com"}, "port": {"587"}, "tls": {"starttls"}, "from_address": {"nobody"}},
			[]string{"„nobody“ ist keine E-Mail-Adresse.", `id="f-from_address-err"`}, []string{"« nobody » n'est pas une adresse e-mail."}},
		{"/admin/mail", url.Values{"host": {"smtp.example.com:25"}, "port": {"587"}, "tls": {"starttls"}, "from_address": {"a@example.com"}},
			[]string{"Geben Sie einen Hostnamen oder eine Adresse ein, ohne Port."}, []string{"Saisissez un nom d'hôte ou une adresse, sans port."}},
		{"/admin/connectors/{conn}/micc", url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}, "toolbox_texts": {`{"Hello": "x"}`}},
			[]string{"„Hello“ ist kein Name eines Toolbox-Texts"}, []string{"« Hello » n'est pas un nom de texte de la toolbox"}},
		{"/admin/connectors/{conn}/micc", url.Values{"enabled": {"on"}, "micc_tenant": {"-1"}, "group_id": {"5"}, "group_name": {"Sales"}, "from_priority": {"fax"}},
			[]string{"Das FromPriority-Feld „fax“ ist keines von phone, email, id."}, []string{"Le champ FromPriority « fax » n'est pas l'un de phone, email, id."}},
		{"/admin/connectors/new", connectorForm(func(v url.Values) { v.Set("hours_enabled", "on"); v.Set("hours_mon", "17:00-09:00") }),
			[]string{"Der Zeitraum „17:00-09:00“ endet, bevor er beginnt.", `id="f-hours_mon-err"`}, []string{"La plage « 17:00-09:00 » se termine avant de commencer."}},
	}
	for _, lang := range []string{"de", "fr"} {
		if err := fx.st.SetUserLang(context.Background(), id(fx, "{admin}"), lang); err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			r := admin.do(t, "POST", fx.expand(p.path), p.form, "")
			want := p.de
			if lang == "fr" {
				want = p.fr
			}
			if r.status != 422 {
				t.Errorf("%s %s: status %d, want 422", lang, p.path, r.status)
			}
			for _, w := range want {
				if !strings.Contains(r.body, w) && !strings.Contains(r.body, html.EscapeString(w)) {
					t.Errorf("%s %s lacks %q: %s", lang, p.path, w, excerpt(r.body))
				}
			}
		}
	}
}

// TestTranscriptInTheAdminsLanguage opens a closed chat's transcript as a German and as a
// French admin: its system lines and close cause are in the admin's language, whatever the
// visitor spoke; what the visitor wrote stays as written.
func TestTranscriptInTheAdminsLanguage(t *testing.T) {
	fx := newFixture(t, false)
	ctx := context.Background()
	c := visitorChat(t, fx.st, id(fx, "{tenant}"), "jo@example.com", "v-lang", "Hallo zusammen")
	at := time.Now().Add(-30 * time.Minute)
	for _, b := range []protocol.EventBody{
		&protocol.ChatState{State: protocol.StateActive, At: at},
		&protocol.Message{Role: protocol.RoleVisitor, Name: "Jo", Text: "Where is my parcel?", At: at},
		&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: at.Add(time.Minute)},
	} {
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.st.Commit(ctx, store.Write{Event: &store.Event{ChatID: c.ID, Type: string(b.EventType()), Data: data}}); err != nil {
			t.Fatal(err)
		}
	}
	for lang, want := range map[string][]string{
		"de": {"Ein Agent hat den Chat angenommen", "Der Besucher hat den Chat beendet", "Where is my parcel?"},
		"fr": {"Un agent a accepté le chat", "Le visiteur a fermé le chat", "Where is my parcel?"},
	} {
		if err := fx.st.SetUserLang(ctx, id(fx, "{admin}"), lang); err != nil {
			t.Fatal(err)
		}
		r := fx.clients["admin"].do(t, "GET", "/admin/chats/"+c.ID, nil, "")
		if r.status != 200 {
			t.Fatalf("%s: status %d", lang, r.status)
		}
		for _, w := range want {
			if !strings.Contains(r.body, html.EscapeString(w)) {
				t.Errorf("%s: the transcript lacks %q: %s", lang, w, excerpt(r.body))
			}
		}
		if strings.Contains(r.body, "An agent accepted the chat") {
			t.Errorf("%s: the transcript's system lines are still English", lang)
		}
	}
}
