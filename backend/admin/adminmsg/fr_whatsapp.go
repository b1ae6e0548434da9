package adminmsg

// frWhatsApp are the French messages of the WhatsApp delivery log; init adds them to the
// French table.
var frWhatsApp = map[string]string{
	"Choose a connector.": "Choisissez un connecteur.",
	"Duplicate":           "Doublon",
	"Enter the number in international form with its country code, such as +49 170 1234567.": "Saisissez le numéro au format international avec l’indicatif du pays, par exemple +33 6 12 34 56 78.",
	"In international form, such as +49 170 1234567.":                                        "Au format international, par exemple +33 6 12 34 56 78.",
	"Inbound":                             "Entrant",
	"Open chat":                           "Ouvrir la conversation",
	"Other":                               "Autre",
	"Refused: not the connector's number": "Refusé : pas le numéro du connecteur",
	"Sends a test message from a connector's WhatsApp number to the number you type, through the same outbox as the agents' lines; the log below shows it as a test. WhatsApp delivers it only to a number that wrote to the connector in the last 24 hours.": "Envoie un message de test depuis le numéro WhatsApp d’un connecteur au numéro saisi, par la même file d’envoi que les messages des agents ; le journal ci-dessous l’affiche comme test. WhatsApp ne le remet qu’à un numéro qui a écrit au connecteur dans les dernières 24 heures.",
	"Sent to …{0}, which is not this connector's number.": "Envoyé à …{0}, qui n’est pas le numéro de ce connecteur.",
	"Test message": "Message de test",
	"This connector has no TynTec API key. Enter it in the connector's settings.":                               "Ce connecteur n’a pas de clé d’API TynTec. Saisissez-la dans les réglages du connecteur.",
	"TynTec refused this connector's API key (HTTP 401). Check the key in the connector's settings.":            "TynTec a refusé la clé d’API de ce connecteur (HTTP 401). Vérifiez la clé dans les réglages du connecteur.",
	"WhatsApp is switched off on this connector. Switch it on and give its number in the connector's settings.": "WhatsApp est désactivé sur ce connecteur. Activez-le et indiquez son numéro dans les réglages du connecteur.",
	"This is a test message from Parley's admin pages.":                                                         "Ceci est un message de test des pages d’administration de Parley.",
	"Customer":                 "Client",
	"Media":                    "Média",
	"No WhatsApp lines match.": "Aucun message WhatsApp ne correspond.",
	"Outbound":                 "Sortant",
	"Read":                     "Lu",
	"The newest lines the agents of this tenant wrote to WhatsApp customers through TynTec, and what became of them. A line TynTec does not accept is retried; one it refuses, or one to a customer who last wrote more than 24 hours ago and that is no template, fails. The customer's number shows only its last four digits.": "Les derniers messages que les agents de ce locataire ont écrits à des clients WhatsApp via TynTec, et ce qu'ils sont devenus. Un message que TynTec n'accepte pas est retenté ; un message que TynTec refuse, ou un message qui n'est pas un modèle adressé à un client dont le dernier message date de plus de 24 heures, échoue. Le numéro du client n'affiche que ses quatre derniers chiffres.",
	"TynTec message id":            "Identifiant du message TynTec",
	"WhatsApp delivery log":        "Journal de distribution WhatsApp",
	"WhatsApp lines, newest first": "Messages WhatsApp, les plus récents d'abord",
}

func init() {
	for k, v := range frWhatsApp {
		fr[k] = v
	}
}
