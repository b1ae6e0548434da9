package store

import (
	"context"
	"fmt"
)

// History is a batch of finished conversations written at once by [Store.ImportHistory]:
// chats with their participants, events and messages, numbered by the caller. It exists for
// loading history in bulk (the history generator that fills a database for benchmarks and
// demos, an import from another system), where the group commit's per-write numbering and
// announcements would cost hours for a year of chats and tell nobody anything.
type History struct {
	Chats        []Chat
	Participants []Participant
	// Events carry their Seq and VisitorSeq (0 for agents-only events) as the chat service
	// would have numbered them; a chat's LastSeq and LastVisitorSeq must match its last ones.
	Events []Event
	// Messages repeat the message events' text (same ChatID and Seq), as the live write path
	// stores them; the search indexes them.
	Messages []Message
}

// ImportHistory writes h in one transaction, in multi-row inserts, and announces nothing:
// imported chats are closed history, which routing and open pages do not follow. A chat id
// already present fails the whole batch with ErrConflict.
func (s *Store) ImportHistory(ctx context.Context, h History) error {
	chats := make([]chatRow, len(h.Chats))
	for i := range h.Chats {
		r, err := chatToRow(&h.Chats[i])
		if err != nil {
			return fmt.Errorf("store: import history: %w: %w", ErrInvalid, err)
		}
		chats[i] = r
	}
	parts := make([]participantRow, len(h.Participants))
	for i := range h.Participants {
		parts[i] = participantToRow(&h.Participants[i])
		parts[i].ID = 0
	}
	events := make([]eventRow, len(h.Events))
	for i := range h.Events {
		events[i] = eventToRow(&h.Events[i])
	}
	msgs := make([]messageRow, len(h.Messages))
	for i := range h.Messages {
		msgs[i] = messageToRow(&h.Messages[i])
	}
	tx := s.w.WithContext(ctx).Begin()
	if tx.Error != nil {
		return wrap("import history", tx.Error)
	}
	for _, step := range []struct {
		what string
		rows any
		n    int
		per  int
	}{
		{"chats", &chats, len(chats), s.rowsPerInsert(chatRow{})},
		{"participants", &parts, len(parts), s.rowsPerInsert(participantRow{})},
		{"events", &events, len(events), s.rowsPerInsert(eventRow{})},
		{"messages", &msgs, len(msgs), s.rowsPerInsert(messageRow{})},
	} {
		if step.n == 0 {
			continue
		}
		if err := tx.CreateInBatches(step.rows, step.per).Error; err != nil {
			tx.Rollback()
			return wrap("import history "+step.what, err)
		}
	}
	return wrap("import history", tx.Commit().Error)
}
