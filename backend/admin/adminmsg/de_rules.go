package adminmsg

// deRules are the German messages of the store's rules (store.RuleError) and the forms that
// show them; init adds them to the German table.
var deRules = map[string]string{
	"A contact cannot be merged with itself.":                               "Ein Kontakt kann nicht mit sich selbst zusammengeführt werden.",
	"A contact field is longer than {0} characters.":                        "Ein Kontaktfeld ist länger als {0} Zeichen.",
	"A list holds at most {0} entries.":                                     "Eine Liste enthält höchstens {0} Einträge.",
	"A name is required.":                                                   "Ein Name ist erforderlich.",
	"Enter the connector's name.":                                           "Geben Sie den Namen des Connectors ein.",
	"Enter the group's name.":                                               "Geben Sie den Namen der Gruppe ein.",
	"Enter the status's name.":                                              "Geben Sie den Namen des Status ein.",
	"Keep chats: the period must be between 0 (keep) and {0} days.":         "Chats aufbewahren: Der Zeitraum muss zwischen 0 (behalten) und {0} Tagen liegen.",
	"Keep left messages: the period must be between 0 (keep) and {0} days.": "Hinterlassene Nachrichten aufbewahren: Der Zeitraum muss zwischen 0 (behalten) und {0} Tagen liegen.",
	"Keep the audit log: the period must be between 0 (keep) and {0} days.": "Audit-Protokoll aufbewahren: Der Zeitraum muss zwischen 0 (behalten) und {0} Tagen liegen.",
	"The answer target must be between 1 second and {0} hours.":             "Das Annahmeziel muss zwischen 1 Sekunde und {0} Stunden liegen.",
	"The most chats must not be negative.":                                  "Die Höchstzahl an Chats darf nicht negativ sein.",
	"The name has characters that cannot be shown.":                         "Der Name enthält Zeichen, die nicht angezeigt werden können.",
	"The name is longer than {0} characters.":                               "Der Name ist länger als {0} Zeichen.",
	"The notes are longer than {0} characters.":                             "Die Notizen sind länger als {0} Zeichen.",
	"There is already a tag with this name.":                                "Es gibt bereits ein Tag mit diesem Namen.",
	"There is already an outcome with this name.":                           "Es gibt bereits ein Ergebnis mit diesem Namen.",
	"Timeouts must not be negative.":                                        "Zeitlimits dürfen nicht negativ sein.",
}

func init() {
	for k, v := range deRules {
		de[k] = v
	}
}
