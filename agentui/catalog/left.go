package catalog

// The Messages view's messages (agentui/left.go: left messages and the e-mail replies to
// them), German and French; merged into the tables when they are built.
func addLeft(de, fr map[string]string) {
	for k, v := range map[string]string{
		"Messages":                               "Nachrichten",
		"Messages visitors left for your groups": "Nachrichten, die Besucher für Ihre Gruppen hinterlassen haben",
		"Left messages":                          "Hinterlassene Nachrichten",
		"No messages were left for your groups.": "Für Ihre Gruppen wurden keine Nachrichten hinterlassen.",
		"The messages could not be loaded. Check your connection and try again.": "Die Nachrichten konnten nicht geladen werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
		"Not answered yet":                       "Noch nicht beantwortet",
		"Replied once":                           "Einmal beantwortet",
		"Replied {0} times":                      "{0}-mal beantwortet",
		"Message from {0}":                       "Nachricht von {0}",
		"Left on":                                "Hinterlassen bei",
		"The message and its replies":            "Die Nachricht und ihre Antworten",
		"Reply by e-mail to {0}":                 "Per E-Mail an {0} antworten",
		"Send reply":                             "Antwort senden",
		"Reply sent: it is in the thread above.": "Antwort gesendet: Sie steht oben im Verlauf.",
		"The reply could not be sent. Check your connection and try again.":                    "Die Antwort konnte nicht gesendet werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
		"This message is no longer there.":                                                     "Diese Nachricht gibt es nicht mehr.",
		"Write a reply first.":                                                                 "Schreiben Sie zuerst eine Antwort.",
		"The reply contains characters that cannot be sent.":                                   "Die Antwort enthält Zeichen, die nicht gesendet werden können.",
		"A reply has at most {0} characters.":                                                  "Eine Antwort hat höchstens {0} Zeichen.",
		"E-mail is not set up yet: ask an administrator to set it up.":                         "E-Mail ist noch nicht eingerichtet: Bitten Sie einen Administrator, sie einzurichten.",
		"The visitor left no e-mail address to answer: call them if they left a phone number.": "Der Besucher hat keine E-Mail-Adresse für eine Antwort hinterlassen: Rufen Sie an, wenn er eine Telefonnummer hinterlassen hat.",
		"e-mail sent":        "E-Mail gesendet",
		"e-mail pending":     "E-Mail ausstehend",
		"e-mail failed: {0}": "E-Mail fehlgeschlagen: {0}",
	} {
		de[k] = v
	}
	for k, v := range map[string]string{
		"Messages":                               "Messages",
		"Messages visitors left for your groups": "Messages laissés par les visiteurs pour vos groupes",
		"Left messages":                          "Messages laissés",
		"No messages were left for your groups.": "Aucun message n'a été laissé pour vos groupes.",
		"The messages could not be loaded. Check your connection and try again.": "Les messages n'ont pas pu être chargés. Vérifiez votre connexion et réessayez.",
		"Not answered yet":                       "Pas encore de réponse",
		"Replied once":                           "Une réponse",
		"Replied {0} times":                      "{0} réponses",
		"Message from {0}":                       "Message de {0}",
		"Left on":                                "Laissé sur",
		"The message and its replies":            "Le message et ses réponses",
		"Reply by e-mail to {0}":                 "Répondre par e-mail à {0}",
		"Send reply":                             "Envoyer la réponse",
		"Reply sent: it is in the thread above.": "Réponse envoyée : elle figure dans le fil ci-dessus.",
		"The reply could not be sent. Check your connection and try again.":                    "La réponse n'a pas pu être envoyée. Vérifiez votre connexion et réessayez.",
		"This message is no longer there.":                                                     "Ce message n'existe plus.",
		"Write a reply first.":                                                                 "Écrivez d'abord une réponse.",
		"The reply contains characters that cannot be sent.":                                   "La réponse contient des caractères qui ne peuvent pas être envoyés.",
		"A reply has at most {0} characters.":                                                  "Une réponse compte au plus {0} caractères.",
		"E-mail is not set up yet: ask an administrator to set it up.":                         "L'e-mail n'est pas encore configuré : demandez à un administrateur de le configurer.",
		"The visitor left no e-mail address to answer: call them if they left a phone number.": "Le visiteur n'a pas laissé d'adresse e-mail pour répondre : appelez-le s'il a laissé un numéro de téléphone.",
		"e-mail sent":        "e-mail envoyé",
		"e-mail pending":     "e-mail en attente",
		"e-mail failed: {0}": "échec de l'e-mail : {0}",
	} {
		fr[k] = v
	}
}
