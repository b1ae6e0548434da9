package adminmsg

// deLeftMail are the German messages of answering left messages by e-mail; init adds them to
// the German table.
var deLeftMail = map[string]string{
	"New":                "Neu",
	"Replied":            "Beantwortet",
	"Replies":            "Antworten",
	"Reply by e-mail":    "Per E-Mail antworten",
	"Send reply":         "Antwort senden",
	"Your reply to {0}":  "Ihre Antwort an {0}",
	"{0} replied on {1}": "{0} antwortete am {1}",
	"e-mail sent":        "E-Mail gesendet",
	"e-mail pending":     "E-Mail wartet auf Zustellung",
	"e-mail failed: {0}": "E-Mail fehlgeschlagen: {0}",
	"Reply saved. It is sent by e-mail; the delivery log shows when.":                               "Antwort gespeichert. Sie wird per E-Mail gesendet; das Zustellprotokoll zeigt, wann.",
	"The e-mail quotes the visitor's message and continues the conversation in their mail program.": "Die E-Mail zitiert die Nachricht des Besuchers und setzt die Unterhaltung in seinem E-Mail-Programm fort.",
	"Write a reply first.":                                                                   "Schreiben Sie zuerst eine Antwort.",
	"The reply contains characters that cannot be sent.":                                     "Die Antwort enthält Zeichen, die nicht gesendet werden können.",
	"A reply has at most {0} characters.":                                                    "Eine Antwort hat höchstens {0} Zeichen.",
	"The visitor left no e-mail address to answer: call them if they left a phone number.":   "Der Besucher hat keine E-Mail-Adresse hinterlassen: Rufen Sie ihn an, falls er eine Telefonnummer angegeben hat.",
	"E-mail is not set up: enter the SMTP server and the sender address under E-mail first.": "E-Mail ist nicht eingerichtet: Tragen Sie zuerst unter E-Mail den SMTP-Server und die Absenderadresse ein.",
}

func init() {
	for k, v := range deLeftMail {
		de[k] = v
	}
}
