package catalog

// The contact panel's messages (agentui/contact.go), German and French; merged into the
// tables when they are built.
func addContact(de, fr map[string]string) {
	for k, v := range map[string]string{
		"Contact":                         "Kontakt",
		"Company":                         "Firma",
		"Notes":                           "Notizen",
		"User id":                         "Benutzer-ID",
		"Verified":                        "Verifiziert",
		"Unverified":                      "Nicht verifiziert",
		"Edit contact":                    "Kontakt bearbeiten",
		"Save contact":                    "Kontakt speichern",
		"Saving…":                         "Wird gespeichert…",
		"Contact saved.":                  "Kontakt gespeichert.",
		"Cancel editing":                  "Bearbeiten abbrechen",
		"No contact yet.":                 "Noch kein Kontakt.",
		"The contact could not be saved.": "Der Kontakt konnte nicht gespeichert werden.",
		"The host page signed this user id: it is who they say they are.":                      "Die Website hat diese Benutzer-ID signiert: Die Person ist, wer sie vorgibt zu sein.",
		"The host page did not sign this user id, or the signature is wrong: do not trust it.": "Die Website hat diese Benutzer-ID nicht oder falsch signiert: Vertrauen Sie ihr nicht.",
	} {
		de[k] = v
	}
	for k, v := range map[string]string{
		"Contact":                         "Contact",
		"Company":                         "Entreprise",
		"Notes":                           "Notes",
		"User id":                         "Identifiant utilisateur",
		"Verified":                        "Vérifié",
		"Unverified":                      "Non vérifié",
		"Edit contact":                    "Modifier le contact",
		"Save contact":                    "Enregistrer le contact",
		"Saving…":                         "Enregistrement…",
		"Contact saved.":                  "Contact enregistré.",
		"Cancel editing":                  "Annuler la modification",
		"No contact yet.":                 "Pas encore de contact.",
		"The contact could not be saved.": "Le contact n’a pas pu être enregistré.",
		"The host page signed this user id: it is who they say they are.":                      "Le site a signé cet identifiant : la personne est bien celle qu’elle prétend être.",
		"The host page did not sign this user id, or the signature is wrong: do not trust it.": "Le site n’a pas signé cet identifiant, ou la signature est fausse : ne vous y fiez pas.",
	} {
		fr[k] = v
	}
}
