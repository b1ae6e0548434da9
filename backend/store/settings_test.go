package store

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/survey"
)

// TestSettings runs the settings tables' contract on every backend.
func TestSettings(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			t.Run("SurveyFields", func(t *testing.T) { testSurveyFields(t, s) })
			t.Run("CannedResponses", func(t *testing.T) { testCanned(t, s) })
			t.Run("TenantSettings", func(t *testing.T) { testTenantSettings(t, s) })
			t.Run("IPBlocks", func(t *testing.T) { testIPBlocks(t, s) })
		})
	}
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want a FieldError on %s", err, field)
	}
}

func testSurveyFields(t *testing.T, s *Store) {
	ten := newTenant(t, s, "Surveys")
	other := newTenant(t, s, "Other")
	c := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	foreign := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Foreign"}))

	name := must[SurveyField](t)(s.CreateSurveyField(ctx, SurveyField{TenantID: ten.ID, ConnectorID: c.ID, Kind: SurveyPreChat,
		Field: survey.Field{Name: "name", Type: "text", Prompt: "Your name", Required: true, Length: 100, ChangeCase: 3, ValidateLow: -1, ValidateHigh: -1}}))
	topic := must[SurveyField](t)(s.CreateSurveyField(ctx, SurveyField{TenantID: ten.ID, ConnectorID: c.ID, Kind: SurveyPreChat, Sort: 2,
		Field: survey.Field{Name: "topic", Type: "select", Prompt: "Topic", SelectType: "radio", Options: []string{"Billing", " ", "Orders"},
			Default: "Orders", ValidateLow: -1, ValidateHigh: -1}}))
	if !slices.Equal(topic.Options, []string{"Billing", "Orders"}) {
		t.Fatalf("options = %q", topic.Options)
	}
	if !topic.Enabled {
		t.Fatal("a stored field reads back disabled")
	}
	rating := must[SurveyField](t)(s.CreateSurveyField(ctx, SurveyField{TenantID: ten.ID, ConnectorID: c.ID, Kind: SurveyPostChat,
		Field: survey.Field{Name: "rating", Type: "rating", Prompt: "How did we do?", ValidateLow: 1, ValidateHigh: 5}}))
	wantEqual(t, must[[]SurveyField](t)(s.SurveyFields(ctx, c.ID, SurveyPreChat)), []SurveyField{name, topic})
	wantEqual(t, must[[]SurveyField](t)(s.SurveyFields(ctx, c.ID, "")), []SurveyField{name, topic, rating})

	_, err := s.CreateSurveyField(ctx, SurveyField{TenantID: ten.ID, ConnectorID: c.ID, Kind: SurveyPreChat, Field: survey.Field{Name: "name", Type: "text", Prompt: "Again"}})
	wantErr(t, err, ErrConflict)
	_, err = s.CreateSurveyField(ctx, SurveyField{TenantID: ten.ID, ConnectorID: foreign.ID, Kind: SurveyPreChat, Field: survey.Field{Name: "x", Type: "text", Prompt: "X"}})
	wantErr(t, err, ErrInvalid)
	for field, f := range map[string]SurveyField{
		"Kind":             {Kind: "during", Field: survey.Field{Name: "a", Type: "text", Prompt: "P"}},
		"Name":             {Field: survey.Field{Name: "1bad", Type: "text", Prompt: "P"}},
		"Type":             {Field: survey.Field{Name: "a", Type: "colour", Prompt: "P"}},
		"Prompt":           {Field: survey.Field{Name: "a", Type: "text"}},
		"Mask":             {Field: survey.Field{Name: "a", Type: "text", Prompt: "P", Mask: "("}},
		"ValidateHigh":     {Field: survey.Field{Name: "a", Type: "numeric", Prompt: "P", ValidateLow: 5, ValidateHigh: 1}},
		"Options":          {Field: survey.Field{Name: "a", Type: "select", Prompt: "P"}},
		"Default":          {Field: survey.Field{Name: "a", Type: "select", Prompt: "P", Options: []string{"x"}, Default: "y"}},
		"ChangeCase":       {Field: survey.Field{Name: "a", Type: "text", Prompt: "P", ChangeCase: 4}},
		"Lines":            {Field: survey.Field{Name: "a", Type: "text", Prompt: "P", MultiLine: true}},
		"DefaultDateToday": {Field: survey.Field{Name: "a", Type: "text", Prompt: "P", DefaultDateToday: true}},
	} {
		if f.Kind == "" {
			f.Kind = SurveyPreChat
		}
		f.TenantID, f.ConnectorID = ten.ID, c.ID
		_, err := s.CreateSurveyField(ctx, f)
		wantField(t, err, field)
	}

	// Every type of the survey model can be stored, and reads back as written.
	for i, ft := range survey.Types {
		f := must[SurveyField](t)(s.CreateSurveyField(ctx, SurveyField{TenantID: ten.ID, ConnectorID: c.ID, Kind: SurveyPostChat, Sort: 10 + i,
			Field: survey.Field{Name: "t_" + ft.Name, Type: ft.Name, Prompt: ft.Label, Options: []string{"x"}, ValidateLow: -1, ValidateHigh: -1}}))
		if got := must[SurveyField](t)(s.SurveyField(ctx, ten.ID, f.ID)); got.Type != ft.Name || !got.Enabled {
			t.Fatalf("type %s reads back as %+v", ft.Name, got)
		}
		if err := s.DeleteSurveyField(ctx, ten.ID, f.ID); err != nil {
			t.Fatal(err)
		}
	}

	testSurveyTexts(t, s, ten.ID, c.ID)

	name.Prompt, name.Kind = "Full name", SurveyPostChat // Kind is kept
	got := must[SurveyField](t)(s.UpdateSurveyField(ctx, name))
	if got.Prompt != "Full name" || got.Kind != SurveyPreChat {
		t.Fatalf("update: %+v", got)
	}
	name.TenantID = other.ID
	_, err = s.UpdateSurveyField(ctx, name)
	wantErr(t, err, ErrNotFound)
	wantErr(t, s.DeleteSurveyField(ctx, other.ID, rating.ID), ErrNotFound)
	if err := s.DeleteSurveyField(ctx, ten.ID, rating.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(must[[]SurveyField](t)(s.SurveyFields(ctx, c.ID, SurveyPostChat))); n != 0 {
		t.Fatalf("%d post-chat fields after delete", n)
	}
}

// testSurveyTexts: a field's texts in other languages are tidied, kept and read back, updated
// and refused with the setting "Texts" when one cannot be kept.
func testSurveyTexts(t *testing.T, s *Store, tenantID, connID int64) {
	huge := strings.Repeat("é", survey.MaxTextRunes)
	f := must[SurveyField](t)(s.CreateSurveyField(ctx, SurveyField{TenantID: tenantID, ConnectorID: connID, Kind: SurveyPreChat, Sort: 5,
		Field: survey.Field{Name: "thema", Type: "select", Prompt: "Worum geht es?", Options: []string{"Bestellung", "Rechnung"}, ValidateLow: -1, ValidateHigh: -1,
			Texts: map[string]survey.Text{
				"EN":    {Prompt: " What is it about? ", Options: map[string]string{"Bestellung": "Order", "Rechnung": "Invoice", "Gone": "x"}},
				"fr":    {Prompt: "De quoi s'agit-il ?", Options: map[string]string{"Rechnung": huge}},
				"it":    {Prompt: " "},
				"zh-TW": {Prompt: "什麼事？"},
			}}}))
	want := map[string]survey.Text{
		"en":    {Prompt: "What is it about?", Options: map[string]string{"Bestellung": "Order", "Rechnung": "Invoice"}},
		"fr":    {Prompt: "De quoi s'agit-il ?", Options: map[string]string{"Rechnung": huge}},
		"zh-tw": {Prompt: "什麼事？"},
	}
	wantEqual(t, f.Texts, want)
	got := must[SurveyField](t)(s.SurveyField(ctx, tenantID, f.ID))
	wantEqual(t, got.Texts, want)
	if l := survey.Localize(got.Field, "fr-CH", "en"); l.Prompt != "De quoi s'agit-il ?" || !slices.Equal(l.Labels, []string{"Order", huge}) {
		t.Fatalf("a Swiss French visitor reads %q %q", l.Prompt, l.Labels)
	}

	got.Texts["de"] = survey.Text{Prompt: "Worum geht es?"}
	delete(got.Texts, "zh-tw")
	got = must[SurveyField](t)(s.UpdateSurveyField(ctx, got))
	if langs := survey.Languages(got.Field); !slices.Equal(langs, []string{"de", "en", "fr"}) {
		t.Fatalf("languages after the update: %q", langs)
	}
	for _, texts := range []map[string]survey.Text{
		{"de": {Prompt: "NUL \x00"}},
		{"de": {Options: map[string]string{"Rechnung": huge + "!"}}},
		{"de_DE": {Prompt: "p"}},
	} {
		bad := got
		bad.Texts = texts
		_, err := s.UpdateSurveyField(ctx, bad)
		wantField(t, err, "Texts")
	}
	wantEqual(t, must[SurveyField](t)(s.SurveyField(ctx, tenantID, f.ID)).Texts, got.Texts)
	if err := s.DeleteSurveyField(ctx, tenantID, f.ID); err != nil {
		t.Fatal(err)
	}
}

func testCanned(t *testing.T, s *Store) {
	ten := newTenant(t, s, "Canned")
	other := newTenant(t, s, "Other")
	billing := must[CannedFolder](t)(s.CreateCannedFolder(ctx, CannedFolder{TenantID: ten.ID, Name: "Billing"}))
	refunds := must[CannedFolder](t)(s.CreateCannedFolder(ctx, CannedFolder{TenantID: ten.ID, ParentID: billing.ID, Name: "Refunds"}))
	_, err := s.CreateCannedFolder(ctx, CannedFolder{TenantID: other.ID, ParentID: billing.ID, Name: "Sneaky"})
	wantField(t, err, "ParentID")
	_, err = s.CreateCannedFolder(ctx, CannedFolder{TenantID: ten.ID, Name: " "})
	wantField(t, err, "Name")
	// A folder cannot move below itself.
	billing.ParentID = refunds.ID
	_, err = s.UpdateCannedFolder(ctx, billing)
	wantField(t, err, "ParentID")

	hello := must[CannedResponse](t)(s.CreateCannedResponse(ctx, CannedResponse{TenantID: ten.ID, Title: "Hello", Text: "Hello, how can I help?"}))
	refund := must[CannedResponse](t)(s.CreateCannedResponse(ctx, CannedResponse{TenantID: ten.ID, FolderID: refunds.ID, Title: "Refund time", Text: "Refunds take 5 days."}))
	if refund.Path != "Billing / Refunds" || hello.Path != "" {
		t.Fatalf("paths %q %q", refund.Path, hello.Path)
	}
	_, err = s.CreateCannedResponse(ctx, CannedResponse{TenantID: other.ID, FolderID: refunds.ID, Title: "x", Text: "y"})
	wantField(t, err, "FolderID")
	_, err = s.CreateCannedResponse(ctx, CannedResponse{TenantID: ten.ID, Title: "x"})
	wantField(t, err, "Text")
	must[CannedResponse](t)(s.CreateCannedResponse(ctx, CannedResponse{TenantID: other.ID, Title: "Theirs", Text: "Not ours"}))

	all := must[[]CannedResponse](t)(s.CannedResponses(ctx, ten.ID))
	wantEqual(t, all, []CannedResponse{hello, refund})

	refund.Title, refund.FolderID = "Refunds", billing.ID
	got := must[CannedResponse](t)(s.UpdateCannedResponse(ctx, refund))
	if got.Path != "Billing" || got.Title != "Refunds" {
		t.Fatalf("after move: %+v", got)
	}
	refund.TenantID = other.ID
	_, err = s.UpdateCannedResponse(ctx, refund)
	wantErr(t, err, ErrInvalid) // the folder is not theirs
	wantErr(t, s.DeleteCannedResponse(ctx, other.ID, hello.ID), ErrNotFound)

	folders, paths, err := s.CannedFolders(ctx, ten.ID)
	if err != nil || len(folders) != 2 || paths[refunds.ID] != "Billing / Refunds" {
		t.Fatalf("folders %+v %v %v", folders, paths, err)
	}
	// Deleting a folder takes its subfolders and responses with it, and nothing else.
	wantErr(t, s.DeleteCannedFolder(ctx, other.ID, billing.ID), ErrNotFound)
	if err := s.DeleteCannedFolder(ctx, ten.ID, billing.ID); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, must[[]CannedResponse](t)(s.CannedResponses(ctx, ten.ID)), []CannedResponse{hello})
	if n := len(must[[]CannedResponse](t)(s.CannedResponses(ctx, other.ID))); n != 1 {
		t.Fatalf("other tenant has %d responses", n)
	}
}

func testTenantSettings(t *testing.T, s *Store) {
	ten := newTenant(t, s, "Policy")
	def := must[TenantSettings](t)(s.TenantSettings(ctx, ten.ID))
	wantEqual(t, def, DefaultTenantSettings(ten.ID))
	if def.MaxAttachmentKB != 5120 || !slices.Equal(def.RestrictedTypes, []string{"exe", "bat", "cmd", "com", "vbs"}) {
		t.Fatalf("defaults: %+v", def)
	}
	// The type is read from the cleaned name, as the widget reads it.
	for _, name := range []string{"setup.exe", "setup.exe.", "setup.exe ", "setup.EXE. . ", "invoice\u202efdp.exe", "a.png\x00.exe"} {
		if def.AllowsAttachment(name, 10) {
			t.Errorf("%q passes the restricted list", name)
		}
	}
	if !def.AllowsAttachment("photo\u202eexe.png", 10) || !def.AllowsAttachment("notes.txt. ", 10) {
		t.Error("a harmless name is refused")
	}
	saved := must[TenantSettings](t)(s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, MaxAttachmentKB: 1024,
		AllowedTypes: []string{".PDF", "png", "png"}, RestrictedTypes: nil, MaxChatsPerIP: 3, MaxChatsPerVisitor: 0}))
	wantEqual(t, saved, TenantSettings{TenantID: ten.ID, MaxAttachmentKB: 1024, AllowedTypes: []string{"pdf", "png"}, MaxChatsPerIP: 3, TranslateProvider: translate.LibreTranslate})
	if def.MaxChatsPerIP != DefaultMaxChatsPerIP || def.MaxChatsPerVisitor != DefaultMaxChatsPerVisitor {
		t.Fatalf("chats are not capped by default: %+v", def)
	}
	wantEqual(t, must[TenantSettings](t)(s.TenantSettings(ctx, ten.ID)), saved)
	if !saved.AllowsAttachment("a.PDF", 1000) || saved.AllowsAttachment("a.exe", 10) || saved.AllowsAttachment("a.pdf", 2<<20) {
		t.Fatal("AllowsAttachment")
	}
	_, err := s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, AllowedTypes: []string{"exe"}, RestrictedTypes: []string{"exe"}})
	wantField(t, err, "AllowedTypes")
	_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, MaxChatsPerIP: -1})
	wantField(t, err, "MaxChatsPerIP")
	_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, MaxChatsPerVisitor: 101})
	wantField(t, err, "MaxChatsPerVisitor")
	_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: 99999})
	wantErr(t, err, ErrInvalid)

	tr := must[TenantSettings](t)(s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, TranslateEnabled: true,
		TranslateURL: " https://translate.example.com/lt ", TranslateAPIKey: " k ", TranslateLanguages: []string{" FR", "de", "fr", ""}}))
	wantEqual(t, tr, TenantSettings{TenantID: ten.ID, TranslateEnabled: true, TranslateProvider: translate.LibreTranslate,
		TranslateURL: "https://translate.example.com/lt", TranslateAPIKey: "k", TranslateLanguages: []string{"fr", "de"}})
	wantEqual(t, must[TenantSettings](t)(s.TenantSettings(ctx, ten.ID)), tr)
	for _, bad := range []TenantSettings{
		{TranslateURL: "ftp://translate.example.com"},
		{TranslateURL: "javascript:alert(1)"},
		{TranslateURL: "https://"},
		{TranslateURL: "https://user:pw@translate.example.com"},
		{TranslateURL: "https://translate.example.com/\x00"},
		{TranslateURL: "https://translate.example.com/" + strings.Repeat("a", 500)},
		{TranslateEnabled: true},
	} {
		bad.TenantID = ten.ID
		_, err = s.SaveTenantSettings(ctx, bad)
		wantField(t, err, "TranslateURL")
	}
	_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, TranslateAPIKey: "a\x00b"})
	wantField(t, err, "TranslateAPIKey")
	for _, langs := range [][]string{{"french"}, {"f1"}, {"fr,de"}, {"fr\x00"}} {
		_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, TranslateLanguages: langs})
		wantField(t, err, "TranslateLanguages")
	}

	// DeepL has an address of its own but wants a key; a provider Parley does not speak is
	// refused.
	dl := must[TenantSettings](t)(s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, TranslateEnabled: true,
		TranslateProvider: translate.DeepL, TranslateAPIKey: "abc:fx"}))
	wantEqual(t, must[TenantSettings](t)(s.TenantSettings(ctx, ten.ID)), dl)
	if dl.TranslateProvider != translate.DeepL || dl.TranslateURL != "" {
		t.Fatalf("DeepL settings = %+v", dl)
	}
	_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, TranslateEnabled: true, TranslateProvider: translate.DeepL})
	wantField(t, err, "TranslateAPIKey")
	_, err = s.SaveTenantSettings(ctx, TenantSettings{TenantID: ten.ID, TranslateProvider: "babelfish"})
	wantField(t, err, "TranslateProvider")
}

func testIPBlocks(t *testing.T, s *Store) {
	ten := newTenant(t, s, "Blocks")
	other := newTenant(t, s, "Other")
	one := must[IPBlock](t)(s.CreateIPBlock(ctx, IPBlock{TenantID: ten.ID, Prefix: " 203.0.113.7 ", Note: "spam"}))
	rng := must[IPBlock](t)(s.CreateIPBlock(ctx, IPBlock{TenantID: ten.ID, Prefix: "198.51.100.77/24"}))
	if one.Prefix != "203.0.113.7" || rng.Prefix != "198.51.100.0/24" {
		t.Fatalf("prefixes %q %q", one.Prefix, rng.Prefix)
	}
	_, err := s.CreateIPBlock(ctx, IPBlock{TenantID: ten.ID, Prefix: "203.0.113.7/32"})
	wantErr(t, err, ErrConflict)
	_, err = s.CreateIPBlock(ctx, IPBlock{TenantID: ten.ID, Prefix: "not-an-ip"})
	wantField(t, err, "Prefix")
	wantEqual(t, must[[]IPBlock](t)(s.IPBlocks(ctx, ten.ID)), []IPBlock{one, rng})
	for ip, want := range map[string]bool{"203.0.113.7": true, "198.51.100.200": true, "::ffff:198.51.100.1": true, "192.0.2.1": false, "junk": false} {
		if got := must[bool](t)(s.IPBlocked(ctx, ten.ID, ip)); got != want {
			t.Errorf("IPBlocked(%s) = %v", ip, got)
		}
	}
	if must[bool](t)(s.IPBlocked(ctx, other.ID, "203.0.113.7")) {
		t.Error("another tenant's blacklist applies")
	}
	wantErr(t, s.DeleteIPBlock(ctx, other.ID, one.ID), ErrNotFound)
	if err := s.DeleteIPBlock(ctx, ten.ID, one.ID); err != nil {
		t.Fatal(err)
	}
	if must[bool](t)(s.IPBlocked(ctx, ten.ID, "203.0.113.7")) {
		t.Error("still blocked after delete")
	}
}

func TestOpeningHoursAndToolbox(t *testing.T) {
	h, err := ParseOpeningHours(json.RawMessage(`{"days":{"mon":["13:30-17:00","08:00-12:30"],"sat":["10:00-24:00"]},"closed":["2026-12-25"]}`))
	if err != nil {
		t.Fatal(err)
	}
	w := h.Weekly()
	if len(w[time.Monday]) != 2 || w[time.Monday][0] != (HourRange{8 * time.Hour, 12*time.Hour + 30*time.Minute}) ||
		w[time.Saturday][0].End != 24*time.Hour || len(w[time.Sunday]) != 0 {
		t.Fatalf("weekly %+v", w)
	}
	if d := h.ClosedDates(); len(d) != 1 || d[0].Month() != time.December || d[0].Day() != 25 {
		t.Fatalf("closed %v", d)
	}
	if h, err := ParseOpeningHours(nil); h != nil || err != nil {
		t.Fatalf("empty: %v %v", h, err)
	}
	for _, bad := range []string{
		`{"days":{"monday":["09:00-17:00"]}}`, `{"days":{"mon":["9-17"]}}`, `{"days":{"mon":["17:00-09:00"]}}`,
		`{"days":{"mon":["09:00-12:00","11:00-13:00"]}}`, `{"days":{"mon":["09:00-24:30"]}}`, `{"closed":["25.12.2026"]}`,
		`{"weekly":{}}`, `{`,
	} {
		if _, err := ParseOpeningHours(json.RawMessage(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}

	tb, err := ParseToolbox(nil)
	if err != nil || tb != DefaultToolbox() {
		t.Fatalf("default toolbox %+v %v", tb, err)
	}
	tb, err = ParseToolbox(json.RawMessage(`{"position":"center-left","hide_agent_name":true,"idle_timeout":600,"idle_warning":60,"max_message_length":2000}`))
	if err != nil || tb.Position != "center-left" || !tb.HideAgentName || !tb.ShowWaitTime || tb.IdleTimeout != 600 {
		t.Fatalf("toolbox %+v %v", tb, err)
	}
	back, err := ParseToolbox(tb.JSON())
	if err != nil || back != tb {
		t.Fatalf("round trip %+v %v", back, err)
	}
	for _, bad := range []string{`{"position":"middle"}`, `{"idle_warning":10}`, `{"idle_timeout":60,"idle_warning":60}`,
		`{"max_message_length":5000}`, `{"colour":"red"}`} {
		if _, err := ParseToolbox(json.RawMessage(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", bad, err)
		}
	}
	for in, want := range map[string]string{"2001:db8::1/32": "2001:db8::/32", "10.0.0.1/32": "10.0.0.1", "::ffff:10.0.0.1": "10.0.0.1"} {
		if got, err := ParseIPPrefix(in); err != nil || got != want {
			t.Errorf("ParseIPPrefix(%s) = %q, %v", in, got, err)
		}
	}
}
