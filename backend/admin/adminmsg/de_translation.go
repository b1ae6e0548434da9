package adminmsg

// deTranslation are the German messages about translated chat lines; init adds them to the
// German table.
var deTranslation = map[string]string{
	"Applies to every chat of this tenant: the website widget, the agent app and WhosOn clients. When the visitor's language is not the agent's, the visitor's lines reach the agent translated and the agent's lines reach the visitor translated; both sides, transcripts and the archive keep the original too. A line whose translation fails is sent as written.": "Gilt für jeden Chat dieses Mandanten: im Website-Widget, in der Agenten-App und bei WhosOn-Clients. Spricht der Besucher eine andere Sprache als der Agent, erreichen die Zeilen des Besuchers den Agenten übersetzt und die des Agenten den Besucher übersetzt; beide Seiten, Transkripte und das Archiv behalten auch das Original. Eine Zeile, deren Übersetzung fehlschlägt, wird so gesendet, wie sie geschrieben wurde.",
	"Calls to the translation service, newest first": "Aufrufe des Übersetzungsdienstes, neueste zuerst",
	"Characters":          "Zeichen",
	"Error":               "Fehler",
	"Into":                "Nach",
	"Latency":             "Dauer",
	"No calls match.":     "Keine passenden Aufrufe.",
	"Recent translations": "Letzte Übersetzungen",
	"The newest calls to the service, tests included: when, which languages, how long the text was and how the service answered. The chat text itself is not kept.": "Die neuesten Aufrufe des Dienstes, Tests eingeschlossen: wann, welche Sprachen, wie lang der Text war und wie der Dienst antwortete. Der Chattext selbst wird nicht gespeichert.",
	"The service could not translate the sample into {0}:": "Der Dienst konnte das Beispiel nicht nach {0} übersetzen:",
	"The service translated the sample into {0}:":          "Der Dienst hat das Beispiel nach {0} übersetzt:",
	"Timed out":            "Zeitüberschreitung",
	"Translate the sample": "Beispiel übersetzen",
	"Translated":           "Übersetzt",
	"Translates an English sample sentence through the saved service now, even while translation is off, and shows the answer. Save changes first.": "Übersetzt jetzt einen englischen Beispielsatz mit dem gespeicherten Dienst, auch wenn die Übersetzung ausgeschaltet ist, und zeigt die Antwort. Speichern Sie Änderungen zuerst.",
	"Translation of chats": "Übersetzung von Chats",
	"WhosOn clients' chats are translated like every other chat:": "Chats von WhosOn-Clients werden wie jeder andere Chat übersetzt:",
	"Translation ({0}):": "Übersetzung ({0}):",
}

func init() {
	for k, v := range deTranslation {
		de[k] = v
	}
}
