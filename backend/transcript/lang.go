package transcript

import (
	"strings"
	"time"

	"github.com/parleychat/parley/shared/i18n"
)

// A transcript is read by whoever asked for it: an admin or agent in their language, a
// visitor (the mailed transcript) in the chat's. Its words are Parley's, not the
// conversation's, so they come from this small catalogue in English, German and French: a
// message's key is its English text with numbered placeholders ("{0}"), as in the admin
// pages' and the agent app's catalogues. Every call of say names its message as a string
// literal, so that a test finds each one and fails when a language lacks it.

// Languages are the languages a transcript is written in, English first (the fallback).
var Languages = []string{"en", "de", "fr"}

// Language picks the transcript's language for a reader's preference (a BCP 47 tag such as
// "de-AT"; empty is English).
func Language(reader string) string { return i18n.Match(Languages, reader) }

// Say is a message of the words around a transcript sent elsewhere (the e-mail that carries
// it) in lang, one of Languages: msg is an English string literal whose placeholders args
// fill, kept in this catalogue with the transcript's own.
func Say(lang, msg string, args ...string) string { return say(lang, msg, args...) }

// Date is a day as the transcript's reader writes it ("2 Mar 2026", "2. März 2026"), in its
// tenant's time zone.
func (t Transcript) Date(at time.Time) string { return formatIn(t.Reader, at.In(t.loc()), layoutDate) }

// DateTime is a time to the minute with its zone as the transcript's reader writes it, in its
// tenant's time zone.
func (t Transcript) DateTime(at time.Time) string {
	return formatIn(t.Reader, at.In(t.loc()), layoutPrinted)
}

// loc is the transcript's time zone, UTC when it has none.
func (t Transcript) loc() *time.Location {
	if t.Location == nil {
		return time.UTC
	}
	return t.Location
}

// say translates msg into lang (one of Languages) and fills its placeholders.
func say(lang, msg string, args ...string) string {
	if tr, ok := texts[lang][msg]; ok {
		msg = tr
	}
	return i18n.Fill(msg, args)
}

// texts maps a language to its translations of the English messages.
var texts = map[string]map[string]string{
	"de": {
		"{0} joined the chat":                     "{0} ist dem Chat beigetreten",
		"{0} joined the chat as a participant":    "{0} ist dem Chat als Teilnehmer beigetreten",
		"{0} joined the chat as an observer":      "{0} ist dem Chat als Beobachter beigetreten",
		"{0} joined the chat as a supervisor":     "{0} ist dem Chat als Supervisor beigetreten",
		"{0} left the chat":                       "{0} hat den Chat verlassen",
		"{0} left the chat as a participant":      "{0} hat den Chat als Teilnehmer verlassen",
		"{0} left the chat as an observer":        "{0} hat den Chat als Beobachter verlassen",
		"{0} left the chat as a supervisor":       "{0} hat den Chat als Supervisor verlassen",
		"The visitor":                             "Der Besucher",
		"An agent":                                "Ein Agent",
		"Visitor":                                 "Besucher",
		"Agent":                                   "Agent",
		"The chat went back to the queue ({0})":   "Der Chat ging zurück in die Warteschlange ({0})",
		"The chat is waiting for an agent":        "Der Chat wartet auf einen Agenten",
		"An agent accepted the chat":              "Ein Agent hat den Chat angenommen",
		"The visitor answered {0}: {1}":           "Antwort des Besuchers auf {0}: {1}",
		"Post-chat survey, {0}: {1}":              "Umfrage nach dem Chat, {0}: {1}",
		"Pre-chat":                                "Vor dem Chat",
		"Post-chat":                               "Nach dem Chat",
		"Other":                                   "Sonstige",
		"The visitor closed the chat":             "Der Besucher hat den Chat beendet",
		"The agent closed the chat":               "Der Agent hat den Chat beendet",
		"No agent was found in time":              "Es wurde nicht rechtzeitig ein Agent gefunden",
		"The visitor was away too long":           "Der Besucher war zu lange weg",
		"Out of service or outside opening hours": "Außer Betrieb oder außerhalb der Öffnungszeiten",
		"The visitor was idle too long":           "Der Besucher war zu lange inaktiv",
		"The visitor left a message":              "Der Besucher hat eine Nachricht hinterlassen",
		"The chat ended":                          "Der Chat wurde beendet",
		"The chat ended ({0})":                    "Der Chat wurde beendet ({0})",
		"another agent":                           "einen anderen Agenten",
		"{0} asked to transfer the chat to {1}":   "{0} hat gebeten, den Chat an {1} zu übergeben",
		"Note for {0}: {1}":                       "Notiz für {0}: {1}",
		"The chat was transferred to {0}":         "Der Chat wurde an {0} übergeben",
		"The transfer to {0} failed ({1})":        "Die Übergabe an {0} ist fehlgeschlagen ({1})",
		"Chat transcript: {0}, {1}":               "Chatprotokoll: {0}, {1}",
		"Chat transcript":                         "Chatprotokoll",
		"Chat between colleagues":                 "Chat unter Kollegen",
		"between colleagues":                      "unter Kollegen",
		"Chat {0}":                                "Chat {0}",
		"still open":                              "noch offen",
		"{0} so far":                              "bisher {0}",
		"E-mail":                                  "E-Mail",
		"Phone":                                   "Telefon",
		"Customer":                                "Kunde",
		"Language":                                "Sprache",
		"Connector":                               "Connector",
		"Started":                                 "Beginn",
		"Ended":                                   "Ende",
		"Duration":                                "Dauer",
		"Close cause":                             "Endegrund",
		"Time zone":                               "Zeitzone",
		"Page":                                    "Seite",
		"Agents":                                  "Agenten",
		"{0}, still in the chat":                  "{0}, noch im Chat",
		"Conversation":                            "Gesprächsverlauf",
		"{0} (cont.)":                             "{0} (Forts.)",
		"Printed {0} by Parley":                   "Gedruckt am {0} von Parley",
		"Page {0} of {1}":                         "Seite {0} von {1}",
		"Nothing was written in this chat.":       "In diesem Chat wurde nichts geschrieben.",
		"(empty)":                                 "(leer)",
		"File: {0}":                               "Datei: {0}",
		"internal":                                "intern",
		"owner":                                   "Besitzer",
		"participant":                             "Teilnehmer",
		"observer":                                "Beobachter",
		"supervisor":                              "Supervisor",
		"Transcript of your chat with {0} on {1}": "Protokoll Ihres Chats mit {0} am {1}",
		"Transcript of your chat":                 "Protokoll Ihres Chats",
		"Transcript of your chat with {0}":        "Protokoll Ihres Chats mit {0}",
		"Started:":                                "Beginn:",
		"Ended:":                                  "Ende:",
		"Chat:":                                   "Chat:",
		"The transcript is attached as a PDF.":    "Das Protokoll ist als PDF angehängt.",
		"file: {0}":                               "Datei: {0}",
	},
	"fr": {
		"Transcript of your chat with {0} on {1}": "Transcription de votre chat avec {0} du {1}",
		"Transcript of your chat":                 "Transcription de votre chat",
		"Transcript of your chat with {0}":        "Transcription de votre chat avec {0}",
		"Started:":                                "Début :",
		"Ended:":                                  "Fin :",
		"Chat:":                                   "Chat :",
		"The transcript is attached as a PDF.":    "La transcription est jointe en PDF.",
		"file: {0}":                               "fichier : {0}",
		"{0} joined the chat":                     "{0} a rejoint le chat",
		"{0} joined the chat as a participant":    "{0} a rejoint le chat en tant que participant",
		"{0} joined the chat as an observer":      "{0} a rejoint le chat en tant qu'observateur",
		"{0} joined the chat as a supervisor":     "{0} a rejoint le chat en tant que superviseur",
		"{0} left the chat":                       "{0} a quitté le chat",
		"{0} left the chat as a participant":      "{0} a quitté le chat en tant que participant",
		"{0} left the chat as an observer":        "{0} a quitté le chat en tant qu'observateur",
		"{0} left the chat as a supervisor":       "{0} a quitté le chat en tant que superviseur",
		"The visitor":                             "Le visiteur",
		"An agent":                                "Un agent",
		"Visitor":                                 "Visiteur",
		"Agent":                                   "Agent",
		"The chat went back to the queue ({0})":   "Le chat est retourné dans la file d'attente ({0})",
		"The chat is waiting for an agent":        "Le chat attend un agent",
		"An agent accepted the chat":              "Un agent a accepté le chat",
		"The visitor answered {0}: {1}":           "Réponse du visiteur à {0} : {1}",
		"Post-chat survey, {0}: {1}":              "Enquête après le chat, {0} : {1}",
		"Pre-chat":                                "Avant le chat",
		"Post-chat":                               "Après le chat",
		"Other":                                   "Autre",
		"The visitor closed the chat":             "Le visiteur a fermé le chat",
		"The agent closed the chat":               "L'agent a fermé le chat",
		"No agent was found in time":              "Aucun agent n'a été trouvé à temps",
		"The visitor was away too long":           "Le visiteur est resté absent trop longtemps",
		"Out of service or outside opening hours": "Hors service ou en dehors des heures d'ouverture",
		"The visitor was idle too long":           "Le visiteur est resté inactif trop longtemps",
		"The visitor left a message":              "Le visiteur a laissé un message",
		"The chat ended":                          "Le chat est terminé",
		"The chat ended ({0})":                    "Le chat est terminé ({0})",
		"another agent":                           "un autre agent",
		"{0} asked to transfer the chat to {1}":   "{0} a demandé à transférer le chat à {1}",
		"Note for {0}: {1}":                       "Note pour {0} : {1}",
		"The chat was transferred to {0}":         "Le chat a été transféré à {0}",
		"The transfer to {0} failed ({1})":        "Le transfert à {0} a échoué ({1})",
		"Chat transcript: {0}, {1}":               "Transcription du chat : {0}, {1}",
		"Chat transcript":                         "Transcription du chat",
		"Chat between colleagues":                 "Chat entre collègues",
		"between colleagues":                      "entre collègues",
		"Chat {0}":                                "Chat {0}",
		"still open":                              "toujours ouvert",
		"{0} so far":                              "{0} jusqu'ici",
		"E-mail":                                  "E-mail",
		"Phone":                                   "Téléphone",
		"Customer":                                "Client",
		"Language":                                "Langue",
		"Connector":                               "Connecteur",
		"Started":                                 "Début",
		"Ended":                                   "Fin",
		"Duration":                                "Durée",
		"Close cause":                             "Motif de fin",
		"Time zone":                               "Fuseau horaire",
		"Page":                                    "Page",
		"Agents":                                  "Agents",
		"{0}, still in the chat":                  "{0}, toujours dans le chat",
		"Conversation":                            "Conversation",
		"{0} (cont.)":                             "{0} (suite)",
		"Printed {0} by Parley":                   "Imprimé le {0} par Parley",
		"Page {0} of {1}":                         "Page {0} sur {1}",
		"Nothing was written in this chat.":       "Rien n'a été écrit dans ce chat.",
		"(empty)":                                 "(vide)",
		"File: {0}":                               "Fichier : {0}",
		"internal":                                "interne",
		"owner":                                   "propriétaire",
		"participant":                             "participant",
		"observer":                                "observateur",
		"supervisor":                              "superviseur",
	},
}

// Date layouts of a transcript, by what they show; each language orders and punctuates them
// as it writes dates, and names days and months in its own words (see when).
const (
	layoutDate     = "date"     // 2 Mar 2026
	layoutFull     = "full"     // Mon 2 Mar 2026, 15:04:05 CET
	layoutDayTime  = "dayTime"  // 2 Mar 15:04:05
	layoutDateTime = "dateTime" // 2 Mar 2026 15:04
	layoutPrinted  = "printed"  // 2 Mar 2026, 15:04 CET
	layoutDay      = "day"      // Monday, 2 March 2026
)

var layouts = map[string]map[string]string{
	"en": {layoutDate: "2 Jan 2006", layoutFull: "Mon 2 Jan 2006, 15:04:05 MST", layoutDayTime: "2 Jan 15:04:05",
		layoutDateTime: "2 Jan 2006 15:04", layoutPrinted: "2 Jan 2006, 15:04 MST", layoutDay: "Monday, 2 January 2006"},
	"de": {layoutDate: "2. January 2006", layoutFull: "Mon, 2. January 2006, 15:04:05 MST", layoutDayTime: "2. January, 15:04:05",
		layoutDateTime: "2. January 2006, 15:04", layoutPrinted: "2. January 2006, 15:04 MST", layoutDay: "Monday, 2. January 2006"},
	"fr": {layoutDate: "2 January 2006", layoutFull: "Mon 2 January 2006, 15:04:05 MST", layoutDayTime: "2 January, 15:04:05",
		layoutDateTime: "2 January 2006, 15:04", layoutPrinted: "2 January 2006 à 15:04 MST", layoutDay: "Monday 2 January 2006"},
}

// names replaces Go's English day and month names, longest first so that "Monday" is not
// read as "Mon".
var names = map[string]*strings.Replacer{
	"de": strings.NewReplacer(
		"Monday", "Montag", "Tuesday", "Dienstag", "Wednesday", "Mittwoch", "Thursday", "Donnerstag", "Friday", "Freitag",
		"Saturday", "Samstag", "Sunday", "Sonntag",
		"January", "Januar", "February", "Februar", "March", "März", "April", "April", "May", "Mai", "June", "Juni",
		"July", "Juli", "August", "August", "September", "September", "October", "Oktober", "November", "November", "December", "Dezember",
		"Mon", "Mo.", "Tue", "Di.", "Wed", "Mi.", "Thu", "Do.", "Fri", "Fr.", "Sat", "Sa.", "Sun", "So."),
	"fr": strings.NewReplacer(
		"Monday", "lundi", "Tuesday", "mardi", "Wednesday", "mercredi", "Thursday", "jeudi", "Friday", "vendredi",
		"Saturday", "samedi", "Sunday", "dimanche",
		"January", "janvier", "February", "février", "March", "mars", "April", "avril", "May", "mai", "June", "juin",
		"July", "juillet", "August", "août", "September", "septembre", "October", "octobre", "November", "novembre", "December", "décembre",
		"Mon", "lun.", "Tue", "mar.", "Wed", "mer.", "Thu", "jeu.", "Fri", "ven.", "Sat", "sam.", "Sun", "dim."),
}

// formatIn writes t with a layout of layouts in lang.
func formatIn(lang string, t time.Time, layout string) string {
	l, ok := layouts[lang]
	if !ok {
		l = layouts["en"]
	}
	s := t.Format(l[layout])
	if r, ok := names[lang]; ok {
		// Only the names Go wrote are replaced: the zone abbreviation is kept apart.
		zone := t.Format("MST")
		if i := strings.LastIndex(s, zone); i >= 0 && strings.Contains(l[layout], "MST") {
			return r.Replace(s[:i]) + s[i:]
		}
		s = r.Replace(s)
	}
	return s
}
