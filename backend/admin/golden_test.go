package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/parleychat/parley/backend/admin/adminmsg"
	"github.com/parleychat/parley/backend/jtel"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/texts"
)

var update = flag.Bool("update", false, "rewrite the golden HTML files in testdata/")

// goldenPage is the frame every golden page is drawn in: a tenant admin of a fixed tenant.
func goldenPage(title, active string) *Page {
	return &Page{Title: title, Active: active, Level: roleAdmin, CSRF: "csrf-token",
		User:   store.User{ID: 1, Name: "Demo Admin", Role: store.RoleAdmin, TenantID: 1},
		Tenant: store.Tenant{ID: 1, Name: "Demo Company", TimeZone: "Europe/Berlin", DefaultLang: "en"}}
}

var goldenConn = store.Connector{
	ID: 7, TenantID: 1, Hash: "AbCdEfGhIjKlMnOp", Name: "Website chat", Title: "Chat with us", GroupID: 2,
	MaxChatsAll: 10, Priority: 2, ConnectWait: 30 * time.Second, AnswerTime: 120 * time.Second, FreeAgentSearch: 300 * time.Second,
	Skills:         [3]store.SkillRequirement{{Skill: "german", Min: 3, IgnoreAfter: 60 * time.Second}},
	AllowedOrigins: []string{"https://shop.example"}, ReconnectWindow: 60 * time.Second,
	Waiting1: 30 * time.Second, Waiting2: 90 * time.Second, WaitingFinal: 240 * time.Second,
	Texts:        map[string]string{"bye": "Goodbye, $agent here.", "bye#de": "Tschüss"},
	OpeningHours: json.RawMessage(`{"days":{"mon":["08:00-12:30","13:30-17:00"]},"closed":["2026-12-25"]}`),
	Toolbox:      json.RawMessage(`{"position":"bottom-left","show_wait_time":true,"hide_agent_name":false,"idle_timeout":600,"idle_warning":60}`),
}

var goldenGroups = []store.ACDGroup{{ID: 2, TenantID: 1, Name: "Support", Strategy: store.StrategyLongestIdle}}

var goldenStatuses = []store.AgentStatus{{ID: 5, TenantID: 1, Name: "Available", AllowsChat: true}, {ID: 6, TenantID: 1, Name: "Away"}}

var goldenUser = store.User{ID: 3, TenantID: 1, Login: "anna@demo", Name: "Anna Example", Nickname: "Anna", Role: store.RoleAgent,
	MaxChats: 3, MissedLimit: 3, MissedStatusID: 6, Lang: "en", Active: true, StatusID: 5, Groups: []int64{2},
	Skills: map[string]int{"english": 5, "german": 3}, Department: "Support", Phone: "+441782822577"}

// TestGolden renders the main components with fixed data and compares them with the HTML in
// testdata/, so that a change to a page is seen in review. Run with -update to accept one.
func TestGolden(t *testing.T) {
	invalid := connectorForm(goldenConn)
	invalid.Set("hours_mon", "9-17")
	invalid.Errors["hours_mon"] = "Interval \"9-17\" is not like 09:00-17:00."
	invalid.Set("whatsapp_number", "0301234")
	invalid.Errors["whatsapp_number"] = "Enter the number in international E.164 form, e.g. +4930123456."
	invalid.Set("waiting2", "20")
	invalid.Errors["waiting2"] = "The second waiting message must come after the first (more seconds), or enter 0."
	textLangs := append(slices.Clone(texts.Languages), "it")
	badTexts := textsForm(goldenConn, textLangs)
	badTexts.Set("t.agentTyping.de", "Agent $Agent schreibt")
	badTexts.Errors["t.agentTyping.de"] = "$Agent is not filled in here; use $agent. Keep the placeholder $agent: it is where the value goes."
	badTexts.Set("json", `{"bye": }`)
	badTexts.Errors["json"] = "The JSON is broken at line 1, column 9: invalid character '}' looking for beginning of value."
	at := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)

	badImage := newForm(nil)
	badImage.Errors["image_2"] = "The file is not a PNG, JPEG or GIF image."
	images := map[store.ImageKind]store.ConnectorImage{store.ImageLogo: {ConnectorID: 7, TenantID: 1, Kind: store.ImageLogo, ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n")}}

	cases := map[string]templ.Component{
		"images-error":    imagesPage(goldenPage("Images of Website chat", "connectors"), imagesData{Conn: goldenConn, Images: images}, badImage),
		"login":           loginPage(newForm(url.Values{"login": {"anna@example.com"}}), "login-token"),
		"connector":       connectorPage(goldenPage("Website chat", "connectors"), connectorData{Conn: goldenConn, Groups: goldenGroups, HasAPIKey: true}, connectorForm(goldenConn)),
		"connector-error": connectorPage(goldenPage("Website chat", "connectors"), connectorData{Conn: goldenConn, Groups: goldenGroups}, invalid),
		"texts-error":     textsPage(goldenPage("Texts of Website chat", "connectors"), textsDataOf(context.Background(), goldenConn, textLangs, true), badTexts),
		"users": usersPage(goldenPage("Users & agents", "users"), []store.User{
			{ID: 3, TenantID: 1, Login: "anna@demo", Name: "Anna Example", Nickname: "Anna", Role: store.RoleAgent, MaxChats: 3, Active: true, StatusID: 5, Groups: []int64{2}, Skills: map[string]int{"english": 5, "german": 3}},
			{ID: 4, TenantID: 1, Login: "ben@demo", Name: "Ben <b>Example</b>", Role: store.RoleAgent, MaxChats: 2, Active: false,
				Department: "Sales & <i>Support</i>", Phone: "+44 1782 822577", Bot: true},
		}, map[int64]string{2: "Support"}, map[int64]string{5: "Available"}),
		"user": userPage(goldenPage("Anna Example", "users"), userData{User: goldenUser, Groups: goldenGroups, Statuses: goldenStatuses, Status: "Available"}, userForm(goldenUser)),
		"overview": overviewPage(&Page{Title: "Live overview", Active: "overview", Level: roleSupervisor, Refresh: 5, CSRF: "csrf-token",
			User: store.User{ID: 2, Name: "Sue Pervisor", Role: store.RoleSupervisor}, Tenant: store.Tenant{ID: 1, Name: "Demo Company"}},
			overviewData{At: at,
				Agents:  []agentRow{{Name: "Anna Example", Status: "Available", Connected: true, Ready: true, Active: 1, MaxChats: 3, Offered: 1}, {Name: "Ben Example", Status: "Away", Connected: true, MaxChats: 2, Idle: 95 * time.Second}},
				Waiting: []waitingRow{{Chat: "chat1", Connector: "Website chat", Group: "Support", Position: 1, Of: 2, Waited: 42 * time.Second, Estimated: -1, Offered: "Anna Example"}}}),
		"embed": embedPage(goldenPage("Embed code of Website chat", "connectors"),
			embedData{Conn: goldenConn, Snippet: embedOptions{Position: "top-left", Color: "#ff0000"}.Snippet("https://chat.example", goldenConn.Hash), JTel: jtel.Snippet("https://chat.example", goldenConn.Hash), PreviewURL: "/admin/connectors/7/preview?position=top-left"},
			newForm(url.Values{"position": {"top-left"}, "color": {"#ff0000"}})),
	}
	mailSet := store.MailSettings{TenantID: 1, Host: "smtp.example.com", Port: 587, TLS: store.MailTLSStartTLS, Username: "chat", Password: "secret", FromAddress: "chat@example.com", FromName: "Demo Company"}
	sent := at.Add(time.Second)
	cases["mail"] = mailPage(goldenPage("E-mail", "mail"), mailForm(mailSet), mailData{HasPassword: true, Test: &mailTestResult{To: "boss@example.com", Err: "dial tcp 192.0.2.1:587: connect: connection refused"}})
	cases["mail-log"] = mailLogPage(goldenPage("E-mail delivery log", "maillog"), []store.OutboxMail{
		{ID: 3, To: "zoe@example.com", Subject: "Transcript of your chat with Website chat on 2 Mar 2026", State: store.MailFailed, Attempts: 10, CreatedAt: at, NextAttemptAt: at, LastError: "535 5.7.8 Authentication credentials invalid"},
		{ID: 2, To: "tom@example.com", Subject: "Transcript <b>2</b>", State: store.MailPending, Attempts: 1, CreatedAt: at, NextAttemptAt: at.Add(time.Minute), LastError: "dial tcp: connection refused"},
		{ID: 1, To: "ann@example.com", Subject: "Parley test message", State: store.MailSent, Attempts: 1, CreatedAt: at, SentAt: sent},
	}, time.UTC)
	trSet := store.TenantSettings{TenantID: 1, TranslateEnabled: true, TranslateProvider: translate.DeepL, TranslateAPIKey: "k:fx", TranslateLanguages: []string{"fr", "es"}}
	trData := translationData{HasKey: true, Providers: []option{{"libretranslate", "LibreTranslate"}, {"deepl", "DeepL"}}, Targets: translationTargets(trSet, "de"),
		Test: &translationTestResult{To: "fr", Err: "translate: service answered 403: Wrong <b>key</b>"}, Filter: newForm(nil),
		Log: []store.TranslationCall{
			{ID: 3, At: at, Provider: "deepl", From: "en", To: "fr", Chars: 32, Latency: 41 * time.Millisecond, Outcome: "failed", Error: "translate: service answered 403: Wrong <b>key</b>"},
			{ID: 2, At: at, Provider: "deepl", From: "de", To: "es", Chars: 1200, Latency: 5 * time.Second, Outcome: "timeout", Error: "context deadline exceeded"},
			{ID: 1, At: at, Provider: "libretranslate", From: "fr", To: "de", Chars: 18, Latency: 230 * time.Millisecond, Outcome: "ok"},
		}}
	cases["translation"] = translationPage(goldenPage("Translation", "translation"), translationForm(trSet), trData, time.UTC)
	okData := trData
	okData.Test = &translationTestResult{To: "fr", Text: "Bonjour ! Comment puis-je vous <aider> ?"}
	cases["translation-ok"] = translationPage(goldenPage("Translation", "translation"), translationForm(trSet), okData, time.UTC)
	// The push log: every state, a failed push within its TTL (Send again) and one past it
	// (none), and the admin's own browser to test.
	pushFilter := newForm(nil)
	pushFilter.Set("state", "")
	cases["push-log"] = pushLogPage(goldenPage("Push delivery log", "pushlog"), pushLogData{
		Now:   at.Add(time.Minute),
		Names: map[int64]string{3: "Anna Example (anna@demo)"},
		Own:   []store.PushSubscription{{ID: 9, UserID: 1, Endpoint: "https://fcm.googleapis.com/fcm/send/abc", CreatedAt: at}},
		List: []store.PushDelivery{
			{ID: 6, UserID: 1, Kind: store.PushKindTest, State: store.PushPending, CreatedAt: at, NextAttemptAt: at, ExpiresAt: at.Add(2 * time.Minute)},
			{ID: 5, UserID: 3, Kind: "message", ChatID: "chat5", State: store.PushPending, Attempts: 2, CreatedAt: at, NextAttemptAt: at.Add(4 * time.Second), ExpiresAt: at.Add(5 * time.Minute), ResponseCode: 503, LastError: "the push service answered 503"},
			{ID: 4, UserID: 3, Kind: "message", ChatID: "chat4", State: store.PushFailed, Attempts: 1, CreatedAt: at, ExpiresAt: at.Add(5 * time.Minute), ResponseCode: 403, LastError: "the push service refused it with 403"},
			{ID: 3, UserID: 3, Kind: "offer", ChatID: "chat3", State: store.PushFailed, Attempts: 10, CreatedAt: at, ExpiresAt: at.Add(30 * time.Second), LastError: "dial tcp: connection refused"},
			{ID: 2, UserID: 3, Kind: "offer", ChatID: "chat2", State: store.PushExpired, Attempts: 3, CreatedAt: at, ExpiresAt: at.Add(30 * time.Second), LastError: "the push service answered 503"},
			{ID: 1, UserID: 3, Kind: "offer", ChatID: "chat1", State: store.PushSent, Attempts: 1, CreatedAt: at, SentAt: sent, ExpiresAt: at.Add(30 * time.Second), ResponseCode: 201},
			{ID: 0, UserID: 3, Kind: "message", ChatID: "chat0", State: store.PushGone, Attempts: 1, CreatedAt: at, ResponseCode: 410, LastError: "the push service answered 410: the subscription is gone and was removed"},
		},
		Filter: pushFilter,
	}, time.UTC)
	// The WhatsApp log: every state, the three kinds, a number shown by its last digits.
	waFilter := newForm(nil)
	waFilter.Set("state", "")
	waConn := store.Connector{ID: 7, Name: "Shop <WhatsApp>"}
	waTest := newForm(nil)
	waTest.Set("connector", "7")
	waTest.Set("customer_phone", "+49 170")
	waTest.errorf("customer_phone", "Enter the number in international form with its country code, such as +49 170 1234567.")
	cases["whatsapp-log"] = whatsappLogPage(goldenPage("WhatsApp delivery log", "whatsapplog"), whatsappLogData{
		Connectors: map[int64]store.Connector{7: waConn},
		List: waEntries([]store.WhatsAppOut{
			{ID: 6, ConnectorID: 7, Phone: "+491701234567", Body: []byte(`{"role":"agent","text":"/template order_update Erika"}`), State: store.WhatsAppPending, CreatedAt: at},
			{ID: 5, ConnectorID: 7, Phone: "+491701234567", Body: []byte(`{"role":"agent","text":"hi"}`), State: store.WhatsAppPending, Attempts: 2, LastError: "TynTec answered 503", CreatedAt: at},
			{ID: 4, ConnectorID: 7, Phone: "+33612345678", Body: []byte(`{"role":"agent","file":{"name":"a.pdf"}}`), State: store.WhatsAppSent, Status: store.WhatsAppAccepted, MessageID: "m-4", Attempts: 1, CreatedAt: at},
			{ID: 3, ConnectorID: 7, Phone: "+33612345678", Body: []byte(`{"role":"agent","text":"ok"}`), State: store.WhatsAppSent, Status: store.WhatsAppDelivered, MessageID: "m-3", Attempts: 1, CreatedAt: at},
			{ID: 2, ConnectorID: 7, Phone: "+33612345678", Body: []byte(`{"role":"agent","text":"ok"}`), State: store.WhatsAppSent, Status: store.WhatsAppRead, MessageID: "m-2", Attempts: 1, CreatedAt: at},
			{ID: 1, ConnectorID: 7, Phone: "+441", Body: []byte(`{"role":"agent","text":"late"}`), State: store.WhatsAppFailed, Status: store.WhatsAppFailed, Attempts: 1, CreatedAt: at, LastError: "the customer last wrote more than 24 hours ago; only a template reaches them <b>"},
			{ID: 0, ConnectorID: 7, Test: true, Phone: "+4915112345678", Body: []byte(`{"role":"agent","text":"test"}`), State: store.WhatsAppFailed, Status: store.WhatsAppFailed, Attempts: 1, CreatedAt: at, LastError: "tyntec: HTTP 401: Unauthorized: invalid apikey"},
		}, []store.WhatsAppIn{
			{ID: 3, ConnectorID: 7, Phone: "+491701234567", To: "+4930123456", ChatID: "chat1", Outcome: store.WhatsAppReceived, Kind: "text", MessageID: "in-3", CreatedAt: at},
			{ID: 2, ConnectorID: 7, Phone: "+491701234567", To: "+4930123456", ChatID: "chat1", Outcome: store.WhatsAppDuplicate, Kind: "media", MessageID: "in-3", CreatedAt: at},
			{ID: 1, ConnectorID: 7, Phone: "+491701234567", To: "+4930999999", Outcome: store.WhatsAppRefused, Kind: "location", MessageID: "in-1", CreatedAt: at},
		}),
		ConnOpts: []option{{"7", "Shop <WhatsApp>"}},
		Test:     waTest,
		Filter:   waFilter,
	}, time.UTC)
	// The same pages in German and French: the frame, labels, errors, dates and counts.
	for _, lang := range []string{"de", "fr"} {
		for _, name := range []string{"connector-error", "user", "overview", "mail-log", "translation", "push-log", "whatsapp-log"} {
			cases[name+"-"+lang] = cases[name]
		}
	}
	for name, comp := range cases {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			ctx := context.Background()
			if i := strings.LastIndexByte(name, '-'); i > 0 && (name[i+1:] == "de" || name[i+1:] == "fr") {
				ctx = adminmsg.With(ctx, adminmsg.For(name[i+1:]))
			}
			if err := comp.Render(ctx, &b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".html")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./backend/admin -run TestGolden -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file; if the change is intended, run with -update and review the diff.\ngot:\n%s", path, b.String())
			}
		})
	}
}

// TestParseTexts pins the texts page's rules: broken JSON with its position, unknown keys,
// values that are not text.
func TestParseTexts(t *testing.T) {
	m, err := ParseTexts(`{"bye": "Ciao", "bye#fr-BE": "Salut", "waiting1": "Un instant"}`)
	if err != nil || len(m) != 3 {
		t.Fatalf("valid: %v %v", m, err)
	}
	if m, err := ParseTexts("{}"); len(m) != 0 || err != nil {
		t.Fatalf("empty object: %v %v", m, err)
	}
	for src, want := range map[string]string{
		"{\n\"bye\": \"x\",\n}":   "line 3, column 1",
		`{"bye": 1}`:              `"bye" must be a text`,
		`{"goodbye": "x"}`:        `Unknown text key "goodbye"`,
		`{"bye#1": "x"}`:          "invalid language",
		`["bye"]`:                 "one JSON object",
		`{"bye": "a"} {"x": "y"}`: "more after the closing",
		"  ":                      "Paste a JSON object",
		"null":                    "one JSON object",
		`"bye"`:                   "one JSON object",
	} {
		_, err := ParseTexts(src)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}

func TestSnakeAndSnippet(t *testing.T) {
	for in, want := range map[string]string{"MaxChatsPerIP": "max_chats_per_ip", "MaxAttachmentKB": "max_attachment_kb", "ParentID": "parent_id", "FieldName": "field_name", "Lines": "lines"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%s) = %s", in, got)
		}
	}
	got := embedOptions{Lang: "de", HideAgentName: "on"}.Snippet("https://chat.example", "H")
	want := "<script>window.parleyConfig = {\"hideAgentName\":true};</script>\n<script src=\"https://chat.example/widget.js\" data-connector=\"H\" data-lang=\"de\" async></script>"
	if got != want {
		t.Errorf("snippet\n%s\nwant\n%s", got, want)
	}
}

// waEntries is the WhatsApp log's rows: the outbound lines, then the inbound messages.
func waEntries(out []store.WhatsAppOut, in []store.WhatsAppIn) []whatsappEntry {
	var list []whatsappEntry
	for i := range out {
		list = append(list, whatsappEntry{At: out[i].CreatedAt, Out: &out[i]})
	}
	for i := range in {
		list = append(list, whatsappEntry{At: in[i].CreatedAt, In: &in[i]})
	}
	return list
}
