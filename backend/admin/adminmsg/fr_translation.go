package adminmsg

// frTranslation are the French messages about translated chat lines; init adds them to the
// French table.
var frTranslation = map[string]string{
	"Applies to every chat of this tenant: the website widget, the agent app and WhosOn clients. When the visitor's language is not the agent's, the visitor's lines reach the agent translated and the agent's lines reach the visitor translated; both sides, transcripts and the archive keep the original too. A line whose translation fails is sent as written.": "S'applique à chaque chat de ce locataire : le widget du site, l'application agent et les clients WhosOn. Quand la langue du visiteur n'est pas celle de l'agent, les lignes du visiteur parviennent traduites à l'agent et celles de l'agent traduites au visiteur ; les deux côtés, les transcriptions et l'archive gardent aussi l'original. Une ligne dont la traduction échoue est envoyée telle qu'écrite.",
	"Calls to the translation service, newest first": "Appels au service de traduction, les plus récents d'abord",
	"Characters":          "Caractères",
	"Error":               "Erreur",
	"Into":                "Vers",
	"Latency":             "Durée",
	"No calls match.":     "Aucun appel ne correspond.",
	"Recent translations": "Traductions récentes",
	"The newest calls to the service, tests included: when, which languages, how long the text was and how the service answered. The chat text itself is not kept.": "Les appels les plus récents au service, tests compris : quand, quelles langues, la longueur du texte et la réponse du service. Le texte du chat lui-même n'est pas conservé.",
	"The service could not translate the sample into {0}:": "Le service n'a pas pu traduire l'exemple en {0} :",
	"The service translated the sample into {0}:":          "Le service a traduit l'exemple en {0} :",
	"Timed out":            "Délai dépassé",
	"Translate the sample": "Traduire l'exemple",
	"Translated":           "Traduit",
	"Translates an English sample sentence through the saved service now, even while translation is off, and shows the answer. Save changes first.": "Traduit maintenant une phrase d'exemple anglaise avec le service enregistré, même quand la traduction est désactivée, et affiche la réponse. Enregistrez d'abord vos modifications.",
	"Translation of chats": "Traduction des chats",
	"WhosOn clients' chats are translated like every other chat:": "Les chats des clients WhosOn sont traduits comme tous les autres chats :",
	"Translation ({0}):": "Traduction ({0}) :",
}

func init() {
	for k, v := range frTranslation {
		fr[k] = v
	}
}
