package desk

import (
	"strings"

	"github.com/parleychat/parley/shared/protocol"
)

// The agent asks the visitor for a file (file.ask, WhosOn requestfile) from the "Ask for…"
// card, with optional file types; the server records the request in the chat's history
// (file.request), where every agent of the chat sees it as a line.

// FileTypes reads the types an agent typed: separated by commas or spaces, dots allowed.
func FileTypes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' })
}

// fileAskedText is the conversation's line for a request for a file, in the desk's language.
func (d *Desk) fileAskedText(b *protocol.FileRequest) string {
	name := b.Name
	if name == "" {
		name = d.Msg.T("An agent")
	}
	if len(b.Types) == 0 {
		return d.Msg.T("{0} asked the visitor for a file (any type the site takes)", name)
	}
	return d.Msg.T("{0} asked the visitor for a file: {1}", name, strings.Join(b.Types, ", "))
}

// AskFile asks the visitor of a chat for a file of the types in the chat's "Ask for…" card.
// Types the protocol refuses stay in the card with the reason; the server also refuses types
// the tenant's attachment policy refuses, and that reason shows there too.
func (d *Desk) AskFile(chatID string) (protocol.Command, bool) {
	c := d.Chat(chatID)
	if c == nil || c.Form == nil || c.Form.Sending != "" {
		return protocol.Command{}, false
	}
	form := c.Form
	if c.Closed {
		form.Errors = map[AskPart]string{AskGeneral: d.Msg.T("This chat has ended.")}
		return protocol.Command{}, false
	}
	body := &protocol.FileAsk{Types: FileTypes(form.FileTypes)}
	if err := body.Validate(); err != nil {
		form.Errors = map[AskPart]string{AskFileTypes: errText(d.Msg, err)}
		return protocol.Command{}, false
	}
	cmd := d.command(chatID, body)
	form.Sending, form.Errors = cmd.ID, nil
	return cmd, true
}

// fileAskAcked closes the card once the server took the request; the request's line comes
// with its file.request event.
func (d *Desk) fileAskAcked(cmd protocol.Command) {
	if c := d.Chat(cmd.Chat); c != nil && c.Form != nil && c.Form.Sending == cmd.ID {
		c.Form = nil
	}
}

// fileAskRefused shows the server's reason in the card; it reports whether it did.
func (d *Desk) fileAskRefused(cmd protocol.Command, e *protocol.Error) bool {
	c := d.Chat(cmd.Chat)
	if c == nil || c.Form == nil || c.Form.Sending != cmd.ID {
		return false
	}
	c.Form.Sending = ""
	c.Form.Errors = map[AskPart]string{AskFileTypes: errText(d.Msg, e)}
	return true
}
