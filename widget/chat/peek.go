package chat

import "github.com/parleychat/parley/shared/protocol"

// This file is the sneak peek with consent: a connector may let agents see what the visitor
// types before sending it (connected.preview). The widget then says so under the message box
// and offers to turn it off (and on again); previews go out only while it is on, and the
// server, told with the chat request and with every change (protocol.PreviewConsent), drops
// previews from a visitor who did not agree. The choice is kept across reloads.

// PreviewTold reports whether the visitor is told about the sneak peek now: the connector
// shows previews and a message box is there to type in.
func (m *Model) PreviewTold() bool {
	return m.Info != nil && m.Info.Preview && (m.Phase.InChat() || m.WritingFirst())
}

// PreviewOn reports whether previews are sent: the connector shows them and the visitor did
// not turn them off.
func (m *Model) PreviewOn() bool { return m.Info != nil && m.Info.Preview && !m.PreviewOff }

// SetPreview turns the sneak peek on or off. Turned off, the agents' view of the unsent text
// is cleared first.
func (m *Model) SetPreview(on bool) {
	if m.Info == nil || !m.Info.Preview || m.PreviewOff == !on {
		return
	}
	if !on && m.lastPreview != "" && m.Chat != "" {
		m.push(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.Preview{}})
	}
	m.PreviewOff = !on
	m.lastPreview, m.previewDue = "", false
	m.tellConsent()
}

// tellConsent tells the server the visitor's choice for the current chat.
func (m *Model) tellConsent() {
	if m.Chat != "" && m.Phase.InChat() && m.Info != nil && m.Info.Preview {
		m.push(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.PreviewConsent{On: m.PreviewOn()}})
	}
}
