package adminmsg

// frTranslation are the French messages about translated chat lines; init adds them to the
// French table.
var frTranslation = map[string]string{
	"Translation ({0}):": "Traduction ({0}) :",
}

func init() {
	for k, v := range frTranslation {
		fr[k] = v
	}
}
