package store

import (
	"time"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/shared/survey"
)

// This file is the demo's showcase: what SeedDemo adds to the base demo so that a newcomer
// finds every feature to try on the first start: a German connector beside the English one,
// with a pre-chat survey (name, e-mail, a topic) and a post-chat rating; canned responses in
// folders, in English, German and French; agents with different languages, skills and groups, and a
// supervisor. Tests that count what a tenant holds start from the base alone
// (SeedDemoBase), so that the showcase can grow without changing them.

// DemoGermanConnectorName names the demo's German connector: the demo page /demo/de finds it
// by this name, on every start, also when the demo was seeded by an earlier one.
const DemoGermanConnectorName = "Webchat Deutsch"

// DemoShowcase reports what the showcase added to the demo.
type DemoShowcase struct {
	// GermanConnectorID and GermanConnectorHash are the German connector, which asks the
	// pre-chat survey and the post-chat rating.
	GermanConnectorID   int64
	GermanConnectorHash string
	// GermanGroupID is the German-speaking agents' ACD group.
	GermanGroupID int64
	// CannedFolders are the canned response folders' names, in creation order.
	CannedFolders []string
}

// demoShowcaseUsers are the showcase's accounts beyond the base's admin, Anna and Ben: a
// German-speaking agent, a French-speaking one with English, and a supervisor. demoGroupDE
// and demoGroupEN in Groups are replaced by the ids of the German and the English group.
var demoShowcaseUsers = []User{
	{Login: "clara@demo.parley", Name: "Clara Beispiel", Nickname: "Clara", Role: RoleAgent, Lang: "de",
		MaxChats: 4, Skills: map[string]int{"german": 5, "english": 3}, Groups: []int64{demoGroupDE}},
	{Login: "david@demo.parley", Name: "David Exemple", Nickname: "David", Role: RoleAgent, Lang: "fr",
		MaxChats: 2, Skills: map[string]int{"english": 4, "french": 5, "german": 2}, Groups: []int64{demoGroupEN, demoGroupDE}},
	{Login: "sam@demo.parley", Name: "Sam Supervisor", Nickname: "Sam", Role: RoleSupervisor, Lang: "en"},
}

// Stand-ins for the group ids in demoShowcaseUsers, which exist only once seeded.
const (
	demoGroupEN = -1
	demoGroupDE = -2
)

// demoTextsDE are the German connector's texts: German unmarked (its visitors mostly speak
// German), English and French as variants; made from demoTexts so that the two connectors
// never say different things.
func demoTextsDE() map[string]string {
	out := map[string]string{}
	for _, key := range []string{"noAgents", "outOfService", "agentTyping", "bye", "byeNoAgent", "welcomeMessage", "editorPlaceholder", "title"} {
		en := demoTexts[key]
		if key == "title" {
			en = "Chat with us"
		}
		out[key] = demoTexts[key+"#de"]
		out[key+"#en"] = en
		out[key+"#fr"] = demoTexts[key+"#fr"]
	}
	out["welcomeMessage"] = "Herzlich willkommen bei Northwind Kaffee! Wie können wir helfen?"
	out["welcomeMessage#en"] = "Welcome to Northwind Coffee! How can we help?"
	out["welcomeMessage#fr"] = "Bienvenue chez Northwind Café ! Comment pouvons-nous vous aider ?"
	return out
}

// demoSurvey is the German connector's pre-chat survey (name, e-mail, a topic) and post-chat
// rating: German as its base texts, like the connector's, and in English, German and French
// for the visitors of each (the topic's answers are stored by the German option, whatever the
// visitor read).
var demoSurvey = []SurveyField{
	{Kind: SurveyPreChat, Sort: 10, Field: survey.Field{Name: "Name", Type: survey.TypeName, Prompt: "Ihr Name",
		Required: true, Length: 60, ValidateLow: -1, ValidateHigh: -1,
		Texts: demoTexts3("Your name", "Ihr Name", "Votre nom")}},
	{Kind: SurveyPreChat, Sort: 20, Field: survey.Field{Name: "Email", Type: survey.TypeEmail, Prompt: "Ihre E-Mail-Adresse (für das Protokoll)",
		Length: 120, ValidateLow: -1, ValidateHigh: -1,
		Texts: demoTexts3("Your e-mail address (for the transcript)", "Ihre E-Mail-Adresse (für das Protokoll)", "Votre adresse e-mail (pour la transcription)")}},
	{Kind: SurveyPreChat, Sort: 30, Field: survey.Field{Name: "Thema", Type: survey.TypeSelect, Prompt: "Worum geht es?",
		Required: true, SelectType: survey.SelectDropDown, ValidateLow: -1, ValidateHigh: -1,
		Options: []string{"Bestellung und Versand", "Rechnung und Zahlung", "Kaffeemaschine und Zubereitung", "Etwas anderes"},
		Texts:   demoTopicTexts()}},
	{Kind: SurveyPostChat, Sort: 10, Field: survey.Field{Name: "Bewertung", Type: survey.TypeRating, Prompt: "Wie zufrieden waren Sie mit dem Chat?",
		ValidateLow: 1, ValidateHigh: 5,
		Texts: demoTexts3("How satisfied were you with the chat?", "Wie zufrieden waren Sie mit dem Chat?", "Êtes-vous satisfait(e) de ce chat ?")}},
	{Kind: SurveyPostChat, Sort: 20, Field: survey.Field{Name: "Kommentar", Type: survey.TypeText, Prompt: "Möchten Sie uns noch etwas sagen?",
		MultiLine: true, Lines: 3, Length: 500, ValidateLow: -1, ValidateHigh: -1,
		Texts: demoTexts3("Is there anything else you would like to tell us?", "Möchten Sie uns noch etwas sagen?", "Souhaitez-vous nous dire autre chose ?")}},
}

// demoTexts3 gives a demo field's prompt in English, German and French.
func demoTexts3(en, de, fr string) map[string]survey.Text {
	return map[string]survey.Text{"en": {Prompt: en}, "de": {Prompt: de}, "fr": {Prompt: fr}}
}

// demoTopicTexts are the topic's prompt and option labels in English, German and French, by
// the German option values.
func demoTopicTexts() map[string]survey.Text {
	t := demoTexts3("What is it about?", "Worum geht es?", "De quoi s'agit-il ?")
	labels := map[string][3]string{
		"Bestellung und Versand":         {"Orders and shipping", "Bestellung und Versand", "Commande et livraison"},
		"Rechnung und Zahlung":           {"Invoices and payment", "Rechnung und Zahlung", "Facture et paiement"},
		"Kaffeemaschine und Zubereitung": {"Coffee machine and brewing", "Kaffeemaschine und Zubereitung", "Machine à café et préparation"},
		"Etwas anderes":                  {"Something else", "Etwas anderes", "Autre chose"},
	}
	for i, lang := range []string{"en", "de", "fr"} {
		text := t[lang]
		text.Options = map[string]string{}
		for value, l := range labels {
			text.Options[value] = l[i]
		}
		t[lang] = text
	}
	return t
}

// demoCanned are the showcase's canned responses by folder, each folder with answers in
// English, German and French, so that an agent of any of the demo's languages (David
// answers in French) finds theirs by searching.
var demoCanned = []struct {
	folder    string
	responses [][2]string // title, text
}{
	{"Greetings", [][2]string{
		{"Welcome", "Hello, and thank you for contacting Northwind Coffee! How can I help you today?"},
		{"One moment please", "Thank you for your patience: I am looking into this and will be right back with you."},
		{"Goodbye", "Thank you for chatting with us. Have a wonderful day, and enjoy your coffee!"},
		{"Begrüßung", "Guten Tag und danke, dass Sie Northwind Kaffee kontaktieren! Wie kann ich Ihnen heute helfen?"},
		{"Einen Moment bitte", "Vielen Dank für Ihre Geduld: Ich sehe mir das gleich an und melde mich sofort wieder."},
		{"Verabschiedung", "Vielen Dank für das Gespräch. Einen schönen Tag noch und viel Freude mit Ihrem Kaffee!"},
		{"Bienvenue", "Bonjour et merci d'avoir contacté Northwind Café ! Comment puis-je vous aider aujourd'hui ?"},
		{"Un instant, s'il vous plaît", "Merci de votre patience : je regarde cela et je reviens vers vous tout de suite."},
		{"Au revoir", "Merci pour cet échange. Excellente journée, et savourez bien votre café !"},
	}},
	{"Billing", [][2]string{
		{"Invoice copy", "I have sent a copy of your invoice to the e-mail address of your order. It should arrive within a few minutes."},
		{"Payment methods", "We accept credit cards, PayPal, SEPA direct debit and invoice for business customers."},
		{"Refund", "Your refund has been issued. Depending on your bank it reaches your account within 3 to 5 business days."},
		{"Rechnungskopie", "Ich habe Ihnen eine Kopie der Rechnung an die E-Mail-Adresse Ihrer Bestellung geschickt. Sie sollte in wenigen Minuten ankommen."},
		{"Zahlungsarten", "Sie können per Kreditkarte, PayPal, SEPA-Lastschrift und als Geschäftskunde auf Rechnung bezahlen."},
		{"Erstattung", "Ihre Erstattung ist veranlasst. Je nach Bank ist der Betrag in 3 bis 5 Werktagen auf Ihrem Konto."},
		{"Copie de facture", "Je vous ai envoyé une copie de la facture à l'adresse e-mail de votre commande. Elle devrait arriver d'ici quelques minutes."},
		{"Moyens de paiement", "Nous acceptons la carte bancaire, PayPal, le prélèvement SEPA et, pour les professionnels, le paiement sur facture."},
		{"Remboursement", "Votre remboursement est lancé. Selon votre banque, le montant arrive sur votre compte sous 3 à 5 jours ouvrés."},
	}},
	{"Technical", [][2]string{
		{"Grind size", "For a filter machine use a medium grind; for espresso a fine one, finer than table salt."},
		{"Descaling", "Descale your machine every 4 to 6 weeks with citric acid: it keeps the taste clean and the machine healthy."},
		{"Send a photo", "Could you send me a photo of the machine's display? Use the paper clip next to the message box."},
		{"Mahlgrad", "Für die Filtermaschine empfehlen wir einen mittleren Mahlgrad, für Espresso einen feinen, feiner als Speisesalz."},
		{"Entkalken", "Entkalken Sie Ihre Maschine alle 4 bis 6 Wochen mit Zitronensäure: Das hält den Geschmack rein und die Maschine gesund."},
		{"Foto senden", "Könnten Sie mir ein Foto der Anzeige Ihrer Maschine schicken? Nutzen Sie dafür die Büroklammer neben dem Nachrichtenfeld."},
		{"Mouture", "Pour une cafetière filtre, nous conseillons une mouture moyenne ; pour un espresso, une mouture fine, plus fine que le sel de table."},
		{"Détartrage", "Détartrez votre machine toutes les 4 à 6 semaines à l'acide citrique : le goût reste pur et la machine en bonne santé."},
		{"Envoyer une photo", "Pourriez-vous m'envoyer une photo de l'écran de votre machine ? Utilisez le trombone à côté du champ de message."},
	}},
}

// seedShowcase adds the showcase to a freshly seeded demo tenant, inside the seed's
// transaction. users are the showcase's accounts, hashed already; made records each change
// for publishing once the seed committed.
func seedShowcase(tx *gorm.DB, tenantID, groupEN int64, made func(changes.Kind, int64, int64)) (DemoShowcase, error) {
	var out DemoShowcase
	groupDE, err := createGroup(tx, ACDGroup{TenantID: tenantID, Name: "Kundenservice", Strategy: StrategyLeastBusy})
	if err != nil {
		return out, err
	}
	made(changes.KindGroup, tenantID, groupDE.ID)
	out.GermanGroupID = groupDE.ID

	toolbox := DefaultToolbox()
	toolbox.IdleTimeout, toolbox.IdleWarning = 900, 120
	conn, err := createConnector(tx, Connector{
		TenantID: tenantID, Name: DemoGermanConnectorName, Title: "Chatten Sie mit uns", GroupID: groupDE.ID,
		Texts: demoTextsDE(), Waiting1: 30 * time.Second, Waiting2: 90 * time.Second,
		// German speakers first; after a minute any agent of the group will do.
		Skills:  [3]SkillRequirement{{Skill: "german", Min: 3, IgnoreAfter: time.Minute}},
		Toolbox: toolbox.JSON(),
	})
	if err != nil {
		return out, err
	}
	made(changes.KindConnector, tenantID, conn.ID)
	out.GermanConnectorID, out.GermanConnectorHash = conn.ID, conn.Hash

	for _, f := range demoSurvey {
		f.TenantID, f.ConnectorID, f.Enabled = tenantID, conn.ID, true
		if err := f.Validate(); err != nil {
			return out, err
		}
		row, err := surveyFieldToRow(f)
		if err != nil {
			return out, err
		}
		if err := tx.Create(&row).Error; err != nil {
			return out, err
		}
	}
	made(changes.KindSurvey, tenantID, conn.ID)

	for _, folder := range demoCanned {
		frow := cannedFolderRow{TenantID: tenantID, Name: folder.folder}
		if err := tx.Create(&frow).Error; err != nil {
			return out, err
		}
		out.CannedFolders = append(out.CannedFolders, folder.folder)
		for _, r := range folder.responses {
			cr, err := prepareCanned(CannedResponse{TenantID: tenantID, FolderID: frow.ID, Title: r[0], Text: r[1]})
			if err != nil {
				return out, err
			}
			if err := tx.Create(&cannedResponseRow{TenantID: tenantID, FolderID: idPtr(frow.ID), Title: cr.Title, Text: cr.Text}).Error; err != nil {
				return out, err
			}
		}
	}
	made(changes.KindCanned, tenantID, 0)
	return out, nil
}

// showcaseGroups turns the stand-in group ids of a showcase user into the seeded ones.
func showcaseGroups(groups []int64, groupEN, groupDE int64) []int64 {
	out := make([]int64, 0, len(groups))
	for _, g := range groups {
		switch g {
		case demoGroupEN:
			out = append(out, groupEN)
		case demoGroupDE:
			out = append(out, groupDE)
		}
	}
	return out
}
