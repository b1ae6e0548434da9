package adminmsg

// frExports are the French messages of the chat report export pages and of package
// reportexport's setting errors; init adds them to the French table.
var frExports = map[string]string{
	"Report export of {0}": "Export des rapports de {0}",
	"This address belongs to a private or local network, which Parley may not call. Ask the operator to allow it (PARLEY_WEBHOOK_ALLOW_PRIVATE) if the service runs there.": "Cette adresse appartient à un réseau privé ou local que Parley ne peut pas appeler. Demandez à l'exploitant de l'autoriser (PARLEY_WEBHOOK_ALLOW_PRIVATE) si le service s'y trouve.",
	"The host name cannot be resolved.": "Le nom d'hôte ne peut pas être résolu.",
	"All connectors":                    "Tous les connecteurs",
	"Report export log":                 "Journal des exports de rapports",
	"When a chat of this connector closes, Parley posts a report of it to your REST service: first the token post, when it has a URL, then the report export post. The report is the chat's PDF transcript. A service that does not answer with a 2xx status is tried again for about five hours.": "Quand un chat de ce connecteur se termine, Parley envoie un rapport à votre service REST : d'abord la requête de jeton, si elle a une URL, puis la requête d'export du rapport. Le rapport est la transcription PDF du chat. Un service qui ne répond pas avec un statut 2xx est relancé pendant environ cinq heures.",
	"Export log":                           "Journal des exports",
	"Export a report of every closed chat": "Exporter un rapport de chaque chat terminé",
	"Unchecked, nothing is sent; chats that close meanwhile are not sent later.": "Décoché, rien n'est envoyé ; les chats terminés entre-temps ne sont pas envoyés plus tard.",
	"Token post": "Requête de jeton",
	"URL":        "URL",
	"Where the token is fetched, e.g. https://myrestservice.example.com/service/GetToken. Empty: no token post.": "Où le jeton est obtenu, p. ex. https://myrestservice.example.com/service/GetToken. Vide : pas de requête de jeton.",
	"Header":                      "En-têtes",
	"One \"Name: value\" a line.": "Un « Nom: valeur » par ligne.",
	"Body":                        "Corps",
	"Sent as the Content-Type header says (a form when it says nothing).": "Envoyé selon l'en-tête Content-Type (un formulaire s'il manque).",
	"Report export post": "Requête d'export du rapport",
	"Where the report is posted, e.g. https://myrestservice.example.com/service/api/v1/Customers/Contacts.": "Où le rapport est envoyé, p. ex. https://myrestservice.example.com/service/api/v1/Customers/Contacts.",
	"Sent as the Content-Type header says (JSON when it says nothing).":                                     "Envoyé selon l'en-tête Content-Type (JSON s'il manque).",
	"XML template": "Modèle XML",
	"The document $xmlTemplate.encoded.base64 encodes; values are XML-escaped.": "Le document que $xmlTemplate.encoded.base64 encode ; les valeurs sont échappées pour XML.",
	"Save the report export": "Enregistrer l'export des rapports",
	"Placeholders":           "Variables",
	"Values are escaped for the text they go into: JSON in JSON bodies, form encoding in form bodies, XML in the XML template, URL encoding in URLs. $tokenResponse is known only in the report export post, $report in the XML template and the report export post. Write $$ for a dollar sign.": "Les valeurs sont échappées pour le texte où elles vont : JSON dans les corps JSON, encodage de formulaire dans les corps de formulaire, XML dans le modèle XML, encodage URL dans les URL. $tokenResponse n'est connu que dans la requête d'export, $report dans le modèle XML et la requête d'export. Écrivez $$ pour un signe dollar.",
	"Send a test": "Envoyer un test",
	"Exports the connector's newest closed chat now, or a sample chat when it has none, even when the export is off; the export log shows the answer. Save your changes first.": "Exporte maintenant le dernier chat terminé du connecteur, ou un chat d'exemple s'il n'y en a pas, même si l'export est désactivé ; le journal des exports montre la réponse. Enregistrez d'abord vos modifications.",
	"Send a test export": "Envoyer un export de test",
	"The newest chat report exports of this tenant and how they went. A pending export is tried again at its next attempt; a failed one was given up, with the last error. A replay exports the same chat again.": "Les derniers exports de rapports de ce client et leur issue. Un export en attente est relancé à sa prochaine tentative ; un export en échec a été abandonné, avec la dernière erreur. Renvoyer exporte à nouveau le même chat.",
	"No exports match.":                                        "Aucun export ne correspond.",
	"Report exports, newest first":                             "Exports de rapports, les plus récents d'abord",
	"The export settings must be text without NUL characters.": "Les réglages d'export doivent être du texte sans caractère NUL.",
	"Report export":                                            "Export des rapports",
	"This text may be at most {0} bytes long.":                 "Ce texte peut faire au plus {0} octets.",
	"This text may not hold NUL characters or invalid UTF-8.":  "Ce texte ne peut contenir ni caractère NUL ni UTF-8 invalide.",
	"{0} is not known yet at this step; the placeholders and where they may be used are listed below the form.": "{0} n'est pas encore connu à cette étape ; les variables et où les utiliser sont listées sous le formulaire.",
	"{0} is not a placeholder; the placeholders are listed below the form.":                                     "{0} n'est pas une variable ; les variables sont listées sous le formulaire.",
	"$tokenResponse needs a token post: enter the token post's URL.":                                            "$tokenResponse nécessite une requête de jeton : saisissez son URL.",
	"Enter the URL the reports are posted to.":                                                                  "Saisissez l'URL à laquelle les rapports sont envoyés.",
	"A URL is one line without spaces.":                                                                         "Une URL tient sur une ligne sans espaces.",
	"Enter a URL starting with https:// and a host name.":                                                       "Saisissez une URL commençant par https:// et un nom d'hôte.",
	"The URL may not hold a user name, a password or a #fragment.":                                              "L'URL ne peut contenir ni nom d'utilisateur, ni mot de passe, ni #fragment.",
	"Write each header as \"Name: value\", e.g. \"Content-Type: application/json\".":                            "Écrivez chaque en-tête sous la forme « Nom: valeur », p. ex. « Content-Type: application/json ».",
	"The XML template is not well-formed XML: {0}":                                                              "Le modèle XML n'est pas du XML bien formé : {0}",
	"The header says JSON, but the body is not valid JSON once its placeholders are filled in.":                 "L'en-tête annonce du JSON, mais le corps n'est pas du JSON valide une fois les variables remplies.",
}

func init() {
	for k, v := range frExports {
		fr[k] = v
	}
}
