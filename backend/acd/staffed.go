package acd

// Staffed reports whether an agent of connector c's group is signed in with a status that
// allows chat and room for chats (MaxChats above 0) now: the "agent available" of jtel's
// noAgents text, which a visitor is sent when a chat is requested while nobody could ever
// take it. Agents whose chats are all taken still count, since the chat waits for them; an
// unknown or unconfigured connector has nobody.
func (e *Engine) Staffed(c ConnectorID) bool {
	k := e.connectors[c]
	if k == nil || !k.configured || k.group == nil {
		return false
	}
	return k.group.capacity > 0
}
