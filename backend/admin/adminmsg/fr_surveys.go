package adminmsg

// frSurveys are the French messages of the survey field editor's languages, kept apart from
// fr.go so that the editor's wording can be reviewed together; init adds them to the French
// table.
var frSurveys = map[string]string{
	"Number":                                 "Nombre",
	"Date":                                   "Date",
	"Time":                                   "Heure",
	"Yes / no":                               "Oui / non",
	"Choice":                                 "Choix",
	"Rating":                                 "Note",
	"Visitor name (replaces the name field)": "Nom du visiteur (remplace le champ du nom)",
	"A column for one more language, e.g. it, es or fr-BE. Columns left empty go away when you save.": "Une colonne pour une langue de plus, par ex. it, es ou fr-BE. Les colonnes laissées vides disparaissent à l'enregistrement.",
	"A field has texts in at most {0} languages.":                                                     "Un champ a des textes dans {0} langues au plus.",
	"Add language": "Ajouter la langue",
	"Enter a language code like it, es or fr-BE.": "Saisissez un code de langue comme it, es ou fr-BE.",
	"Language code":     "Code de langue",
	"Languages":         "Langues",
	"Option {0} in {1}": "Option {0} en {1}",
	"Option {0}":        "Option {0}",
	"Prompt in {0}":     "Question en {0}",
	"The prompt and the options as visitors of each language read them. A visitor reads their language, else the tenant's default language, else the prompt and options above. Answers are stored by the options above, whatever the visitor read.": "La question et les options telles que les visiteurs de chaque langue les lisent. Un visiteur lit sa langue, sinon la langue par défaut du client, sinon la question et les options ci-dessus. Les réponses sont enregistrées selon les options ci-dessus, quoi que le visiteur ait lu.",
	"This language has a column already.":      "Cette langue a déjà une colonne.",
	"Use at most {0} characters.":              "Utilisez au plus {0} caractères.",
	"Use one line without control characters.": "Utilisez une seule ligne sans caractères de contrôle.",
}

func init() {
	for k, v := range frSurveys {
		fr[k] = v
	}
}
