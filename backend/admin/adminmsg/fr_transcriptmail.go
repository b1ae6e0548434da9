package adminmsg

// frTranscriptMail are the French messages of a connector's transcript e-mail page; init adds
// them to the French table.
var frTranscriptMail = map[string]string{
	"Leave empty to use the tenant's sender from the E-mail page.": "Laisser vide pour utiliser l'expéditeur du client défini sur la page E-mail.",
	"One line; every placeholder but $Transcript$ may be used.":    "Une ligne ; tous les espaces réservés sauf $Transcript$ sont permis.",
	"Placeholders":               "Espaces réservés",
	"Preview with a sample chat": "Aperçu avec un chat d'exemple",
	"Scripts and unsafe elements are removed when it is saved; values are escaped. A text part is made from it.": "Les scripts et éléments dangereux sont retirés à l'enregistrement ; les valeurs sont échappées. Une partie texte en est tirée.",
	"Send the transcript automatically when a chat closes":                                                       "Envoyer la transcription automatiquement à la fin d'un chat",
	"Template": "Modèle",
	"The message text with placeholders such as $Customer.Name$ and $Transcript$.": "Le texte du message avec des espaces réservés comme $Customer.Name$ et $Transcript$.",
	"The template is HTML": "Le modèle est en HTML",
	"To the e-mail address the visitor gave, once per chat.": "À l'adresse e-mail donnée par le visiteur, une fois par chat.",
	"Transcript e-mail of {0}":                               "E-mail de transcription de {0}",
	"Transcript e-mail":                                      "E-mail de transcription",
	"Visitors get the transcript of their chat by e-mail when they ask for it, when they give their address in the post-chat survey, or automatically. The PDF transcript is always attached. Leave the subject or the template empty for Parley's own.": "Les visiteurs reçoivent la transcription de leur chat par e-mail quand ils la demandent, quand ils donnent leur adresse dans l'enquête de fin de chat, ou automatiquement. La transcription PDF est toujours jointe. Laisser l'objet ou le modèle vide pour ceux de Parley.",
	"Open the transcript e-mail form when an agent closes a chat":                                       "Ouvrir le formulaire d'e-mail de transcription quand un agent termine un chat",
	"Prefilled with the visitor's address and this subject; the agent can edit it, send it or skip it.": "Prérempli avec l'adresse du visiteur et cet objet ; l'agent peut le modifier, l'envoyer ou l'ignorer.",
}

func init() {
	for k, v := range frTranscriptMail {
		fr[k] = v
	}
}
