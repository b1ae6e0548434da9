package desk

import (
	"strings"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// This file is the agent's side of "write first, details later": a visitor who wrote first
// gives their name, e-mail address and pre-chat answers while the chat waits or runs. They
// arrive as a [protocol.FieldSet] with Survey "pre"; the chat list, the chat header and the
// visitor's details then show the new name at once instead of the first, nameless request.

// visitorDetails takes the name and e-mail address a visitor gave after the request, with a
// line in the conversation when the name changes.
func (c *Chat) visitorDetails(t catalog.Printer, seq uint64, f *protocol.FieldSet, now time.Time) {
	if e := strings.TrimSpace(f.Email); e != "" {
		c.Visitor.Email = e
	}
	name := strings.TrimSpace(f.Name)
	if name == "" || name == strings.TrimSpace(c.Visitor.Name) {
		return
	}
	c.Visitor.Name = name
	c.Lines = append(c.Lines, Line{Kind: LineEvent, Seq: seq, Text: t.T("The visitor gave their name: {0}", name), At: now})
}
