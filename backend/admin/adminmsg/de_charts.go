package adminmsg

// deCharts are the German messages of the report charts; init adds them to the German
// table.
var deCharts = map[string]string{
	"Answered chats by how long the visitor waited. Median {0} s, 90th percentile {1} s.": "Angenommene Chats nach Wartezeit des Besuchers. Median {0} s, 90. Perzentil {1} s.",
	"Answered chats by the agent who handled them last.":                                  "Angenommene Chats nach dem Agenten, der sie zuletzt bearbeitet hat.",
	"Chats at the same time":                                         "Gleichzeitige Chats",
	"Chats by the outcome picked when they were closed.":             "Chats nach dem beim Schließen gewählten Ergebnis.",
	"Chats by the rating the visitor gave after the chat.":           "Chats nach der Bewertung, die der Besucher nach dem Chat abgegeben hat.",
	"Chats by the tags agents put on them; a chat may have several.": "Chats nach den Tags, die Agenten vergeben haben; ein Chat kann mehrere haben.",
	"Chats per agent": "Chats pro Agent",
	"Chats requested in each hour of each weekday, in the tenant's time zone ({0}). Darker cells had more.": "Angefragte Chats je Stunde und Wochentag, in der Zeitzone des Mandanten ({0}). Dunklere Felder hatten mehr.",
	"Post-chat ratings":            "Bewertungen nach dem Chat",
	"Requests by weekday and hour": "Anfragen nach Wochentag und Stunde",
	"The most chats agents handled at once in each day of the range.":  "Die meisten gleichzeitig bearbeiteten Chats an jedem Tag des Zeitraums.",
	"The most chats agents handled at once in each hour of the range.": "Die meisten gleichzeitig bearbeiteten Chats in jeder Stunde des Zeitraums.",
	"Waiting time of answered chats":                                   "Wartezeit angenommener Chats",
}

func init() {
	for k, v := range deCharts {
		de[k] = v
	}
}
