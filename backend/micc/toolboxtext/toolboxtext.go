// Package toolboxtext holds the texts of MiCC's stock chat toolbox under the resource names of
// its Toolbox.resx (AnonymousAgentJoined … Yes), Parley's English defaults, and the rules an
// administrator's own texts follow: a known name, a culture like "fr" or "fr-BE", and the
// default's {0} placeholder kept. It resolves a text for a culture as .NET resources do:
// "fr-BE", then "fr", then the default. It is pure, so that the store, the admin pages and the
// toolbox share one definition.
package toolboxtext

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/parleychat/parley/shared/i18n"
)

// Defaults are the texts of Toolbox.resx, in English, by resource name.
var Defaults = map[string]string{
	"AnonymousAgentJoined":        "An agent has joined the conversation.",
	"AnonymousAgentLeft":          "The agent has left the conversation.",
	"AnonymousAgentTyping":        "The agent is typing…",
	"AskAQuestion":                "How can we help you?",
	"Browse":                      "Browse…",
	"ChatRequested":               "Your chat has been requested. An agent will be with you shortly.",
	"ChatUnavailable":             "Chat is currently unavailable.",
	"CustomerBack":                "The customer is back.",
	"CustomerBackReceivedMessage": "The customer is back and has received your messages.",
	"CustomerLeft":                "The customer has left the chat page.",
	"CustomerLeftAutoSend":        "The customer has left the chat page; your message will be delivered when they return.",
	"CustomerLeftClosing":         "The customer has been away too long; the conversation will be closed.",
	"EnterEmail":                  "E-mail address",
	"EnterName":                   "Name",
	"EnterPhone":                  "Phone number",
	"ErrorOccurred":               "An error has occurred.",
	"ErrorRequestingChat":         "An error occurred while requesting the chat.",
	"ErrorSendingMessage":         "An error occurred while sending the message.",
	"EstimatedWaitTime":           "Estimated wait time: {0}",
	"InvalidAttachmentType":       "Files of this type cannot be uploaded.",
	"MaxAttachmentSizeExceeded":   "The file is larger than the maximum of {0} KB.",
	"Minute":                      "{0} minute",
	"Minutes":                     "{0} minutes",
	"NamedAgentJoined":            "{0} has joined the conversation.",
	"NamedAgentLeft":              "{0} has left the conversation.",
	"NamedAgentTyping":            "{0} is typing…",
	"No":                          "No",
	"PostText":                    "Thank you for chatting with us.",
	"PostUrl":                     "",
	"PostUrlText":                 "",
	"Product":                     "Parley",
	"ReallyClose":                 "Do you really want to end the chat?",
	"RequestRejected":             "Your chat request has been rejected.",
	"Restart":                     "New chat",
	"SelectFile":                  "Select a file",
	"Send":                        "Send",
	"SendTheMessage":              "Send the message",
	"SessionTimeout":              "The chat session has timed out.",
	"SessionWillSoonBeClosed":     "The chat session will be closed in {0} seconds unless you continue.",
	"StartChat":                   "Start chat",
	"Terminated":                  "The chat session has ended.",
	"Title":                       "Chat",
	"TypeMessageHere":             "Type your message here",
	"Upload":                      "Upload",
	"UploadComplete":              "Upload complete",
	"UploadFailed":                "Upload failed",
	"UploadProgress":              "Uploading… {0}%",
	"UploadTheFile":               "Upload the file",
	"WelcomeText":                 "Welcome! Please enter your details to start a chat.",
	"Yes":                         "Yes",
}

// Names lists the resource names in order.
func Names() []string {
	out := make([]string, 0, len(Defaults))
	for k := range Defaults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var cultureRE = regexp.MustCompile(`^[a-z]{2}(-[A-Z]{2})?$`)
var placeholderRE = regexp.MustCompile(`\{[0-9]\}`)

// MaxRunes bounds one text.
const MaxRunes = 1000

// CheckError is what Check found wrong, told to a person: Message is an English sentence
// whose numbered placeholders ("{0}") Args fill, a fixed text that the admin pages show in the
// reader's language.
type CheckError struct {
	Message string
	Args    []string
}

// Error is the English message with its placeholders filled.
func (e *CheckError) Error() string { return i18n.Fill(e.Message, e.Args) }

func checkErr(msg string, args ...string) error { return &CheckError{Message: msg, Args: args} }

// Check validates an administrator's texts: keys are "Name" or "Name#culture" (ISO 639
// language, optionally with an ISO 3166 region: "fr", "fr-BE"), and every text keeps the
// placeholders of its default. The error is a *CheckError.
func Check(m map[string]string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same texts always give the same first problem
	for _, k := range keys {
		v := m[k]
		name, culture, has := strings.Cut(k, "#")
		def, ok := Defaults[name]
		switch {
		case !ok:
			return checkErr("\"{0}\" is not a toolbox text name ({1}, …).", name, strings.Join(Names()[:3], ", "))
		case has && !cultureRE.MatchString(culture):
			return checkErr("\"{0}\": the culture must look like fr or fr-BE.", k)
		case len([]rune(v)) > MaxRunes:
			return checkErr("\"{0}\" is longer than {1} characters.", k, strconv.Itoa(MaxRunes))
		}
		for _, p := range placeholderRE.FindAllString(def, -1) {
			if !strings.Contains(v, p) {
				return checkErr("\"{0}\" must keep the placeholder {1}.", k, p)
			}
		}
	}
	return nil
}

// Resolve returns every text for a culture: the administrator's "Name#fr-BE", then
// "Name#fr", then "Name", then Parley's default. The culture is matched without regard to
// case.
func Resolve(custom map[string]string, culture string) map[string]string {
	lang, region, _ := strings.Cut(strings.ReplaceAll(culture, "_", "-"), "-")
	lang = strings.ToLower(lang)
	keys := []string{}
	if region != "" {
		keys = append(keys, "#"+lang+"-"+strings.ToUpper(region))
	}
	if lang != "" {
		keys = append(keys, "#"+lang)
	}
	keys = append(keys, "")
	out := make(map[string]string, len(Defaults))
	for name, def := range Defaults {
		out[name] = def
		for _, suffix := range keys {
			if v, ok := custom[name+suffix]; ok {
				out[name] = v
				break
			}
		}
	}
	return out
}

// widgetKeys name the widget's text keys (package widget/uitext) the toolbox texts stand for,
// and what the {0} placeholder becomes there.
var widgetKeys = map[string][2]string{
	"AnonymousAgentJoined": {"anonymousAgentJoined", ""}, "AnonymousAgentLeft": {"anonymousAgentLeft", ""},
	"AnonymousAgentTyping": {"anonymousAgentTyping", ""}, "AskAQuestion": {"askAQuestion", ""},
	"ChatRequested": {"chatRequested", ""}, "ChatUnavailable": {"chatUnavailable", ""},
	"EnterEmail": {"enterEmail", ""}, "EnterName": {"enterName", ""}, "ErrorOccurred": {"errorOccurred", ""},
	"ErrorRequestingChat": {"errorRequestingChat", ""}, "ErrorSendingMessage": {"errorSendingMessage", ""},
	"EstimatedWaitTime": {"estimatedWaitTime", "$time"}, "Minute": {"minute", "1"}, "Minutes": {"minutes", "$n"},
	"NamedAgentJoined": {"namedAgentJoined", "$agent"}, "NamedAgentLeft": {"namedAgentLeft", "$agent"},
	"NamedAgentTyping": {"agentTyping", "$agent"}, "No": {"no", ""}, "ReallyClose": {"reallyClose", ""},
	"Restart": {"restart", ""}, "Send": {"send", ""}, "SendTheMessage": {"sendTheMessage", ""},
	"StartChat": {"startChat", ""}, "Terminated": {"terminated", ""}, "Title": {"title", ""},
	"TypeMessageHere": {"editorPlaceholder", ""}, "WelcomeText": {"welcomeText", ""}, "Yes": {"yes", ""},
	"InvalidAttachmentType": {"fileTypeRefused", ""}, "MaxAttachmentSizeExceeded": {"fileTooLarge", "$kb"},
	"UploadTheFile": {"attachFile", ""}, "UploadFailed": {"fileFailed", ""},
	"PostText": {"postText", ""}, "PostUrl": {"postUrl", ""}, "PostUrlText": {"postUrlText", ""},
	"SessionTimeout": {"sessionTimeout", ""},
}

// ForWidget turns resolved toolbox texts into the widget's text overrides: the widget's keys,
// with {0} written as the widget's placeholder. Only texts an administrator set are given, so
// that the widget's own translations stay where nothing was set.
func ForWidget(custom map[string]string, culture string) map[string]string {
	resolved := Resolve(custom, culture)
	out := map[string]string{}
	for name, wk := range widgetKeys {
		if resolved[name] == Defaults[name] {
			continue
		}
		out[wk[0]] = strings.ReplaceAll(resolved[name], "{0}", wk[1])
	}
	return out
}
