package acd

// Staffed reports whether an agent of connector c's group is signed in with a status that
// allows chat and room for chats (MaxChats above 0) now: the "agent available" of jtel's
// noAgents text, which a visitor is sent when a chat is requested while nobody could ever
// take it. Agents whose chats are all taken still count, since the chat waits for them; an
// unknown or unconfigured connector has nobody. With a [Target], only the agents it admits
// count (a chat asking for a signed-out operator has nobody).
func (e *Engine) Staffed(c ConnectorID, t Target) bool {
	k := e.connectors[c]
	if k == nil || !k.configured || k.group == nil {
		return false
	}
	probe := chat{target: cleanTarget(t)}
	if !probe.targeted() {
		return k.group.capacity > 0
	}
	for _, a := range k.group.members {
		if a.staffed() && probe.admits(a) {
			return true
		}
	}
	return false
}
