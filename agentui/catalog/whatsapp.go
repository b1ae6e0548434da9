package catalog

// The messages of WhatsApp chats (agentui/render.go: what became of a line on the customer's
// phone), German and French; merged into the tables when they are built.
func addWhatsApp(de, fr map[string]string) {
	for k, v := range map[string]string{
		"Sent to WhatsApp":          "An WhatsApp gesendet",
		"Delivered on WhatsApp":     "Auf WhatsApp zugestellt",
		"Read on WhatsApp":          "Auf WhatsApp gelesen",
		"Not delivered on WhatsApp": "Auf WhatsApp nicht zugestellt",
		"Not delivered on WhatsApp: the customer did not get this message.": "Auf WhatsApp nicht zugestellt: Der Kunde hat diese Nachricht nicht erhalten.",
		"Not delivered on WhatsApp: {0}":                                    "Auf WhatsApp nicht zugestellt: {0}",
	} {
		de[k] = v
	}
	for k, v := range map[string]string{
		"Sent to WhatsApp":          "Envoyé à WhatsApp",
		"Delivered on WhatsApp":     "Distribué sur WhatsApp",
		"Read on WhatsApp":          "Lu sur WhatsApp",
		"Not delivered on WhatsApp": "Non distribué sur WhatsApp",
		"Not delivered on WhatsApp: the customer did not get this message.": "Non distribué sur WhatsApp : le client n'a pas reçu ce message.",
		"Not delivered on WhatsApp: {0}":                                    "Non distribué sur WhatsApp : {0}",
	} {
		fr[k] = v
	}
}
