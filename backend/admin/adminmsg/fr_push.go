package adminmsg

// frPush are the French messages of the Web Push delivery log; init adds them to the French
// table.
var frPush = map[string]string{
	"All kinds":        "Tous les types",
	"Chat offer":       "Proposition de chat",
	"Expired":          "Expirée",
	"No pushes match.": "Aucune notification ne correspond.",
	"None of your browsers receives notifications. Open the agent app and allow notifications, then come back.": "Aucun de vos navigateurs ne reçoit de notifications. Ouvrez l'application agent, autorisez les notifications, puis revenez.",
	"Only a failed push can be sent again.": "Seule une notification en échec peut être renvoyée.",
	"Push delivery log":                     "Journal des notifications push",
	"Retrying":                              "Nouvelle tentative",
	"Send again":                            "Renvoyer",
	"Sent again":                            "Renvoyée",
	"Sends a test notification to one of your own browsers now; the log below shows how it went.": "Envoie maintenant une notification de test à l'un de vos navigateurs ; le journal ci-dessous en montre le résultat.",
	"Sent":              "Envoyée",
	"Subscription gone": "Abonnement disparu",
	"The newest Web Push notifications to this tenant's agents and how they went. A push is worth sending only until its time to live ends (an offer's expiry, five minutes for a message): one that could not be sent by then is expired and never sent late. A push is retried while the push service is busy; a subscription the push service no longer knows is removed.": "Les dernières notifications Web Push envoyées aux agents de ce locataire et leur résultat. Une notification ne vaut la peine d'être envoyée que jusqu'à la fin de sa durée de vie (l'expiration d'une proposition, cinq minutes pour un message) : celle qui n'a pas pu partir à temps expire et n'est jamais envoyée en retard. Une notification est retentée tant que le service push est occupé ; un abonnement que le service push ne connaît plus est supprimé.",
	"This push is past its time to live; it would arrive late and wrong.": "Cette notification a dépassé sa durée de vie ; elle arriverait en retard et à tort.",
	"Visitor message":                      "Message d'un visiteur",
	"Waiting or retrying":                  "En attente ou en cours de nouvelle tentative",
	"Web Push notifications, newest first": "Notifications Web Push, les plus récentes d'abord",
	"{0}, since {1}":                       "{0}, depuis {1}",
}

func init() {
	for k, v := range frPush {
		fr[k] = v
	}
}
