package adminmsg

// deAPITokens are the German messages of the API tokens page; init adds them to the
// German table.
var deAPITokens = map[string]string{
	"API tokens":    "API-Token",
	"New API token": "Neues API-Token",
	"This is the token's secret. It is shown only now: copy it to the program that calls the API. If it is lost, revoke the token and make a new one.":                                                                                                   "Das ist das Geheimnis des Tokens. Es wird nur jetzt angezeigt: Kopieren Sie es in das Programm, das die API aufruft. Geht es verloren, widerrufen Sie das Token und erstellen Sie ein neues.",
	"Programs call the REST API at /api/v1 with a token: Authorization: Bearer <token>. A token acts as the user it was made for, with the scopes it was given; messages it sends carry that user's name. The API is described at /api/v1/openapi.json.": "Programme rufen die REST-API unter /api/v1 mit einem Token auf: Authorization: Bearer <Token>. Ein Token handelt als der Benutzer, für den es erstellt wurde, mit den ihm gegebenen Berechtigungen; seine Nachrichten tragen den Namen dieses Benutzers. Die API ist unter /api/v1/openapi.json beschrieben.",
	"No tokens yet.": "Noch keine Token.",
	"Token":          "Token",
	"Scopes":         "Berechtigungen",
	"Created":        "Erstellt",
	"Last used":      "Zuletzt benutzt",
	"Never":          "Nie",
	"Make a token":   "Token erstellen",
	"Who or what uses the token, e.g. CRM sync or Support bot.": "Wer oder was das Token benutzt, z. B. CRM-Abgleich oder Support-Bot.",
	"Acts as": "Handelt als",
	"Messages the token sends carry this user's name, and it sees the chats this user may see. For a bot, make a user with Bot switched on.": "Nachrichten des Tokens tragen den Namen dieses Benutzers, und es sieht die Chats, die dieser Benutzer sehen darf. Für einen Bot legen Sie einen Benutzer mit eingeschaltetem Bot an.",
	"Choose a user":                         "Benutzer wählen",
	"Make the token":                        "Token erstellen",
	"Revoked":                               "Widerrufen",
	"Revoke":                                "Widerrufen",
	"Choose an active user of this tenant.": "Wählen Sie einen aktiven Benutzer dieses Mandanten.",
	"Read chats and transcripts":            "Chats und Protokolle lesen",
	"Send messages, close and transfer chats": "Nachrichten senden, Chats beenden und weiterleiten",
	"Read contacts":                       "Kontakte lesen",
	"Change contacts":                     "Kontakte ändern",
	"Read reports":                        "Berichte lesen",
	"Read connectors, users and statuses": "Connectoren, Benutzer und Status lesen",
}

func init() {
	for k, v := range deAPITokens {
		de[k] = v
	}
}
