// Package uitext holds the visitor widget's own interface strings (button labels, prompts,
// status lines) in English, German and French, and looks texts up the way jtel message
// resources work: "key#lang", then "key#base", then "key". A page's configuration and the
// connector's resources may override any of them, so a site can reword the widget without a
// new build; connector keys (bye, agentTyping, ...) fall back to the shared defaults.
package uitext

import (
	"strconv"
	"strings"

	"github.com/parleychat/parley/shared/numfmt"
	"github.com/parleychat/parley/shared/texts"
)

// The widget's interface text keys (MiCC toolbox resource names where one exists).
const (
	Title              = "title"
	Loading            = "loading"
	WelcomeText        = "welcomeText"
	EnterName          = "enterName"
	EnterEmail         = "enterEmail"
	AskAQuestion       = "askAQuestion"
	NameRequired       = "nameRequired"
	StartChat          = "startChat"
	Send               = "send"
	SendTheMessage     = "sendTheMessage"
	CloseChat          = "closeChat"
	ReallyClose        = "reallyClose"
	Yes                = "yes"
	No                 = "no"
	Minimize           = "minimize"
	Restart            = "restart"
	Reconnecting       = "reconnecting"
	Offline            = "offline"
	Online             = "online"
	ChatRequested      = "chatRequested"
	QueuePosition      = "queuePosition"
	EstimatedWaitTime  = "estimatedWaitTime"
	Minute             = "minute"
	Minutes            = "minutes"
	LessThanMinute     = "lessThanMinute"
	NamedAgentJoined   = "namedAgentJoined"
	AnonymousAgent     = "anonymousAgentJoined"
	NamedAgentLeft     = "namedAgentLeft"
	AnonymousLeft      = "anonymousAgentLeft"
	AnonymousTyping    = "anonymousAgentTyping"
	ChattingWith       = "chattingWith"
	ChattingAnonymous  = "chattingAnonymous"
	Terminated         = "terminated"
	ChatUnavailable    = "chatUnavailable"
	OriginRefused      = "originRefused"
	UnknownConnector   = "unknownConnector"
	ErrorOccurred      = "errorOccurred"
	ErrorSending       = "errorSendingMessage"
	ErrorRequesting    = "errorRequestingChat"
	Sending            = "sending"
	Retry              = "retry"
	You                = "you"
	Agent              = "agent"
	NewMessageFrom     = "newMessageFrom"
	ChatLog            = "chatLog"
	MessageTooLong     = "messageTooLong"
	SessionExpired     = "sessionExpired"
	ConnectionProblems = "connectionProblems"

	// Survey forms: the pre-chat fields, the post-chat survey, a field the agent asks for.
	Choose          = "choose"
	RatingStar      = "ratingStar"
	PostChatTitle   = "postChatTitle"
	PostChatIntro   = "postChatIntro"
	SubmitSurvey    = "submitSurvey"
	Skip            = "skip"
	SurveyThanks    = "surveyThanks"
	AgentAsks       = "agentAsks"
	SendAnswer      = "sendAnswer"
	NotNow          = "notNow"
	AgentAsksFile   = "agentAsksFile"
	FieldSent       = "fieldSent"
	CheckTheFields  = "checkTheFields"
	SurveyRequired  = "surveyRequired"
	SurveyChoose    = "surveyChoose"
	SurveyTick      = "surveyTick"
	SurveyTooLong   = "surveyTooLong"
	SurveyNumber    = "surveyNumber"
	SurveyRange     = "surveyRange"
	SurveyMin       = "surveyMin"
	SurveyMax       = "surveyMax"
	SurveyDate      = "surveyDate"
	SurveyTime      = "surveyTime"
	SurveyEmail     = "surveyEmail"
	SurveyNotOption = "surveyNotOption"
	SurveyFormat    = "surveyFormat"
	SurveyInvalid   = "surveyInvalid"

	// Files: the attach button, an upload on its way, the reasons a file is refused, sizes.
	AttachFile       = "attachFile"
	Uploading        = "uploading"
	FileTypeRefused  = "fileTypeRefused"
	FileNoType       = "fileNoType"
	FileTypesAllowed = "fileTypesAllowed"
	FileTooLarge     = "fileTooLarge"
	FileBadName      = "fileBadName"
	FileFailed       = "fileFailed"

	// Words a page or connector may add, empty unless set: the post-chat page's text and link
	// (MiCC PostText, PostUrl, PostUrlText) and the end of a chat closed for idleness (MiCC
	// SessionTimeout), which otherwise says Terminated.
	PostText       = "postText"
	PostURL        = "postUrl"
	PostURLText    = "postUrlText"
	SessionTimeout = "sessionTimeout"

	// Leave a message: the button after a chat no agent took, the form, its checks, the thanks.
	LeaveMessage         = "leaveMessage"
	LeaveTitle           = "leaveTitle"
	LeaveIntro           = "leaveIntro"
	LeaveEmail           = "leaveEmail"
	LeavePhone           = "leavePhone"
	LeaveText            = "leaveText"
	LeaveSend            = "leaveSend"
	LeaveCancel          = "leaveCancel"
	LeaveContactRequired = "leaveContactRequired"
	LeaveTextRequired    = "leaveTextRequired"
	LeaveThanks          = "leaveThanks"

	// "Send me the transcript" (WhosOn Transcript).
	TranscriptButton = "transcriptButton"
	TranscriptEmail  = "transcriptEmail"
	TranscriptSend   = "transcriptSend"
	TranscriptCancel = "transcriptCancel"
	TranscriptSent   = "transcriptSent"
	TranscriptLimit  = "transcriptLimit"
	TranscriptFailed = "transcriptFailed"
	// Translated chats: the mark under an agent's line the visitor reads translated (it
	// opens the original) and the label of the choice of the chat's language.
	Translated   = "translatedLine"
	ChatLanguage = "chatLanguage"
)

// defaults are the shipped interface texts by "key#lang".
var defaults = map[string]string{
	Title + "#en": "Chat with us", Title + "#de": "Chatten Sie mit uns", Title + "#fr": "Discutez avec nous",
	Loading + "#en": "Loading chat…", Loading + "#de": "Chat wird geladen …", Loading + "#fr": "Chargement du chat…",
	WelcomeText + "#en": "Hi there! Tell us your name and how we can help. An agent will be with you shortly.",
	WelcomeText + "#de": "Hallo! Nennen Sie uns Ihren Namen und Ihr Anliegen. Gleich ist jemand für Sie da.",
	WelcomeText + "#fr": "Bonjour ! Indiquez votre nom et votre question. Un conseiller vous répond dans un instant.",
	EnterName + "#en":   "Your name", EnterName + "#de": "Ihr Name", EnterName + "#fr": "Votre nom",
	EnterEmail + "#en": "E-mail (optional)", EnterEmail + "#de": "E-Mail (optional)", EnterEmail + "#fr": "E-mail (facultatif)",
	AskAQuestion + "#en": "How can we help?", AskAQuestion + "#de": "Wie können wir helfen?", AskAQuestion + "#fr": "Comment pouvons-nous vous aider ?",
	NameRequired + "#en": "Please enter your name.", NameRequired + "#de": "Bitte geben Sie Ihren Namen ein.", NameRequired + "#fr": "Veuillez saisir votre nom.",
	StartChat + "#en": "Start chat", StartChat + "#de": "Chat starten", StartChat + "#fr": "Démarrer le chat",
	Send + "#en": "Send", Send + "#de": "Senden", Send + "#fr": "Envoyer",
	SendTheMessage + "#en": "Send the message", SendTheMessage + "#de": "Nachricht senden", SendTheMessage + "#fr": "Envoyer le message",
	CloseChat + "#en": "End chat", CloseChat + "#de": "Chat beenden", CloseChat + "#fr": "Terminer le chat",
	ReallyClose + "#en": "End this chat?", ReallyClose + "#de": "Diesen Chat beenden?", ReallyClose + "#fr": "Terminer cette conversation ?",
	Yes + "#en": "Yes, end chat", Yes + "#de": "Ja, beenden", Yes + "#fr": "Oui, terminer",
	No + "#en": "No, continue", No + "#de": "Nein, weiter", No + "#fr": "Non, continuer",
	Minimize + "#en": "Minimize chat", Minimize + "#de": "Chat minimieren", Minimize + "#fr": "Réduire le chat",
	Restart + "#en": "Start a new chat", Restart + "#de": "Neuen Chat starten", Restart + "#fr": "Nouvelle conversation",
	Reconnecting + "#en": "Connection lost. Reconnecting…", Reconnecting + "#de": "Verbindung unterbrochen. Verbinde neu …", Reconnecting + "#fr": "Connexion perdue. Reconnexion…",
	Offline + "#en": "We are offline", Offline + "#de": "Wir sind offline", Offline + "#fr": "Nous sommes hors ligne",
	Online + "#en": "We usually reply in a few minutes", Online + "#de": "Wir antworten meist in wenigen Minuten", Online + "#fr": "Nous répondons en général en quelques minutes",
	ChatRequested + "#en": "Waiting for an agent…", ChatRequested + "#de": "Warten auf einen Mitarbeiter …", ChatRequested + "#fr": "En attente d'un conseiller…",
	QueuePosition + "#en": "You are number $n in the queue.", QueuePosition + "#de": "Sie sind an Position $n in der Warteschlange.", QueuePosition + "#fr": "Vous êtes en position $n dans la file d'attente.",
	EstimatedWaitTime + "#en": "Estimated wait: $time", EstimatedWaitTime + "#de": "Geschätzte Wartezeit: $time", EstimatedWaitTime + "#fr": "Attente estimée : $time",
	Minute + "#en": "about 1 minute", Minute + "#de": "etwa 1 Minute", Minute + "#fr": "environ 1 minute",
	Minutes + "#en": "about $n minutes", Minutes + "#de": "etwa $n Minuten", Minutes + "#fr": "environ $n minutes",
	LessThanMinute + "#en": "less than a minute", LessThanMinute + "#de": "weniger als eine Minute", LessThanMinute + "#fr": "moins d'une minute",
	NamedAgentJoined + "#en": "$agent joined the chat", NamedAgentJoined + "#de": "$agent ist dem Chat beigetreten", NamedAgentJoined + "#fr": "$agent a rejoint la conversation",
	AnonymousAgent + "#en": "An agent joined the chat", AnonymousAgent + "#de": "Ein Mitarbeiter ist dem Chat beigetreten", AnonymousAgent + "#fr": "Un conseiller a rejoint la conversation",
	NamedAgentLeft + "#en": "$agent left the chat", NamedAgentLeft + "#de": "$agent hat den Chat verlassen", NamedAgentLeft + "#fr": "$agent a quitté la conversation",
	AnonymousLeft + "#en": "The agent left the chat", AnonymousLeft + "#de": "Der Mitarbeiter hat den Chat verlassen", AnonymousLeft + "#fr": "Le conseiller a quitté la conversation",
	AnonymousTyping + "#en": "The agent is typing…", AnonymousTyping + "#de": "Der Mitarbeiter schreibt …", AnonymousTyping + "#fr": "Le conseiller écrit…",
	ChattingWith + "#en": "You are chatting with $agent", ChattingWith + "#de": "Sie chatten mit $agent", ChattingWith + "#fr": "Vous discutez avec $agent",
	ChattingAnonymous + "#en": "You are chatting with an agent", ChattingAnonymous + "#de": "Sie chatten mit einem Mitarbeiter", ChattingAnonymous + "#fr": "Vous discutez avec un conseiller",
	Terminated + "#en": "The chat has ended.", Terminated + "#de": "Der Chat wurde beendet.", Terminated + "#fr": "La conversation est terminée.",
	ChatUnavailable + "#en": "Chat is not available right now.", ChatUnavailable + "#de": "Der Chat ist derzeit nicht verfügbar.", ChatUnavailable + "#fr": "Le chat n'est pas disponible pour le moment.",
	OriginRefused + "#en":    "This chat cannot be used on this website. (The site's address is not allowed for this chat connector.)",
	OriginRefused + "#de":    "Dieser Chat kann auf dieser Website nicht verwendet werden. (Die Adresse der Website ist für diesen Chat-Connector nicht freigegeben.)",
	OriginRefused + "#fr":    "Ce chat ne peut pas être utilisé sur ce site. (L'adresse du site n'est pas autorisée pour ce connecteur de chat.)",
	UnknownConnector + "#en": "This chat does not exist. Please check the connector code in the embed snippet.",
	UnknownConnector + "#de": "Diesen Chat gibt es nicht. Bitte prüfen Sie den Connector-Code im Einbettungscode.",
	UnknownConnector + "#fr": "Ce chat n'existe pas. Vérifiez le code du connecteur dans l'extrait d'intégration.",
	ErrorOccurred + "#en":    "Something went wrong. Please try again.", ErrorOccurred + "#de": "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.", ErrorOccurred + "#fr": "Une erreur s'est produite. Veuillez réessayer.",
	ErrorSending + "#en": "Not sent.", ErrorSending + "#de": "Nicht gesendet.", ErrorSending + "#fr": "Non envoyé.",
	ErrorRequesting + "#en": "The chat could not be started. Please try again.", ErrorRequesting + "#de": "Der Chat konnte nicht gestartet werden. Bitte versuchen Sie es erneut.", ErrorRequesting + "#fr": "Le chat n'a pas pu démarrer. Veuillez réessayer.",
	Sending + "#en": "Sending…", Sending + "#de": "Wird gesendet …", Sending + "#fr": "Envoi…",
	Retry + "#en": "Retry", Retry + "#de": "Erneut versuchen", Retry + "#fr": "Réessayer",
	You + "#en": "You", You + "#de": "Sie", You + "#fr": "Vous",
	Agent + "#en": "Agent", Agent + "#de": "Mitarbeiter", Agent + "#fr": "Conseiller",
	NewMessageFrom + "#en": "New message from $agent", NewMessageFrom + "#de": "Neue Nachricht von $agent", NewMessageFrom + "#fr": "Nouveau message de $agent",
	ChatLog + "#en": "Chat messages", ChatLog + "#de": "Chatnachrichten", ChatLog + "#fr": "Messages du chat",
	MessageTooLong + "#en": "Your message is too long ($n of $max characters).", MessageTooLong + "#de": "Ihre Nachricht ist zu lang ($n von $max Zeichen).", MessageTooLong + "#fr": "Votre message est trop long ($n sur $max caractères).",
	SessionExpired + "#en": "Your previous chat has ended.", SessionExpired + "#de": "Ihr vorheriger Chat ist beendet.", SessionExpired + "#fr": "Votre conversation précédente est terminée.",
	ConnectionProblems + "#en": "Cannot reach the chat server. Retrying…", ConnectionProblems + "#de": "Der Chat-Server ist nicht erreichbar. Neuer Versuch …", ConnectionProblems + "#fr": "Serveur de chat injoignable. Nouvel essai…",

	Choose + "#en": "Please choose…", Choose + "#de": "Bitte wählen …", Choose + "#fr": "Veuillez choisir…",
	RatingStar + "#en": "$n of $max stars", RatingStar + "#de": "$n von $max Sternen", RatingStar + "#fr": "$n sur $max étoiles",
	PostChatTitle + "#en": "How did we do?", PostChatTitle + "#de": "Wie war der Chat?", PostChatTitle + "#fr": "Votre avis nous intéresse",
	PostChatIntro + "#en": "Please answer a few questions about your chat.", PostChatIntro + "#de": "Bitte beantworten Sie ein paar Fragen zu Ihrem Chat.", PostChatIntro + "#fr": "Merci de répondre à quelques questions sur votre conversation.",
	SubmitSurvey + "#en": "Send feedback", SubmitSurvey + "#de": "Feedback senden", SubmitSurvey + "#fr": "Envoyer mon avis",
	Skip + "#en": "Skip", Skip + "#de": "Überspringen", Skip + "#fr": "Passer",
	SurveyThanks + "#en": "Thank you for your feedback!", SurveyThanks + "#de": "Vielen Dank für Ihr Feedback!", SurveyThanks + "#fr": "Merci pour votre avis !",
	AgentAsks + "#en": "The agent asks for this information:", AgentAsks + "#de": "Der Mitarbeiter bittet um diese Angabe:", AgentAsks + "#fr": "Le conseiller vous demande cette information :",
	SendAnswer + "#en": "Send answer", SendAnswer + "#de": "Antwort senden", SendAnswer + "#fr": "Envoyer la réponse",
	NotNow + "#en": "Not now", NotNow + "#de": "Jetzt nicht", NotNow + "#fr": "Pas maintenant",
	AgentAsksFile + "#en": "The agent asks you to send a file.", AgentAsksFile + "#de": "Der Mitarbeiter bittet Sie, eine Datei zu senden.", AgentAsksFile + "#fr": "Le conseiller vous demande d'envoyer un fichier.",
	FieldSent + "#en": "You answered: $field", FieldSent + "#de": "Sie haben geantwortet: $field", FieldSent + "#fr": "Vous avez répondu : $field",
	CheckTheFields + "#en": "Please check the marked fields.", CheckTheFields + "#de": "Bitte prüfen Sie die markierten Felder.", CheckTheFields + "#fr": "Veuillez vérifier les champs signalés.",
	SurveyRequired + "#en": "Please fill in this field.", SurveyRequired + "#de": "Bitte füllen Sie dieses Feld aus.", SurveyRequired + "#fr": "Veuillez remplir ce champ.",
	SurveyChoose + "#en": "Please choose an answer.", SurveyChoose + "#de": "Bitte wählen Sie eine Antwort.", SurveyChoose + "#fr": "Veuillez choisir une réponse.",
	SurveyTick + "#en": "Please tick this box to continue.", SurveyTick + "#de": "Bitte kreuzen Sie dieses Feld an, um fortzufahren.", SurveyTick + "#fr": "Veuillez cocher cette case pour continuer.",
	SurveyTooLong + "#en": "Please use at most $max characters.", SurveyTooLong + "#de": "Bitte verwenden Sie höchstens $max Zeichen.", SurveyTooLong + "#fr": "Veuillez utiliser au maximum $max caractères.",
	SurveyNumber + "#en": "Please enter a number.", SurveyNumber + "#de": "Bitte geben Sie eine Zahl ein.", SurveyNumber + "#fr": "Veuillez saisir un nombre.",
	SurveyRange + "#en": "Please enter a number from $low to $high.", SurveyRange + "#de": "Bitte geben Sie eine Zahl von $low bis $high ein.", SurveyRange + "#fr": "Veuillez saisir un nombre entre $low et $high.",
	SurveyMin + "#en": "Please enter $low or more.", SurveyMin + "#de": "Bitte geben Sie mindestens $low ein.", SurveyMin + "#fr": "Veuillez saisir au moins $low.",
	SurveyMax + "#en": "Please enter $high or less.", SurveyMax + "#de": "Bitte geben Sie höchstens $high ein.", SurveyMax + "#fr": "Veuillez saisir au plus $high.",
	SurveyDate + "#en": "Please enter a valid date.", SurveyDate + "#de": "Bitte geben Sie ein gültiges Datum ein.", SurveyDate + "#fr": "Veuillez saisir une date valide.",
	SurveyTime + "#en": "Please enter a valid time (HH:MM).", SurveyTime + "#de": "Bitte geben Sie eine gültige Uhrzeit ein (HH:MM).", SurveyTime + "#fr": "Veuillez saisir une heure valide (HH:MM).",
	SurveyEmail + "#en": "Please enter a valid e-mail address.", SurveyEmail + "#de": "Bitte geben Sie eine gültige E-Mail-Adresse ein.", SurveyEmail + "#fr": "Veuillez saisir une adresse e-mail valide.",
	SurveyNotOption + "#en": "Please choose one of the options.", SurveyNotOption + "#de": "Bitte wählen Sie eine der Möglichkeiten.", SurveyNotOption + "#fr": "Veuillez choisir l'une des options.",
	SurveyFormat + "#en": "Please check the format of your answer.", SurveyFormat + "#de": "Bitte prüfen Sie das Format Ihrer Angabe.", SurveyFormat + "#fr": "Veuillez vérifier le format de votre réponse.",
	SurveyInvalid + "#en": "Please check this answer.", SurveyInvalid + "#de": "Bitte prüfen Sie diese Angabe.", SurveyInvalid + "#fr": "Veuillez vérifier cette réponse.",

	AttachFile + "#en": "Attach a file", AttachFile + "#de": "Datei anhängen", AttachFile + "#fr": "Joindre un fichier",
	Uploading + "#en": "Sending $file…", Uploading + "#de": "$file wird gesendet …", Uploading + "#fr": "Envoi de $file…",
	FileTypeRefused + "#en": "Files of type $type can't be sent here.", FileTypeRefused + "#de": "Dateien vom Typ $type können hier nicht gesendet werden.", FileTypeRefused + "#fr": "Les fichiers de type $type ne peuvent pas être envoyés ici.",
	FileNoType + "#en": "Files without an extension can't be sent here.", FileNoType + "#de": "Dateien ohne Endung können hier nicht gesendet werden.", FileNoType + "#fr": "Les fichiers sans extension ne peuvent pas être envoyés ici.",
	FileTypesAllowed + "#en": "You can send: $types.", FileTypesAllowed + "#de": "Erlaubt sind: $types.", FileTypesAllowed + "#fr": "Types acceptés : $types.",
	FileTooLarge + "#en": "This file is larger than $max.", FileTooLarge + "#de": "Diese Datei ist größer als $max.", FileTooLarge + "#fr": "Ce fichier dépasse $max.",
	FileBadName + "#en": "This file's name can't be used. Please rename the file and try again.", FileBadName + "#de": "Der Name dieser Datei kann nicht verwendet werden. Bitte benennen Sie die Datei um und versuchen Sie es erneut.", FileBadName + "#fr": "Le nom de ce fichier ne peut pas être utilisé. Veuillez renommer le fichier et réessayer.",
	FileFailed + "#en": "The file could not be sent. Please try again.", FileFailed + "#de": "Die Datei konnte nicht gesendet werden. Bitte versuchen Sie es erneut.", FileFailed + "#fr": "Le fichier n'a pas pu être envoyé. Veuillez réessayer.",

	LeaveMessage + "#en": "Leave a message", LeaveMessage + "#de": "Nachricht hinterlassen", LeaveMessage + "#fr": "Laisser un message",
	LeaveTitle + "#en": "Leave us a message", LeaveTitle + "#de": "Hinterlassen Sie uns eine Nachricht", LeaveTitle + "#fr": "Laissez-nous un message",
	LeaveIntro + "#en": "Tell us how to reach you, by e-mail or phone, and we will get back to you.",
	LeaveIntro + "#de": "Sagen Sie uns, wie wir Sie per E-Mail oder Telefon erreichen, und wir melden uns bei Ihnen.",
	LeaveIntro + "#fr": "Indiquez-nous comment vous joindre, par e-mail ou par téléphone, et nous reviendrons vers vous.",
	LeaveEmail + "#en": "E-mail", LeaveEmail + "#de": "E-Mail", LeaveEmail + "#fr": "E-mail",
	LeavePhone + "#en": "Phone", LeavePhone + "#de": "Telefon", LeavePhone + "#fr": "Téléphone",
	LeaveText + "#en": "Your message", LeaveText + "#de": "Ihre Nachricht", LeaveText + "#fr": "Votre message",
	LeaveSend + "#en": "Send message", LeaveSend + "#de": "Nachricht senden", LeaveSend + "#fr": "Envoyer le message",
	LeaveCancel + "#en": "Back to the chat", LeaveCancel + "#de": "Zurück zum Chat", LeaveCancel + "#fr": "Retour à la conversation",
	LeaveContactRequired + "#en": "Please enter an e-mail address or a phone number, so that we can reply.",
	LeaveContactRequired + "#de": "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an, damit wir antworten können.",
	LeaveContactRequired + "#fr": "Veuillez indiquer une adresse e-mail ou un numéro de téléphone pour que nous puissions vous répondre.",
	LeaveTextRequired + "#en":    "Please enter your message.", LeaveTextRequired + "#de": "Bitte geben Sie Ihre Nachricht ein.", LeaveTextRequired + "#fr": "Veuillez saisir votre message.",
	Translated + "#en": "Translated automatically · show the original", Translated + "#de": "Automatisch übersetzt · Original anzeigen", Translated + "#fr": "Traduit automatiquement · voir l'original",
	ChatLanguage + "#en": "Chat in", ChatLanguage + "#de": "Chatten auf", ChatLanguage + "#fr": "Discuter en",
	LeaveThanks + "#en": "Thank you — we will get back to you.", LeaveThanks + "#de": "Vielen Dank – wir melden uns bei Ihnen.", LeaveThanks + "#fr": "Merci — nous reviendrons vers vous.",
	TranscriptButton + "#en": "Send me the transcript", TranscriptButton + "#de": "Chatverlauf per E-Mail senden", TranscriptButton + "#fr": "Recevoir la conversation par e-mail",
	TranscriptEmail + "#en": "Your e-mail address", TranscriptEmail + "#de": "Ihre E-Mail-Adresse", TranscriptEmail + "#fr": "Votre adresse e-mail",
	TranscriptSend + "#en": "Send transcript", TranscriptSend + "#de": "Verlauf senden", TranscriptSend + "#fr": "Envoyer la conversation",
	TranscriptCancel + "#en": "Cancel", TranscriptCancel + "#de": "Abbrechen", TranscriptCancel + "#fr": "Annuler",
	TranscriptSent + "#en": "The transcript was sent to $email.", TranscriptSent + "#de": "Der Chatverlauf wurde an $email gesendet.", TranscriptSent + "#fr": "La conversation a été envoyée à $email.",
	TranscriptLimit + "#en": "The transcript of this chat cannot be sent any more times.", TranscriptLimit + "#de": "Der Verlauf dieses Chats kann nicht noch öfter gesendet werden.", TranscriptLimit + "#fr": "La conversation ne peut plus être envoyée davantage.",
	TranscriptFailed + "#en": "The transcript could not be sent. Please try again.", TranscriptFailed + "#de": "Der Chatverlauf konnte nicht gesendet werden. Bitte versuchen Sie es erneut.", TranscriptFailed + "#fr": "La conversation n'a pas pu être envoyée. Veuillez réessayer.",
}

// optional are the keys without a shipped text: what they add is shown only when a page or
// connector words it.
var optional = map[string]bool{PostText: true, PostURL: true, PostURLText: true, SessionTimeout: true}

// connectorKeys are the keys the server resolves per connector (shared/texts).
var connectorKeys = map[string]bool{}

func init() {
	for _, k := range texts.Keys {
		connectorKeys[k] = true
	}
}

// Texts looks up texts for one language.
type Texts struct {
	// Lang is the visitor's language, e.g. "de" or "fr-BE".
	Lang string
	// Overrides are the page's own texts in the jtel format ("key", "key#lang").
	Overrides map[string]string
	// Connector are the connector's texts as the server resolved them for Lang.
	Connector map[string]string
}

// Get returns the text for key: the page's override for the language, its base language or
// any language; then the connector's; then the shipped default for the language, its base
// language, or English.
func (t Texts) Get(key string) string {
	lang := strings.ToLower(t.Lang)
	base, _, _ := strings.Cut(lang, "-")
	for _, k := range [...]string{key + "#" + lang, key + "#" + base, key} {
		if v := t.Overrides[k]; strings.TrimSpace(v) != "" {
			return v
		}
	}
	if v := t.Connector[key]; strings.TrimSpace(v) != "" {
		return v
	}
	if connectorKeys[key] {
		return texts.Resolve(nil, key, lang)
	}
	if optional[key] {
		return ""
	}
	for _, l := range [...]string{lang, base, texts.Languages[0]} {
		if v, ok := defaults[key+"#"+l]; ok {
			return v
		}
	}
	return key
}

// Fill replaces "$name" placeholders with values, given as name, value pairs, in order: list
// a longer name before a shorter one it starts with ("$max" before "$m").
func Fill(text string, pairs ...string) string {
	for i := 0; i+1 < len(pairs); i += 2 {
		text = strings.ReplaceAll(text, "$"+pairs[i], pairs[i+1])
	}
	return text
}

// Wait formats an estimated wait in seconds as "about 3 minutes"; negative means unknown
// and gives "".
func (t Texts) Wait(seconds int) string {
	switch {
	case seconds < 0:
		return ""
	case seconds < 60:
		return t.Get(LessThanMinute)
	case seconds < 120:
		return t.Get(Minute)
	}
	return Fill(t.Get(Minutes), "n", strconv.Itoa((seconds+30)/60))
}

// Size formats a file size in bytes for the texts' language with the formatter the agent app
// uses too (shared/numfmt): "820 B", "1.3 KB", "1,5 Mo".
func (t Texts) Size(bytes int64) string { return numfmt.Size(t.Lang, bytes) }

// Defaults returns the shipped interface texts ("key#lang"), for documentation and tests.
func Defaults() map[string]string {
	out := make(map[string]string, len(defaults))
	for k, v := range defaults {
		out[k] = v
	}
	return out
}
