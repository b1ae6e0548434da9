package adminmsg

// frCharts are the French messages of the report charts; init adds them to the French
// table.
var frCharts = map[string]string{
	"Answered chats by how long the visitor waited. Median {0} s, 90th percentile {1} s.": "Chats répondus selon le temps d’attente du visiteur. Médiane {0} s, 90e centile {1} s.",
	"Answered chats by the agent who handled them last.":                                  "Chats répondus selon l’agent qui les a traités en dernier.",
	"Chats at the same time":                                         "Chats simultanés",
	"Chats by the outcome picked when they were closed.":             "Chats selon le résultat choisi à leur clôture.",
	"Chats by the rating the visitor gave after the chat.":           "Chats selon la note donnée par le visiteur après le chat.",
	"Chats by the tags agents put on them; a chat may have several.": "Chats selon les étiquettes posées par les agents ; un chat peut en avoir plusieurs.",
	"Chats per agent": "Chats par agent",
	"Chats requested in each hour of each weekday, in the tenant's time zone ({0}). Darker cells had more.": "Chats demandés par heure et par jour de la semaine, dans le fuseau horaire du client ({0}). Les cases plus foncées en ont eu davantage.",
	"Post-chat ratings":            "Notes après le chat",
	"Requests by weekday and hour": "Demandes par jour et par heure",
	"The most chats agents handled at once in each day of the range.":  "Le plus grand nombre de chats traités en même temps chaque jour de la période.",
	"The most chats agents handled at once in each hour of the range.": "Le plus grand nombre de chats traités en même temps chaque heure de la période.",
	"Waiting time of answered chats":                                   "Temps d’attente des chats répondus",
}

func init() {
	for k, v := range frCharts {
		fr[k] = v
	}
}
