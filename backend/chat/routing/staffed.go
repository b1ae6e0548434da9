package routing

import "github.com/parleychat/parley/backend/acd"

// Staffed reports whether an agent who could take connector c's chats, as far as target t
// lets them, is signed in now ([acd.Engine.Staffed]); the chat service asks it when a chat is
// requested, to send jtel's noAgents text.
func (r *Router) Staffed(c acd.ConnectorID, t acd.Target) bool {
	var ok bool
	r.Do(func(e *acd.Engine) { ok = e.Staffed(c, t) })
	return ok
}
