package adminmsg

// frRules are the French messages of the store's rules (store.RuleError) and the forms that
// show them; init adds them to the French table.
var frRules = map[string]string{
	"A contact cannot be merged with itself.":                               "Un contact ne peut pas être fusionné avec lui-même.",
	"A contact field is longer than {0} characters.":                        "Un champ du contact dépasse {0} caractères.",
	"A list holds at most {0} entries.":                                     "Une liste contient au plus {0} entrées.",
	"A name is required.":                                                   "Un nom est obligatoire.",
	"Enter the connector's name.":                                           "Saisissez le nom du connecteur.",
	"Enter the group's name.":                                               "Saisissez le nom du groupe.",
	"Enter the status's name.":                                              "Saisissez le nom du statut.",
	"Keep chats: the period must be between 0 (keep) and {0} days.":         "Conserver les chats : la durée doit être comprise entre 0 (garder) et {0} jours.",
	"Keep left messages: the period must be between 0 (keep) and {0} days.": "Conserver les messages laissés : la durée doit être comprise entre 0 (garder) et {0} jours.",
	"Keep the audit log: the period must be between 0 (keep) and {0} days.": "Conserver le journal d’audit : la durée doit être comprise entre 0 (garder) et {0} jours.",
	"The answer target must be between 1 second and {0} hours.":             "L’objectif de réponse doit être compris entre 1 seconde et {0} heures.",
	"The most chats must not be negative.":                                  "Le nombre maximal de chats ne doit pas être négatif.",
	"The name has characters that cannot be shown.":                         "Le nom contient des caractères qui ne peuvent pas être affichés.",
	"The name is longer than {0} characters.":                               "Le nom dépasse {0} caractères.",
	"The notes are longer than {0} characters.":                             "Les notes dépassent {0} caractères.",
	"There is already a tag with this name.":                                "Il existe déjà une étiquette portant ce nom.",
	"There is already an outcome with this name.":                           "Il existe déjà un résultat portant ce nom.",
	"Timeouts must not be negative.":                                        "Les délais ne doivent pas être négatifs.",
}

func init() {
	for k, v := range frRules {
		fr[k] = v
	}
}
