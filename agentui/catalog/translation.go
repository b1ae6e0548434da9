package catalog

import "strings"

// The messages of translated chats (agentui/desk/translation.go and the chat pane), German
// and French; merged into the tables when they are built. The languages are named in the
// agent's language; those a translation service commonly offers have a name here, any other
// shows as its code.

// LanguageName is the name of the language with ISO 639-1 code in p's language ("German",
// "Deutsch", "allemand"), or the code in capitals when the catalogue has no name for it.
func LanguageName(p Printer, code string) string {
	switch strings.ToLower(code) {
	case "en":
		return p.T("English")
	case "de":
		return p.T("German")
	case "fr":
		return p.T("French")
	case "es":
		return p.T("Spanish")
	case "it":
		return p.T("Italian")
	case "pt":
		return p.T("Portuguese")
	case "nl":
		return p.T("Dutch")
	case "pl":
		return p.T("Polish")
	case "tr":
		return p.T("Turkish")
	case "ru":
		return p.T("Russian")
	case "uk":
		return p.T("Ukrainian")
	case "ar":
		return p.T("Arabic")
	case "zh":
		return p.T("Chinese")
	case "ja":
		return p.T("Japanese")
	}
	return strings.ToUpper(code)
}

// addTranslation adds the messages of translated chats to the German and French tables.
func addTranslation(de, fr map[string]string) {
	for k, v := range map[string]string{
		"English":                     "Englisch",
		"German":                      "Deutsch",
		"French":                      "Französisch",
		"Spanish":                     "Spanisch",
		"Italian":                     "Italienisch",
		"Portuguese":                  "Portugiesisch",
		"Dutch":                       "Niederländisch",
		"Polish":                      "Polnisch",
		"Turkish":                     "Türkisch",
		"Russian":                     "Russisch",
		"Ukrainian":                   "Ukrainisch",
		"Arabic":                      "Arabisch",
		"Chinese":                     "Chinesisch",
		"Japanese":                    "Japanisch",
		"Translated from {0}":         "Übersetzt, Original auf {0}",
		"The visitor read it in {0}:": "Der Besucher las es auf {0}:",
		"Not translated: the translation service did not answer": "Nicht übersetzt: Der Übersetzungsdienst hat nicht geantwortet",
		"Original":           "Original",
		"Show the original":  "Original anzeigen",
		"Translation":        "Übersetzung",
		"Translation ({0}):": "Übersetzung ({0}):",
		"Translate this chat between the visitor's language and yours": "Diesen Chat zwischen der Sprache des Besuchers und Ihrer übersetzen",
		"{0} turned translation off":                                   "{0} hat die Übersetzung ausgeschaltet",
		"{0} turned translation on":                                    "{0} hat die Übersetzung eingeschaltet",
	} {
		de[k] = v
	}
	for k, v := range map[string]string{
		"English":                     "anglais",
		"German":                      "allemand",
		"French":                      "français",
		"Spanish":                     "espagnol",
		"Italian":                     "italien",
		"Portuguese":                  "portugais",
		"Dutch":                       "néerlandais",
		"Polish":                      "polonais",
		"Turkish":                     "turc",
		"Russian":                     "russe",
		"Ukrainian":                   "ukrainien",
		"Arabic":                      "arabe",
		"Chinese":                     "chinois",
		"Japanese":                    "japonais",
		"Translated from {0}":         "Traduit, original en {0}",
		"The visitor read it in {0}:": "Le visiteur l'a lu en {0} :",
		"Not translated: the translation service did not answer": "Non traduit : le service de traduction n'a pas répondu",
		"Original":           "Original",
		"Show the original":  "Afficher l'original",
		"Translation":        "Traduction",
		"Translation ({0}):": "Traduction ({0}) :",
		"Translate this chat between the visitor's language and yours": "Traduire ce chat entre la langue du visiteur et la vôtre",
		"{0} turned translation off":                                   "{0} a désactivé la traduction",
		"{0} turned translation on":                                    "{0} a activé la traduction",
	} {
		fr[k] = v
	}
}
