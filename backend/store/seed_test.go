package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/survey"
)

// checkShowcase checks that the seeded demo shows each feature a newcomer should try: two
// connectors in two languages with their own titles and texts, a pre-chat survey (name,
// e-mail, a topic choice) and a post-chat rating on the German one, canned responses in
// folders in English and German, agents of different languages, skills and groups, and a
// supervisor.
func checkShowcase(t *testing.T, s *Store, seed DemoSeed) {
	t.Helper()
	sc := seed.Showcase
	en := must[Connector](t)(s.ConnectorByHash(ctx, seed.ConnectorHash))
	de := must[Connector](t)(s.ConnectorByHash(ctx, sc.GermanConnectorHash))
	if de.ID != sc.GermanConnectorID || de.Name != DemoGermanConnectorName || de.GroupID != sc.GermanGroupID || de.GroupID == en.GroupID {
		t.Fatalf("German connector %+v, English %+v", de, en)
	}
	if de.Title != "Chatten Sie mit uns" || de.Texts["title#en"] != en.Title || de.Texts["title#fr"] == "" {
		t.Errorf("German titles: %q, %q", de.Title, de.Texts)
	}
	for _, key := range []string{"noAgents", "outOfService", "agentTyping", "bye", "byeNoAgent", "welcomeMessage", "editorPlaceholder"} {
		if de.Texts[key] == "" || de.Texts[key] != en.Texts[key+"#de"] && key != "welcomeMessage" {
			t.Errorf("German text %s = %q, the English connector's German %q", key, de.Texts[key], en.Texts[key+"#de"])
		}
		for _, lang := range []string{"#en", "#fr"} {
			if de.Texts[key+lang] == "" || de.Texts[key+lang] == de.Texts[key] {
				t.Errorf("German connector's %s%s = %q", key, lang, de.Texts[key+lang])
			}
		}
	}
	if !strings.Contains(de.Texts["agentTyping"], "$agent") || de.Texts["welcomeMessage"] == en.Texts["welcomeMessage#de"] {
		t.Errorf("German texts: %q", de.Texts)
	}
	if de.Skills[0].Skill != "german" || de.Skills[0].Min == 0 || de.Skills[0].IgnoreAfter == 0 {
		t.Errorf("German skill requirement %+v: German speakers first, then anyone", de.Skills)
	}
	if tb, err := ParseToolbox(de.Toolbox); err != nil || tb.IdleTimeout == 0 || tb.IdleWarning == 0 {
		t.Errorf("German toolbox %+v, %v", tb, err)
	}

	// The surveys: on the German connector only, so that the English one starts a chat at once.
	if f := must[[]SurveyField](t)(s.SurveyFields(ctx, en.ID, "")); len(f) != 0 {
		t.Errorf("the English connector asks %d survey fields", len(f))
	}
	pre := must[[]SurveyField](t)(s.SurveyFields(ctx, de.ID, SurveyPreChat))
	types := map[string]survey.Field{}
	for _, f := range pre {
		types[f.Type] = f.Field
	}
	if len(pre) != 3 || !types[survey.TypeName].Required || types[survey.TypeEmail].Name == "" ||
		len(types[survey.TypeSelect].Options) < 3 || !types[survey.TypeSelect].Required {
		t.Errorf("pre-chat survey %+v", pre)
	}
	post := must[[]SurveyField](t)(s.SurveyFields(ctx, de.ID, SurveyPostChat))
	// Every field speaks the demo's three languages; the topic's options are read in each but
	// answered by their German values.
	for _, f := range append(slices.Clone(pre), post...) {
		if langs := survey.Languages(f.Field); !slices.Equal(langs, []string{"de", "en", "fr"}) {
			t.Errorf("field %s has texts in %q", f.Name, langs)
		}
	}
	topic := survey.Localize(types[survey.TypeSelect], "fr", "en")
	if topic.Prompt != "De quoi s'agit-il ?" || len(topic.Labels) != len(topic.Options) || topic.Labels[0] != "Commande et livraison" || topic.Options[0] != "Bestellung und Versand" {
		t.Errorf("the topic for a French visitor: %q %q %q", topic.Prompt, topic.Options, topic.Labels)
	}
	if len(post) == 0 || post[0].Type != survey.TypeRating || post[0].ValidateHigh != 5 {
		t.Errorf("post-chat survey %+v", post)
	}
	for _, f := range append(pre, post...) {
		if f.TenantID != seed.TenantID || !f.Enabled || f.Prompt == "" {
			t.Errorf("survey field %+v", f)
		}
	}

	// Canned responses: each folder has several, in English, German and French.
	folders, _ := must2[[]CannedFolder, map[int64]string](t)(s.CannedFolders(ctx, seed.TenantID))
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
	}
	wantEqual(t, names, []string{"Billing", "Greetings", "Technical"})
	wantEqual(t, sc.CannedFolders, []string{"Greetings", "Billing", "Technical"})
	byFolder := map[string][]string{}
	for _, r := range must[[]CannedResponse](t)(s.CannedResponses(ctx, seed.TenantID)) {
		byFolder[r.Path] = append(byFolder[r.Path], r.Title)
		if strings.Contains(r.Text, "$") || utf8.RuneCountInString(r.Text) > MaxMessageRunes {
			t.Errorf("canned %q: %q", r.Title, r.Text)
		}
	}
	for folder, trio := range map[string][3]string{
		"Greetings": {"Welcome", "Begrüßung", "Bienvenue"}, "Billing": {"Invoice copy", "Rechnungskopie", "Copie de facture"},
		"Technical": {"Descaling", "Entkalken", "Détartrage"},
	} {
		titles := byFolder[folder]
		if len(titles) < 9 || !slices.Contains(titles, trio[0]) || !slices.Contains(titles, trio[1]) || !slices.Contains(titles, trio[2]) {
			t.Errorf("folder %s: %q", folder, titles)
		}
	}

	// Agents: three languages, both groups served, a supervisor.
	users := must[[]User](t)(s.Users(ctx, seed.TenantID))
	langs, roles := map[string]bool{}, map[string]int{}
	for _, u := range users {
		roles[u.Role]++
		if u.Role == RoleAgent {
			langs[u.Lang] = true
			if u.MaxChats == 0 || len(u.Skills) == 0 || len(u.Groups) == 0 {
				t.Errorf("agent %s: %+v", u.Login, u)
			}
		}
	}
	if len(langs) != 3 || roles[RoleAgent] != 4 || roles[RoleSupervisor] != 1 || roles[RoleAdmin] != 1 {
		t.Errorf("languages %v, roles %v", langs, roles)
	}
	var german []string
	for _, a := range must[[]User](t)(s.AgentsOfGroup(ctx, sc.GermanGroupID)) {
		german = append(german, a.Nickname)
		if a.Skills["german"] == 0 {
			t.Errorf("%s serves the German connector without German", a.Nickname)
		}
	}
	slices.Sort(german)
	wantEqual(t, german, []string{"Anna", "Clara", "David"})
}

// must2 unwraps a result of two values and an error.
func must2[A, B any](t *testing.T) func(A, B, error) (A, B) {
	return func(a A, b B, err error) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// BenchmarkSeedDemo measures a first start's seeding on the embedded SQLite database, with
// the production password hashing (the most of it).
func BenchmarkSeedDemo(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s, err := Open(context.Background(), sqliteConfig(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, ok, err := s.SeedDemo(context.Background()); err != nil || !ok {
			b.Fatal(ok, err)
		}
		b.StopTimer()
		_ = s.Close()
		b.StartTimer()
	}
}
