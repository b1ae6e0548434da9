package mail

import (
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleychat/parley/backend/store"
)

// thread sets the In-Reply-To and References headers of a message that answers earlier ones,
// so that mail clients show a left message's replies as one conversation.
func thread(msg *gomail.Msg, m store.OutboxMail) {
	if m.InReplyTo != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		ids := make([]string, len(m.References))
		for i, r := range m.References {
			ids[i] = "<" + r + ">"
		}
		// One Message-ID a line keeps a long thread's header within the line length limit.
		msg.SetGenHeaderPreformatted(gomail.HeaderReferences, strings.Join(ids, "\r\n "))
	}
}
