package routing

import "github.com/parleychat/parley/backend/acd"

// Staffed reports whether an agent who could take connector c's chats is signed in now
// ([acd.Engine.Staffed]); the chat service asks it when a chat is requested, to send jtel's
// noAgents text.
func (r *Router) Staffed(c acd.ConnectorID) bool {
	var ok bool
	r.Do(func(e *acd.Engine) { ok = e.Staffed(c) })
	return ok
}
