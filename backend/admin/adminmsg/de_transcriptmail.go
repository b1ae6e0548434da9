package adminmsg

// deTranscriptMail are the German messages of a connector's transcript e-mail page; init adds
// them to the German table.
var deTranscriptMail = map[string]string{
	"Leave empty to use the tenant's sender from the E-mail page.": "Leer lassen, um den Absender des Mandanten von der Seite E-Mail zu verwenden.",
	"One line; every placeholder but $Transcript$ may be used.":    "Eine Zeile; alle Platzhalter außer $Transcript$ sind erlaubt.",
	"Placeholders":               "Platzhalter",
	"Preview with a sample chat": "Vorschau mit einem Beispiel-Chat",
	"Scripts and unsafe elements are removed when it is saved; values are escaped. A text part is made from it.": "Skripte und unsichere Elemente werden beim Speichern entfernt; Werte werden maskiert. Daraus wird auch ein Textteil erzeugt.",
	"Send the transcript automatically when a chat closes":                                                       "Das Protokoll automatisch senden, wenn ein Chat endet",
	"Template": "Vorlage",
	"The message text with placeholders such as $Customer.Name$ and $Transcript$.": "Der Nachrichtentext mit Platzhaltern wie $Customer.Name$ und $Transcript$.",
	"The template is HTML": "Die Vorlage ist HTML",
	"To the e-mail address the visitor gave, once per chat.": "An die E-Mail-Adresse, die der Besucher angegeben hat, einmal je Chat.",
	"Transcript e-mail of {0}":                               "Protokoll-E-Mail von {0}",
	"Transcript e-mail":                                      "Protokoll-E-Mail",
	"Visitors get the transcript of their chat by e-mail when they ask for it, when they give their address in the post-chat survey, or automatically. The PDF transcript is always attached. Leave the subject or the template empty for Parley's own.": "Besucher erhalten das Protokoll ihres Chats per E-Mail, wenn sie danach fragen, wenn sie ihre Adresse in der Umfrage nach dem Chat angeben, oder automatisch. Das PDF-Protokoll ist immer angehängt. Betreff oder Vorlage leer lassen, um die von Parley zu verwenden.",
	"Open the transcript e-mail form when an agent closes a chat":                                       "Das Formular für die Protokoll-E-Mail öffnen, wenn ein Agent einen Chat beendet",
	"Prefilled with the visitor's address and this subject; the agent can edit it, send it or skip it.": "Vorausgefüllt mit der Adresse des Besuchers und diesem Betreff; der Agent kann es ändern, senden oder überspringen.",
}

func init() {
	for k, v := range deTranscriptMail {
		de[k] = v
	}
}
