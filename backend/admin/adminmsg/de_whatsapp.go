package adminmsg

// deWhatsApp are the German messages of the WhatsApp delivery log; init adds them to the
// German table.
var deWhatsApp = map[string]string{
	"Customer":                 "Kunde",
	"Direction":                "Richtung",
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
