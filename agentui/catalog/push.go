package catalog

// The texts of a test notification, sent from the admin pages' push delivery log to an
// administrator's own browser (backend/push), German and French; merged into the tables when
// they are built.
func addPush(de, fr map[string]string) {
	for k, v := range map[string]string{
		"Parley test notification":          "Parley-Testbenachrichtigung",
		"Notifications reach this browser.": "Benachrichtigungen erreichen diesen Browser.",
	} {
		de[k] = v
	}
	for k, v := range map[string]string{
		"Parley test notification":          "Notification de test Parley",
		"Notifications reach this browser.": "Les notifications parviennent à ce navigateur.",
	} {
		fr[k] = v
	}
}

// TestNotification is the title and body of a test notification in p's language.
func TestNotification(p Printer) (title, body string) {
	return p.T("Parley test notification"), p.T("Notifications reach this browser.")
}
