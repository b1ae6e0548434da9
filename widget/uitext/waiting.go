package uitext

// The texts of the waiting features: the sneak-peek notice, the details asked while waiting
// (write first), and the offer to leave a message when the wait is long.
const (
	PreviewNotice  = "previewNotice"
	PreviewOffNote = "previewOffNotice"
	PreviewTurnOff = "previewTurnOff"
	PreviewTurnOn  = "previewTurnOn"
	WriteFirstText = "writeFirstText"
	DetailsTitle   = "detailsTitle"
	DetailsSend    = "detailsSend"
	LongWait       = "longWait"
	WaitAnyway     = "waitAnyway"
)

func init() {
	for k, v := range map[string]string{
		PreviewNotice + "#en":  "The agent can see what you type before you send it.",
		PreviewNotice + "#de":  "Der Mitarbeiter sieht, was Sie schreiben, bevor Sie es senden.",
		PreviewNotice + "#fr":  "Le conseiller voit ce que vous écrivez avant l'envoi.",
		PreviewOffNote + "#en": "The agent sees your messages only once you send them.",
		PreviewOffNote + "#de": "Der Mitarbeiter sieht Ihre Nachrichten erst, wenn Sie sie senden.",
		PreviewOffNote + "#fr": "Le conseiller ne voit vos messages qu'une fois envoyés.",
		PreviewTurnOff + "#en": "Turn off", PreviewTurnOff + "#de": "Ausschalten", PreviewTurnOff + "#fr": "Désactiver",
		PreviewTurnOn + "#en": "Turn on", PreviewTurnOn + "#de": "Einschalten", PreviewTurnOn + "#fr": "Activer",
		WriteFirstText + "#en": "Hi there! Write your question below. We will ask for your details while you wait.",
		WriteFirstText + "#de": "Hallo! Schreiben Sie uns Ihre Frage. Ihre Angaben erfragen wir, während Sie warten.",
		WriteFirstText + "#fr": "Bonjour ! Écrivez votre question ci-dessous. Nous vous demanderons vos coordonnées pendant l'attente.",
		DetailsTitle + "#en":   "While you wait, please tell us who you are:",
		DetailsTitle + "#de":   "Während Sie warten: Bitte sagen Sie uns, wer Sie sind.",
		DetailsTitle + "#fr":   "Pendant l'attente, dites-nous qui vous êtes :",
		DetailsSend + "#en":    "Send details", DetailsSend + "#de": "Angaben senden", DetailsSend + "#fr": "Envoyer",
		LongWait + "#en":   "The wait is long right now: $time. Leave us a message and we will get back to you, or wait for an agent.",
		LongWait + "#de":   "Die Wartezeit ist gerade lang: $time. Hinterlassen Sie uns eine Nachricht, dann melden wir uns, oder warten Sie auf einen Mitarbeiter.",
		LongWait + "#fr":   "L'attente est longue en ce moment : $time. Laissez-nous un message et nous reviendrons vers vous, ou attendez un conseiller.",
		WaitAnyway + "#en": "Wait for an agent", WaitAnyway + "#de": "Auf einen Mitarbeiter warten", WaitAnyway + "#fr": "Attendre un conseiller",
	} {
		defaults[k] = v
	}
}
