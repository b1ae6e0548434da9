package chat

// Invited makes the model follow a chat an agent started with the visitor on the site (a
// proactive chat): the loader passes the chat and its token from the invitation, and on
// connecting the model resumes it, which brings the agent's first message. A stored chat of
// its own is kept when it is that chat already (the next page of the site) and replaced
// otherwise.
func (m *Model) Invited(chat, token string) {
	if chat == "" || token == "" || m.Chat == chat {
		return
	}
	fresh := New(m.cfg)
	*m = *fresh
	m.Chat, m.Token, m.Phase = chat, token, PhaseActive
}
