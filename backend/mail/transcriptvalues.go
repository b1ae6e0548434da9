package mail

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/mailtemplate"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
)

// shortFormats are the short date and time formats by the chat's language, as MiCC formats
// its date and time identifiers in the locale's short formats.
var shortFormats = map[string][2]string{
	"de": {"02.01.2006", "15:04"},
	"fr": {"02/01/2006", "15:04"},
	"en": {"2 Jan 2006", "15:04"},
}

// dateTime formats t in the chat's language: date, time.
func dateTime(lang string, t time.Time) (string, string) {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	f, ok := shortFormats[base]
	if !ok {
		f = shortFormats["en"]
	}
	return t.Format(f[0]), t.Format(f[1])
}

// TranscriptValues are the values of MiCC's identifiers for transcript tr of a chat owned by
// agent (zero: none), sent from sender at now. Dates are in the tenant's time zone and the
// chat's language; $Received$ is when the chat came in. $Transcript$ is the text transcript
// (TranscriptLines); an HTML template gets TranscriptHTML instead.
func TranscriptValues(tr transcript.Transcript, agent store.User, sender string, now time.Time) mailtemplate.Values {
	loc := tr.Location
	if loc == nil {
		loc = time.UTC
	}
	date, clock := dateTime(tr.Lang, now.In(loc))
	rdate, rclock := dateTime(tr.Lang, tr.Started.In(loc))
	first, last := splitName(agent.Name)
	chatName := agent.Nickname
	if chatName == "" {
		chatName = agent.Name
	}
	return mailtemplate.Values{
		mailtemplate.Transcript:        TranscriptLines(tr),
		mailtemplate.Date:              date,
		mailtemplate.Time:              clock,
		mailtemplate.Received:          rdate + " " + rclock,
		mailtemplate.ReceivedDate:      rdate,
		mailtemplate.ReceivedTime:      rclock,
		mailtemplate.ServiceGroup:      tr.Connector,
		mailtemplate.ServiceGroupName:  tr.Connector,
		mailtemplate.ServiceGroupEmail: sender,
		mailtemplate.Agent:             agent.Name,
		mailtemplate.AgentName:         agent.Name,
		mailtemplate.AgentFirstName:    first,
		mailtemplate.AgentLastName:     last,
		mailtemplate.AgentChatName:     chatName,
		mailtemplate.Customer:          tr.Visitor.Name,
		mailtemplate.CustomerName:      tr.Visitor.Name,
		mailtemplate.CustomerEmail:     tr.Visitor.Email,
		mailtemplate.CustomerNumber:    tr.Visitor.Phone,
	}
}

// splitName splits a full name at its last space: "Anna Maria Berg" is "Anna Maria", "Berg".
// A single word is a first name.
func splitName(name string) (first, last string) {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		return strings.TrimSpace(name[:i]), name[i+1:]
	}
	return name, ""
}

// TranscriptLines is the chat's lines as text, one per line with time and sender, as
// $Transcript$ of a text template.
func TranscriptLines(t transcript.Transcript) string {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	for _, l := range t.Lines {
		at := l.At.In(loc).Format("15:04")
		text := l.Full()
		if l.File != "" {
			text = strings.TrimSpace(text + " [" + transcript.Say(t.Reader, "file: {0}", l.File) + "]")
		}
		text = strings.ReplaceAll(text, "\n", "\n        ")
		if l.Kind == transcript.LineSystem || l.Sender == "" {
			fmt.Fprintf(&b, "[%s] * %s\n", at, text)
			continue
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", at, l.Sender, text)
	}
	return b.String()
}

// TranscriptHTML is the chat's lines as an HTML table, every value escaped, as $Transcript$
// of an HTML template.
func TranscriptHTML(t transcript.Transcript) string {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	b.WriteString(`<table class="transcript" cellpadding="4" cellspacing="0">`)
	for _, l := range t.Lines {
		text := html.EscapeString(l.Full())
		if l.File != "" {
			text = strings.TrimSpace(text + " [" + html.EscapeString(l.File) + "]")
		}
		text = strings.ReplaceAll(text, "\n", "<br>")
		sender := html.EscapeString(l.Sender)
		if l.Kind == transcript.LineSystem || l.Sender == "" {
			sender, text = "", "<i>"+text+"</i>"
		}
		fmt.Fprintf(&b, `<tr><td valign="top">%s</td><td valign="top"><b>%s</b></td><td>%s</td></tr>`, l.At.In(loc).Format("15:04"), sender, text)
	}
	b.WriteString(`</table>`)
	return b.String()
}
