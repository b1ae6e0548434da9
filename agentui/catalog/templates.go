package catalog

// The WhatsApp template card's messages (agentui/templates.go), German and French; merged
// into the tables when they are built.
func addTemplates(de, fr map[string]string) {
	for k, v := range map[string]string{
		"Send an approved WhatsApp template": "Eine freigegebene WhatsApp-Vorlage senden",
		"The customer last wrote more than 24 hours ago: only an approved template reaches them now.": "Der Kunde hat vor mehr als 24 Stunden zuletzt geschrieben: Jetzt erreicht ihn nur eine freigegebene Vorlage.",
		"The templates could not be loaded. Check your connection and try again.":                     "Die Vorlagen konnten nicht geladen werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
		"This connector has no approved templates: an administrator adds them under Connectors.":      "Dieser Connector hat keine freigegebenen Vorlagen: Ein Administrator fügt sie unter Connectoren hinzu.",
		"Template":      "Vorlage",
		"Send template": "Vorlage senden",
	} {
		de[k] = v
	}
	for k, v := range map[string]string{
		"Send an approved WhatsApp template": "Envoyer un modèle WhatsApp approuvé",
		"The customer last wrote more than 24 hours ago: only an approved template reaches them now.": "Le client a écrit pour la dernière fois il y a plus de 24 heures : seul un modèle approuvé lui parvient désormais.",
		"The templates could not be loaded. Check your connection and try again.":                     "Les modèles n'ont pas pu être chargés. Vérifiez votre connexion et réessayez.",
		"This connector has no approved templates: an administrator adds them under Connectors.":      "Ce connecteur n'a aucun modèle approuvé : un administrateur les ajoute sous Connecteurs.",
		"Template":      "Modèle",
		"Send template": "Envoyer le modèle",
	} {
		fr[k] = v
	}
}
