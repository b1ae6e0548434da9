// Package desk is the agent app's state as plain Go: the agent, the tenant's statuses, pending
// offers, open chats with their lines, the files on their way into them and the fields asked of
// the visitor (the "Ask for…" form, its checks, the requests awaiting an answer), unread
// counts, the browser tab's title, what to resume after a reconnect or a gap in a chat's
// sequence (and how chats ended while the app was away), which commands still wait for their
// ack, and which alerts to raise; and working on chats with colleagues: the agent's part in
// each chat and who else is in it, internal notes, who else is typing, invitations sent and
// received, switching parts and leaving; and each chat's monitoring switch, the supervisors'
// live list of every chat, observing and taking chats over.
//
// It knows nothing of the browser or of go-app, so that every rule of the agent's desk is tested
// natively and deterministically: events go in with the time they arrived, decisions come out.
// The UI owns one [Desk] and touches it only on its UI goroutine.
package desk
