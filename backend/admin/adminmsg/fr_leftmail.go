package adminmsg

// frLeftMail are the French messages of answering left messages by e-mail; init adds them to
// the French table.
var frLeftMail = map[string]string{
	"New":                "Nouveau",
	"Replied":            "Répondu",
	"Replies":            "Réponses",
	"Reply by e-mail":    "Répondre par e-mail",
	"Send reply":         "Envoyer la réponse",
	"Your reply to {0}":  "Votre réponse à {0}",
	"{0} replied on {1}": "{0} a répondu le {1}",
	"e-mail sent":        "e-mail envoyé",
	"e-mail pending":     "e-mail en attente d'envoi",
	"e-mail failed: {0}": "échec de l'e-mail : {0}",
	"Reply saved. It is sent by e-mail; the delivery log shows when.":                               "Réponse enregistrée. Elle est envoyée par e-mail ; le journal d'envoi indique quand.",
	"The e-mail quotes the visitor's message and continues the conversation in their mail program.": "L'e-mail cite le message du visiteur et poursuit la conversation dans sa messagerie.",
	"Write a reply first.":                                                                   "Écrivez d'abord une réponse.",
	"The reply contains characters that cannot be sent.":                                     "La réponse contient des caractères qui ne peuvent pas être envoyés.",
	"A reply has at most {0} characters.":                                                    "Une réponse comporte au plus {0} caractères.",
	"The visitor left no e-mail address to answer: call them if they left a phone number.":   "Le visiteur n'a laissé aucune adresse e-mail : appelez-le s'il a laissé un numéro de téléphone.",
	"E-mail is not set up: enter the SMTP server and the sender address under E-mail first.": "L'e-mail n'est pas configuré : saisissez d'abord le serveur SMTP et l'adresse d'expéditeur sous E-mail.",
}

func init() {
	for k, v := range frLeftMail {
		fr[k] = v
	}
}
