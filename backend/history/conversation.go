package history

import (
	"encoding/json"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Conversation writes one chat's events into a [store.History] numbered as the chat service
// numbers them (every event in order, the visitor's events in a second sequence), with a
// message row for each message, so that generated or imported chats read, search and print
// like live ones.
type Conversation struct {
	h         *store.History
	chatID    string
	seq, vseq uint64
}

// NewConversation starts the events of chat chatID in h.
func NewConversation(h *store.History, chatID string) *Conversation {
	return &Conversation{h: h, chatID: chatID}
}

// Event appends an event of the given body at at; agentsOnly keeps it from the visitor. It
// returns the event's number.
func (c *Conversation) Event(body protocol.EventBody, at time.Time, agentsOnly bool) uint64 {
	data, err := json.Marshal(body)
	if err != nil {
		panic("history: event body does not encode: " + err.Error()) // protocol bodies always do
	}
	c.seq++
	ev := store.Event{ChatID: c.chatID, Seq: c.seq, Type: string(body.EventType()), Data: data, At: at, AgentsOnly: agentsOnly}
	if !agentsOnly {
		c.vseq++
		ev.VisitorSeq = c.vseq
	}
	c.h.Events = append(c.h.Events, ev)
	return c.seq
}

// Message appends a message event and its message row; an internal message is agents-only.
func (c *Conversation) Message(m protocol.Message, userID int64) {
	seq := c.Event(&m, m.At, m.Internal)
	row := store.Message{ChatID: c.chatID, Seq: seq, Role: string(m.Role), UserID: userID,
		Name: m.Name, Text: m.Text, Internal: m.Internal, At: m.At}
	if tr := m.Translation; tr != nil {
		row.Lang, row.TranslationLang, row.Translation = tr.From, tr.To, tr.Text
	}
	c.h.Messages = append(c.h.Messages, row)
}

// Numbers are the last event number and the last of the visitor's, for the chat's LastSeq
// and LastVisitorSeq.
func (c *Conversation) Numbers() (last, lastVisitor uint64) { return c.seq, c.vseq }
