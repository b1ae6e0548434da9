package adminmsg

// deExports are the German messages of the chat report export pages and of package
// reportexport's setting errors; init adds them to the German table.
var deExports = map[string]string{
	"Report export of {0}": "Berichtsexport von {0}",
	"This address belongs to a private or local network, which Parley may not call. Ask the operator to allow it (PARLEY_WEBHOOK_ALLOW_PRIVATE) if the service runs there.": "Diese Adresse gehört zu einem privaten oder lokalen Netz, das Parley nicht aufrufen darf. Bitten Sie den Betreiber, es zu erlauben (PARLEY_WEBHOOK_ALLOW_PRIVATE), wenn der Dienst dort läuft.",
	"The host name cannot be resolved.": "Der Hostname lässt sich nicht auflösen.",
	"All connectors":                    "Alle Connectoren",
	"Report export log":                 "Protokoll des Berichtsexports",
	"When a chat of this connector closes, Parley posts a report of it to your REST service: first the token post, when it has a URL, then the report export post. The report is the chat's PDF transcript. A service that does not answer with a 2xx status is tried again for about five hours.": "Wenn ein Chat dieses Connectors endet, sendet Parley einen Bericht darüber an Ihren REST-Dienst: zuerst den Token-Post, wenn er eine URL hat, dann den Berichtsexport-Post. Der Bericht ist das PDF-Protokoll des Chats. Ein Dienst, der nicht mit einem 2xx-Status antwortet, wird etwa fünf Stunden lang erneut versucht.",
	"Export log":                           "Exportprotokoll",
	"Export a report of every closed chat": "Von jedem beendeten Chat einen Bericht exportieren",
	"Unchecked, nothing is sent; chats that close meanwhile are not sent later.": "Nicht angehakt wird nichts gesendet; Chats, die in dieser Zeit enden, werden nicht nachgeliefert.",
	"Token post": "Token-Post",
	"URL":        "URL",
	"Where the token is fetched, e.g. https://myrestservice.example.com/service/GetToken. Empty: no token post.": "Wo das Token geholt wird, z. B. https://myrestservice.example.com/service/GetToken. Leer: kein Token-Post.",
	"Header":                      "Header",
	"One \"Name: value\" a line.": "Ein „Name: Wert“ je Zeile.",
	"Body":                        "Body",
	"Sent as the Content-Type header says (a form when it says nothing).": "Gesendet, wie der Content-Type-Header sagt (ein Formular, wenn er fehlt).",
	"Report export post": "Berichtsexport-Post",
	"Where the report is posted, e.g. https://myrestservice.example.com/service/api/v1/Customers/Contacts.": "Wohin der Bericht gesendet wird, z. B. https://myrestservice.example.com/service/api/v1/Customers/Contacts.",
	"Sent as the Content-Type header says (JSON when it says nothing).":                                     "Gesendet, wie der Content-Type-Header sagt (JSON, wenn er fehlt).",
	"XML template": "XML-Vorlage",
	"The document $xmlTemplate.encoded.base64 encodes; values are XML-escaped.": "Das Dokument, das $xmlTemplate.encoded.base64 kodiert; Werte werden für XML maskiert.",
	"Save the report export": "Berichtsexport speichern",
	"Placeholders":           "Platzhalter",
	"Values are escaped for the text they go into: JSON in JSON bodies, form encoding in form bodies, XML in the XML template, URL encoding in URLs. $tokenResponse is known only in the report export post, $report in the XML template and the report export post. Write $$ for a dollar sign.": "Werte werden für den Text maskiert, in den sie kommen: JSON in JSON-Bodys, Formularkodierung in Formular-Bodys, XML in der XML-Vorlage, URL-Kodierung in URLs. $tokenResponse ist nur im Berichtsexport-Post bekannt, $report in der XML-Vorlage und im Berichtsexport-Post. $$ schreibt ein Dollarzeichen.",
	"Send a test": "Test senden",
	"Exports the connector's newest closed chat now, or a sample chat when it has none, even when the export is off; the export log shows the answer. Save your changes first.": "Exportiert jetzt den neuesten beendeten Chat des Connectors oder, wenn es keinen gibt, einen Beispielchat, auch wenn der Export aus ist; das Exportprotokoll zeigt die Antwort. Speichern Sie Ihre Änderungen zuerst.",
	"Send a test export": "Testexport senden",
	"The newest chat report exports of this tenant and how they went. A pending export is tried again at its next attempt; a failed one was given up, with the last error. A replay exports the same chat again.": "Die neuesten Berichtsexporte dieses Mandanten und wie sie verliefen. Ein ausstehender Export wird beim nächsten Versuch erneut versucht; ein fehlgeschlagener wurde mit dem letzten Fehler aufgegeben. Erneut senden exportiert denselben Chat noch einmal.",
	"No exports match.":                                        "Keine Exporte gefunden.",
	"Report exports, newest first":                             "Berichtsexporte, neueste zuerst",
	"The export settings must be text without NUL characters.": "Die Exporteinstellungen müssen Text ohne NUL-Zeichen sein.",
	"Report export":                                            "Berichtsexport",
	"This text may be at most {0} bytes long.":                 "Dieser Text darf höchstens {0} Bytes lang sein.",
	"This text may not hold NUL characters or invalid UTF-8.":  "Dieser Text darf keine NUL-Zeichen und kein ungültiges UTF-8 enthalten.",
	"{0} is not known yet at this step; the placeholders and where they may be used are listed below the form.": "{0} ist in diesem Schritt noch nicht bekannt; die Platzhalter und wo sie verwendet werden dürfen, stehen unter dem Formular.",
	"{0} is not a placeholder; the placeholders are listed below the form.":                                     "{0} ist kein Platzhalter; die Platzhalter stehen unter dem Formular.",
	"$tokenResponse needs a token post: enter the token post's URL.":                                            "$tokenResponse braucht einen Token-Post: Geben Sie dessen URL ein.",
	"Enter the URL the reports are posted to.":                                                                  "Geben Sie die URL ein, an die die Berichte gesendet werden.",
	"A URL is one line without spaces.":                                                                         "Eine URL ist eine Zeile ohne Leerzeichen.",
	"Enter a URL starting with https:// and a host name.":                                                       "Geben Sie eine URL ein, die mit https:// und einem Hostnamen beginnt.",
	"The URL may not hold a user name, a password or a #fragment.":                                              "Die URL darf keinen Benutzernamen, kein Passwort und kein #Fragment enthalten.",
	"Write each header as \"Name: value\", e.g. \"Content-Type: application/json\".":                            "Schreiben Sie jeden Header als „Name: Wert“, z. B. „Content-Type: application/json“.",
	"The XML template is not well-formed XML: {0}":                                                              "Die XML-Vorlage ist kein wohlgeformtes XML: {0}",
	"The header says JSON, but the body is not valid JSON once its placeholders are filled in.":                 "Der Header sagt JSON, aber der Body ist mit eingesetzten Platzhaltern kein gültiges JSON.",
}

func init() {
	for k, v := range deExports {
		de[k] = v
	}
}
