package adminmsg

// frWebhooks are the French messages of the webhook pages; init adds them to the French
// table.
var frWebhooks = map[string]string{
	"A disabled endpoint gets nothing; events that happen meanwhile are not sent later.": "Un point de terminaison désactivé ne reçoit rien ; les événements survenus entre-temps ne sont pas envoyés plus tard.",
	"Add an endpoint":           "Ajouter un point de terminaison",
	"Add the endpoint":          "Ajouter le point de terminaison",
	"All endpoints":             "Tous les points de terminaison",
	"All events":                "Tous les événements",
	"All states":                "Tous les états",
	"Chat assigned to an agent": "Chat attribué à un agent",
	"Chat closed":               "Chat terminé",
	"Chat rated":                "Chat évalué",
	"Chat requested":            "Chat demandé",
	"Delete the endpoint":       "Supprimer le point de terminaison",
	"Deletes the endpoint with its delivery log; pending deliveries are not sent.": "Supprime le point de terminaison avec son journal d'envoi ; les envois en attente ne sont pas effectués.",
	"Delivered or next attempt": "Livré ou prochaine tentative",
	"Delivered":                 "Livré",
	"Deliveries":                "Envois",
	"Disabled":                  "Désactivé",
	"Enabled":                   "Activé",
	"Endpoint":                  "Point de terminaison",
	"Endpoints":                 "Points de terminaison",
	"Event":                     "Événement",
	"Events":                    "Événements",
	"Failed":                    "Échoué",
	"Make a new secret":         "Créer un nouveau secret",
	"Message in a chat":         "Message dans un chat",
	"Message left":              "Message laissé",
	"No deliveries match.":      "Aucun envoi ne correspond.",
	"No endpoints yet.":         "Aucun point de terminaison pour l'instant.",
	"Parley posts each chosen event as JSON to every enabled endpoint, signed with the endpoint's secret in the Parley-Signature header (t=<unix time>,v1=<hex HMAC-SHA256 of \"t.body\">). A receiver that does not answer with a 2xx status is tried again for about five hours; the delivery log shows each attempt.": "Parley envoie chaque événement choisi en JSON à chaque point de terminaison activé, signé avec le secret du point de terminaison dans l'en-tête Parley-Signature (t=<heure Unix>,v1=<HMAC-SHA256 hexadécimal de \"t.body\">). Un destinataire qui ne répond pas avec un statut 2xx est relancé pendant environ cinq heures ; le journal d'envoi montre chaque tentative.",
	"Pending": "En attente",
	"Posts an event of type \"test\" to this endpoint now, even when it is disabled; the delivery log shows the answer.": "Envoie maintenant un événement de type « test » à ce point de terminaison, même désactivé ; le journal d'envoi montre la réponse.",
	"Replay":                            "Renvoyer",
	"Send a test event":                 "Envoyer un événement de test",
	"Signing secret":                    "Secret de signature",
	"Survey answered":                   "Questionnaire rempli",
	"Test":                              "Test",
	"The host name cannot be resolved.": "Le nom d'hôte ne peut pas être résolu.",
	"The newest webhook deliveries of this tenant and how they went. A pending delivery is tried again at its next attempt; a failed one was given up, with the last error. A replay sends the same body with the same id again.": "Les envois de webhooks les plus récents de ce locataire et leur déroulement. Un envoi en attente est retenté à sa prochaine tentative ; un envoi échoué a été abandonné, avec sa dernière erreur. Un renvoi envoie à nouveau le même contenu avec le même identifiant.",
	"The secret is shown only when it is made. A new one signs every delivery from now on, retries included; receivers must be given it.":                                                                                         "Le secret n'est affiché qu'à sa création. Un nouveau secret signe désormais chaque envoi, relances comprises ; il faut le donner aux destinataires.",
	"This address belongs to a private or local network, which webhooks may not call. Ask the operator to allow it (PARLEY_WEBHOOK_ALLOW_PRIVATE) if the receiver runs there.":                                                    "Cette adresse appartient à un réseau privé ou local, que les webhooks ne peuvent pas appeler. Demandez à l'opérateur de l'autoriser (PARLEY_WEBHOOK_ALLOW_PRIVATE) si le destinataire s'y trouve.",
	"This is the endpoint's signing secret. It is shown only now: copy it to your receiver. If it is lost, make a new one.":                                                                                                       "Voici le secret de signature du point de terminaison. Il n'est affiché que maintenant : copiez-le dans votre destinataire. S'il est perdu, créez-en un nouveau.",
	"URL":                              "URL",
	"Webhook deliveries, newest first": "Envois de webhooks, les plus récents d'abord",
	"Webhook delivery log":             "Journal d'envoi des webhooks",
	"Webhook endpoint":                 "Point de terminaison de webhook",
	"Webhook endpoints":                "Points de terminaison de webhooks",
	"Webhooks":                         "Webhooks",
	"Where Parley posts the events, e.g. https://example.com/parley/webhook. Redirects are not followed.": "Où Parley envoie les événements, p. ex. https://example.com/parley/webhook. Les redirections ne sont pas suivies.",
}

func init() {
	for k, v := range frWebhooks {
		fr[k] = v
	}
}
