package adminmsg

// deTranslation are the German messages about translated chat lines; init adds them to the
// German table.
var deTranslation = map[string]string{
	"Translation ({0}):": "Übersetzung ({0}):",
}

func init() {
	for k, v := range deTranslation {
		de[k] = v
	}
}
