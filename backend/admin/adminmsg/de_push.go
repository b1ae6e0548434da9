package adminmsg

// dePush are the German messages of the Web Push delivery log; init adds them to the German
// table.
var dePush = map[string]string{
	"All kinds":        "Alle Arten",
	"Chat offer":       "Chat-Angebot",
	"Expired":          "Abgelaufen",
	"No pushes match.": "Keine Push-Benachrichtigungen gefunden.",
	"None of your browsers receives notifications. Open the agent app and allow notifications, then come back.": "Keiner Ihrer Browser empfängt Benachrichtigungen. Öffnen Sie die Agenten-App, erlauben Sie Benachrichtigungen und kommen Sie dann zurück.",
	"Only a failed push can be sent again.": "Nur eine fehlgeschlagene Push-Benachrichtigung kann erneut gesendet werden.",
	"Push delivery log":                     "Push-Zustellprotokoll",
	"Retrying":                              "Wird wiederholt",
	"Send again":                            "Erneut senden",
	"Sent again":                            "Erneut gesendet",
	"Sends a test notification to one of your own browsers now; the log below shows how it went.": "Sendet jetzt eine Testbenachrichtigung an einen Ihrer eigenen Browser; das Protokoll unten zeigt das Ergebnis.",
	"Sent":              "Gesendet",
	"Subscription gone": "Abonnement erloschen",
	"The newest Web Push notifications to this tenant's agents and how they went. A push is worth sending only until its time to live ends (an offer's expiry, five minutes for a message): one that could not be sent by then is expired and never sent late. A push is retried while the push service is busy; a subscription the push service no longer knows is removed.": "Die neuesten Web-Push-Benachrichtigungen an die Agenten dieses Mandanten und ihr Ergebnis. Eine Push-Benachrichtigung lohnt sich nur bis zum Ende ihrer Lebensdauer (Ablauf eines Angebots, fünf Minuten für eine Nachricht): Was bis dahin nicht gesendet werden konnte, ist abgelaufen und wird nie verspätet gesendet. Solange der Push-Dienst ausgelastet ist, wird es erneut versucht; ein Abonnement, das der Push-Dienst nicht mehr kennt, wird entfernt.",
	"This push is past its time to live; it would arrive late and wrong.": "Diese Push-Benachrichtigung hat ihre Lebensdauer überschritten; sie käme verspätet und falsch an.",
	"Visitor message":                      "Nachricht eines Besuchers",
	"Waiting or retrying":                  "Wartend oder wird wiederholt",
	"Web Push notifications, newest first": "Web-Push-Benachrichtigungen, neueste zuerst",
	"{0}, since {1}":                       "{0}, seit {1}",
}

func init() {
	for k, v := range dePush {
		de[k] = v
	}
}
