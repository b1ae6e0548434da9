package chat

// NoteVisitorEmail records email as the visitor's e-mail address of chat chatID while the
// chat is live. The store is given the address directly (a transcript request writes it with
// its e-mail); a live chat writes its whole record again later, which must then keep the
// address rather than restore the old one. A chat that is not live is the store's alone.
func (s *Service) NoteVisitorEmail(chatID, email string) {
	ch := s.chatFor(chatID)
	if ch == nil {
		return
	}
	ch.mu.Lock()
	ch.rec.VisitorEmail = email
	ch.mu.Unlock()
}
