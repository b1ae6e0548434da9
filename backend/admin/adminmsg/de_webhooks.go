package adminmsg

// deWebhooks are the German messages of the webhook pages; init adds them to the German
// table.
var deWebhooks = map[string]string{
	"A disabled endpoint gets nothing; events that happen meanwhile are not sent later.": "Ein deaktivierter Endpunkt erhält nichts; Ereignisse aus dieser Zeit werden nicht nachgeliefert.",
	"Add an endpoint":           "Endpunkt hinzufügen",
	"Add the endpoint":          "Endpunkt hinzufügen",
	"All endpoints":             "Alle Endpunkte",
	"All events":                "Alle Ereignisse",
	"All states":                "Alle Zustände",
	"Chat assigned to an agent": "Chat einem Agenten zugewiesen",
	"Chat closed":               "Chat beendet",
	"Chat rated":                "Chat bewertet",
	"Chat requested":            "Chat angefragt",
	"Delete the endpoint":       "Endpunkt löschen",
	"Deletes the endpoint with its delivery log; pending deliveries are not sent.": "Löscht den Endpunkt mit seinem Zustellprotokoll; ausstehende Zustellungen werden nicht mehr gesendet.",
	"Delivered or next attempt": "Zugestellt oder nächster Versuch",
	"Delivered":                 "Zugestellt",
	"Deliveries":                "Zustellungen",
	"Disabled":                  "Deaktiviert",
	"Enabled":                   "Aktiviert",
	"Endpoint":                  "Endpunkt",
	"Endpoints":                 "Endpunkte",
	"Event":                     "Ereignis",
	"Events":                    "Ereignisse",
	"Failed":                    "Fehlgeschlagen",
	"Make a new secret":         "Neues Geheimnis erzeugen",
	"Message in a chat":         "Nachricht in einem Chat",
	"Message left":              "Hinterlassene Nachricht",
	"No deliveries match.":      "Keine Zustellungen gefunden.",
	"No endpoints yet.":         "Noch keine Endpunkte.",
	"Parley posts each chosen event as JSON to every enabled endpoint, signed with the endpoint's secret in the Parley-Signature header (t=<unix time>,v1=<hex HMAC-SHA256 of \"t.body\">). A receiver that does not answer with a 2xx status is tried again for about five hours; the delivery log shows each attempt.": "Parley sendet jedes gewählte Ereignis als JSON an jeden aktivierten Endpunkt, signiert mit dem Geheimnis des Endpunkts im Header Parley-Signature (t=<Unix-Zeit>,v1=<hex HMAC-SHA256 von \"t.body\">). Ein Empfänger, der nicht mit einem 2xx-Status antwortet, wird etwa fünf Stunden lang erneut versucht; das Zustellprotokoll zeigt jeden Versuch.",
	"Pending": "Ausstehend",
	"Posts an event of type \"test\" to this endpoint now, even when it is disabled; the delivery log shows the answer.": "Sendet jetzt ein Ereignis vom Typ \"test\" an diesen Endpunkt, auch wenn er deaktiviert ist; das Zustellprotokoll zeigt die Antwort.",
	"Replay":                            "Erneut senden",
	"Send a test event":                 "Testereignis senden",
	"Signing secret":                    "Signaturgeheimnis",
	"Survey answered":                   "Umfrage beantwortet",
	"Test":                              "Test",
	"The host name cannot be resolved.": "Der Hostname kann nicht aufgelöst werden.",
	"The newest webhook deliveries of this tenant and how they went. A pending delivery is tried again at its next attempt; a failed one was given up, with the last error. A replay sends the same body with the same id again.": "Die neuesten Webhook-Zustellungen dieses Mandanten und wie sie verliefen. Eine ausstehende Zustellung wird beim nächsten Versuch wiederholt; eine fehlgeschlagene wurde mit dem letzten Fehler aufgegeben. Erneutes Senden schickt denselben Inhalt mit derselben ID noch einmal.",
	"The secret is shown only when it is made. A new one signs every delivery from now on, retries included; receivers must be given it.":                                                                                         "Das Geheimnis wird nur beim Erzeugen angezeigt. Ein neues signiert ab sofort jede Zustellung, auch Wiederholungen; geben Sie es Ihren Empfängern.",
	"This address belongs to a private or local network, which webhooks may not call. Ask the operator to allow it (PARLEY_WEBHOOK_ALLOW_PRIVATE) if the receiver runs there.":                                                    "Diese Adresse gehört zu einem privaten oder lokalen Netz, das Webhooks nicht aufrufen dürfen. Bitten Sie den Betreiber, es zu erlauben (PARLEY_WEBHOOK_ALLOW_PRIVATE), wenn der Empfänger dort läuft.",
	"This is the endpoint's signing secret. It is shown only now: copy it to your receiver. If it is lost, make a new one.":                                                                                                       "Dies ist das Signaturgeheimnis des Endpunkts. Es wird nur jetzt angezeigt: Kopieren Sie es in Ihren Empfänger. Geht es verloren, erzeugen Sie ein neues.",
	"URL":                              "URL",
	"Webhook deliveries, newest first": "Webhook-Zustellungen, neueste zuerst",
	"Webhook delivery log":             "Webhook-Zustellprotokoll",
	"Webhook endpoint":                 "Webhook-Endpunkt",
	"Webhook endpoints":                "Webhook-Endpunkte",
	"Webhooks":                         "Webhooks",
	"Where Parley posts the events, e.g. https://example.com/parley/webhook. Redirects are not followed.": "Wohin Parley die Ereignisse sendet, z. B. https://example.com/parley/webhook. Weiterleitungen werden nicht befolgt.",
}

func init() {
	for k, v := range deWebhooks {
		de[k] = v
	}
}
