package adminmsg

// deWhatsApp are the German messages of the WhatsApp delivery log; init adds them to the
// German table.
var deWhatsApp = map[string]string{
	"Choose a connector.": "Wählen Sie einen Connector.",
	"Duplicate":           "Duplikat",
	"Enter the number in international form with its country code, such as +49 170 1234567.": "Geben Sie die Nummer international mit Ländervorwahl ein, etwa +49 170 1234567.",
	"In international form, such as +49 170 1234567.":                                        "International, etwa +49 170 1234567.",
	"Inbound":                             "Eingehend",
	"Open chat":                           "Chat öffnen",
	"Other":                               "Anderes",
	"Refused: not the connector's number": "Abgelehnt: nicht die Nummer des Connectors",
	"Sends a test message from a connector's WhatsApp number to the number you type, through the same outbox as the agents' lines; the log below shows it as a test. WhatsApp delivers it only to a number that wrote to the connector in the last 24 hours.": "Sendet eine Testnachricht von der WhatsApp-Nummer eines Connectors an die eingegebene Nummer, über denselben Postausgang wie die Nachrichten der Agenten; das Protokoll unten zeigt sie als Test. WhatsApp stellt sie nur einer Nummer zu, die dem Connector in den letzten 24 Stunden geschrieben hat.",
	"Sent to …{0}, which is not this connector's number.": "Gesendet an …{0}, das ist nicht die Nummer dieses Connectors.",
	"Test message": "Testnachricht",
	"This connector has no TynTec API key. Enter it in the connector's settings.":                               "Dieser Connector hat keinen TynTec-API-Schlüssel. Tragen Sie ihn in den Einstellungen des Connectors ein.",
	"TynTec refused this connector's API key (HTTP 401). Check the key in the connector's settings.":            "TynTec hat den API-Schlüssel dieses Connectors abgelehnt (HTTP 401). Prüfen Sie den Schlüssel in den Einstellungen des Connectors.",
	"WhatsApp is switched off on this connector. Switch it on and give its number in the connector's settings.": "WhatsApp ist bei diesem Connector ausgeschaltet. Schalten Sie es ein und tragen Sie die Nummer in den Einstellungen des Connectors ein.",
	"This is a test message from Parley's admin pages.":                                                         "Dies ist eine Testnachricht aus der Verwaltung von Parley.",
	"Customer":                 "Kunde",
	"Media":                    "Medien",
	"No WhatsApp lines match.": "Keine WhatsApp-Nachrichten gefunden.",
	"Outbound":                 "Ausgehend",
	"Read":                     "Gelesen",
	"The newest lines the agents of this tenant wrote to WhatsApp customers through TynTec, and what became of them. A line TynTec does not accept is retried; one it refuses, or one to a customer who last wrote more than 24 hours ago and that is no template, fails. The customer's number shows only its last four digits.": "Die neuesten Nachrichten, die die Agenten dieses Mandanten über TynTec an WhatsApp-Kunden geschrieben haben, und was aus ihnen wurde. Eine Nachricht, die TynTec nicht annimmt, wird erneut versucht; eine, die TynTec ablehnt, oder eine an einen Kunden, der vor mehr als 24 Stunden zuletzt geschrieben hat, und die keine Vorlage ist, schlägt fehl. Von der Nummer des Kunden werden nur die letzten vier Ziffern gezeigt.",
	"TynTec message id":            "TynTec-Nachrichten-ID",
	"WhatsApp delivery log":        "WhatsApp-Zustellprotokoll",
	"WhatsApp lines, newest first": "WhatsApp-Nachrichten, neueste zuerst",
}

func init() {
	for k, v := range deWhatsApp {
		de[k] = v
	}
}
