package chat

import (
	"strings"

	"github.com/parleychat/parley/widget/uitext"
)

// This file is the model's side of an agent's request for a file (protocol.FileRequest,
// WhosOn requestfile): an event of the chat's history, so a visitor who resumes sees it again
// until a file of theirs follows it. The view shows it under the conversation with an upload
// button whose picker offers the requested types; picking a file answers it, "Not now" puts
// it away.

// FileAsked reports whether the agent's request for a file is to be shown now: asked, not
// answered or put away, and a file may be sent.
func (m *Model) FileAsked() bool {
	return m.FileAsk != nil && m.CanAttach()
}

// FileAskText is the request's sentence in the visitor's language, with the requested types
// ("The agent asks you to send a file. You can send: .pdf, .png.").
func (m *Model) FileAskText() string {
	t := m.Texts()
	msg := t.Get(uitext.AgentAsksFile)
	if m.FileAsk != nil && len(m.FileAsk.Types) > 0 {
		msg += " " + uitext.Fill(t.Get(uitext.FileTypesAllowed), "types", "."+strings.Join(m.FileAsk.Types, ", ."))
	}
	return msg
}

// FileAskAccept is the picker's accept attribute for the request (".pdf,.png"); without
// requested types, the connector's (AcceptTypes).
func (m *Model) FileAskAccept() string {
	if m.FileAsk == nil || len(m.FileAsk.Types) == 0 {
		return m.AcceptTypes()
	}
	return "." + strings.Join(m.FileAsk.Types, ",.")
}

// DismissFileAsk puts the agent's request for a file away unanswered.
func (m *Model) DismissFileAsk() { m.FileAsk = nil }
