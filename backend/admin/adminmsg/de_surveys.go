package adminmsg

// deSurveys are the German messages of the survey field editor's languages, kept apart from
// de.go so that the editor's wording can be reviewed together; init adds them to the German
// table.
var deSurveys = map[string]string{
	"Number":                                 "Zahl",
	"Date":                                   "Datum",
	"Time":                                   "Uhrzeit",
	"Yes / no":                               "Ja / nein",
	"Choice":                                 "Auswahl",
	"Rating":                                 "Bewertung",
	"Visitor name (replaces the name field)": "Name des Besuchers (ersetzt das Namensfeld)",
	"A column for one more language, e.g. it, es or fr-BE. Columns left empty go away when you save.": "Eine Spalte für eine weitere Sprache, z. B. it, es oder fr-BE. Leere Spalten verschwinden beim Speichern.",
	"A field has texts in at most {0} languages.":                                                     "Ein Feld hat Texte in höchstens {0} Sprachen.",
	"Add language": "Sprache hinzufügen",
	"Enter a language code like it, es or fr-BE.": "Geben Sie einen Sprachcode wie it, es oder fr-BE ein.",
	"Language code":     "Sprachcode",
	"Languages":         "Sprachen",
	"Option {0} in {1}": "Option {0} auf {1}",
	"Option {0}":        "Option {0}",
	"Prompt in {0}":     "Frage auf {0}",
	"The prompt and the options as visitors of each language read them. A visitor reads their language, else the tenant's default language, else the prompt and options above. Answers are stored by the options above, whatever the visitor read.": "Die Frage und die Optionen, wie Besucher jeder Sprache sie lesen. Ein Besucher liest seine Sprache, sonst die Standardsprache des Mandanten, sonst die Frage und die Optionen oben. Antworten werden unter den Optionen oben gespeichert, gleich was der Besucher las.",
	"This language has a column already.":      "Diese Sprache hat bereits eine Spalte.",
	"Use at most {0} characters.":              "Verwenden Sie höchstens {0} Zeichen.",
	"Use one line without control characters.": "Verwenden Sie eine Zeile ohne Steuerzeichen.",
}

func init() {
	for k, v := range deSurveys {
		de[k] = v
	}
}
