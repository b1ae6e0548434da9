package adminmsg

// frAPITokens are the French messages of the API tokens page; init adds them to the
// French table.
var frAPITokens = map[string]string{
	"API tokens":    "Jetons d'API",
	"New API token": "Nouveau jeton d'API",
	"This is the token's secret. It is shown only now: copy it to the program that calls the API. If it is lost, revoke the token and make a new one.":                                                                                                   "Voici le secret du jeton. Il n'est affiché que maintenant : copiez-le dans le programme qui appelle l'API. S'il est perdu, révoquez le jeton et créez-en un nouveau.",
	"Programs call the REST API at /api/v1 with a token: Authorization: Bearer <token>. A token acts as the user it was made for, with the scopes it was given; messages it sends carry that user's name. The API is described at /api/v1/openapi.json.": "Les programmes appellent l'API REST sous /api/v1 avec un jeton : Authorization: Bearer <jeton>. Un jeton agit comme l'utilisateur pour lequel il a été créé, avec les droits qui lui ont été donnés ; ses messages portent le nom de cet utilisateur. L'API est décrite sous /api/v1/openapi.json.",
	"No tokens yet.": "Aucun jeton pour l'instant.",
	"Token":          "Jeton",
	"Scopes":         "Droits",
	"Created":        "Créé",
	"Last used":      "Dernière utilisation",
	"Never":          "Jamais",
	"Make a token":   "Créer un jeton",
	"Who or what uses the token, e.g. CRM sync or Support bot.": "Qui ou quoi utilise le jeton, p. ex. synchronisation CRM ou bot d'assistance.",
	"Acts as": "Agit comme",
	"Messages the token sends carry this user's name, and it sees the chats this user may see. For a bot, make a user with Bot switched on.": "Les messages du jeton portent le nom de cet utilisateur, et il voit les chats que cet utilisateur peut voir. Pour un bot, créez un utilisateur avec Bot activé.",
	"Choose a user":                         "Choisir un utilisateur",
	"Make the token":                        "Créer le jeton",
	"Revoked":                               "Révoqué",
	"Revoke":                                "Révoquer",
	"Choose an active user of this tenant.": "Choisissez un utilisateur actif de ce locataire.",
	"Read chats and transcripts":            "Lire les chats et leurs transcriptions",
	"Send messages, close and transfer chats": "Envoyer des messages, clore et transférer des chats",
	"Read contacts":                       "Lire les contacts",
	"Change contacts":                     "Modifier les contacts",
	"Read reports":                        "Lire les rapports",
	"Read connectors, users and statuses": "Lire les connecteurs, utilisateurs et statuts",
}

func init() {
	for k, v := range frAPITokens {
		fr[k] = v
	}
}
