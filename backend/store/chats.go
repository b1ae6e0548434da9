package store

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// stateClosed separates open chats from history.
const stateClosed = "closed"

// stateQueued is the state of a chat not yet taken: a direct chat's request unanswered.
const stateQueued = "queued"

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Chat returns the chat with the given id, or ErrNotFound.
func (s *Store) Chat(ctx context.Context, id string) (Chat, error) {
	var row chatRow
	if err := s.r.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return Chat{}, wrap("chat", err)
	}
	c, err := row.domain()
	return c, wrap("chat", err)
}

// ChatsOpen lists the chats that are not closed, oldest first, so that the
// chat service and the ACD can rebuild their state after a start or a
// leader change. tenantID 0 lists the open chats of all tenants.
func (s *Store) ChatsOpen(ctx context.Context, tenantID int64) ([]Chat, error) {
	q := s.r.WithContext(ctx).Where("state <> ?", stateClosed)
	if tenantID != 0 {
		q = q.Where("tenant_id = ?", tenantID)
	}
	out, err := findChats(q.Order("created_at, id"))
	return out, wrap("open chats", err)
}

// ChatsOfAgent lists the chats whose current (or, once closed, last) agent
// is userID, oldest first; openOnly leaves out closed ones. It serves the
// agent app's chat list after a reconnect.
func (s *Store) ChatsOfAgent(ctx context.Context, userID int64, openOnly bool) ([]Chat, error) {
	q := s.r.WithContext(ctx).Where("agent_id = ?", userID)
	if openOnly {
		q = q.Where("state <> ?", stateClosed)
	}
	out, err := findChats(q.Order("created_at, id"))
	return out, wrap("chats of agent", err)
}

// DirectRequestsTo lists the open chats between two agents of a tenant that were asked of
// agent peerID (Chat.PeerID) and not yet answered, oldest first: in a cluster the node an
// agent connects to shows them requests that another node holds.
func (s *Store) DirectRequestsTo(ctx context.Context, tenantID, peerID int64) ([]Chat, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ? AND kind = ? AND peer_id = ? AND state = ?", tenantID, ChatDirect, peerID, stateQueued)
	out, err := findChats(q.Order("created_at, id"))
	return out, wrap("direct requests", err)
}

// Visitor names a returning visitor by what their chats may have recorded: an e-mail
// address (compared without case), a customer id from the embedding page, and the id the
// widget keeps in the visitor's browser.
type Visitor struct {
	Email, CustomerID, VisitorID string
}

// ChatsOfVisitor lists a returning visitor's previous chats in a tenant, newest first, at most
// limit (all when limit <= 0). A chat matches when any of the visitor's non-empty keys equals
// the chat's: its e-mail (ignoring case), its CustomerID or its VisitorID.
func (s *Store) ChatsOfVisitor(ctx context.Context, tenantID int64, v Visitor, limit int) ([]Chat, error) {
	var (
		conds []string
		args  []any
	)
	if key := emailKey(v.Email); key != "" {
		conds, args = append(conds, "visitor_email_key = ?"), append(args, key)
	}
	if v.CustomerID != "" {
		conds, args = append(conds, "customer_id = ?"), append(args, v.CustomerID)
	}
	if v.VisitorID != "" {
		conds, args = append(conds, "visitor_id = ?"), append(args, v.VisitorID)
	}
	if len(conds) == 0 {
		return []Chat{}, nil
	}
	q := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Where(strings.Join(conds, " OR "), args...)
	q = q.Order("created_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	out, err := findChats(q)
	return out, wrap("chats of visitor", err)
}

func findChats(q *gorm.DB) ([]Chat, error) {
	var rows []chatRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Chat, len(rows))
	for i, r := range rows {
		c, err := r.domain()
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// EventsAfter returns the chat's events with Seq > afterSeq in order, at
// most limit (all when limit <= 0): what a reconnecting client missed.
func (s *Store) EventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]Event, error) {
	return s.eventsAfter(ctx, "events after", chatID, afterSeq, limit, false)
}

// VisitorEventsAfter returns the chat's events the visitor may see with
// VisitorSeq > afterSeq, in order, at most limit (all when limit <= 0): what
// a reconnecting visitor missed.
func (s *Store) VisitorEventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]Event, error) {
	return s.eventsAfter(ctx, "visitor events after", chatID, afterSeq, limit, true)
}

func (s *Store) eventsAfter(ctx context.Context, what, chatID string, afterSeq uint64, limit int, visitor bool) ([]Event, error) {
	args := []any{chatID, afterSeq}
	if visitor {
		args = append(args, afterSeq)
	}
	var rows []eventRow
	if err := s.r.WithContext(ctx).Raw(eventsAfterText(s.dialect, visitor, limit), append(args, args...)...).Scan(&rows).Error; err != nil {
		return nil, wrap(what, err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// eventsAfterText is the replays' query: a chat's events after a number, in order, read from
// its rows of events and from its lines, whose rows hold their events
// (migrations_messageevents.go), each side read in the order of its primary key (chat_id,
// seq) up to the limit and the two merged. The visitor's replay takes the parameters chat,
// number and visitor number for each side, the agents' chat and number: an event's visitor
// number is never above its number (both count from the chat's first event, the visitor's
// only the events the visitor sees), so every event after visitor number n lies after number
// n, and the range passes over at most the agents-only events among the ones skipped. Neither
// table has an index of the visitor numbers (migration 54): on every event it cost a B-tree
// page of its own.
func eventsAfterText(dialect string, visitor bool, limit int) string {
	where := "chat_id = ? AND seq > ?"
	if visitor {
		where += " AND visitor_seq > ?"
	}
	tail := " ORDER BY seq"
	if limit > 0 {
		tail += " LIMIT " + strconv.Itoa(limit)
	}
	events := "SELECT chat_id, seq, visitor_seq, type, data, at FROM events WHERE " + where
	lines := "SELECT chat_id, seq, visitor_seq, 'message' AS type, event_data AS data, at FROM messages WHERE " + where + " AND event_data <> ''"
	if dialect == DialectPostgres {
		// PostgreSQL merges the two ranges in order when each is a subquery of its own, and
		// otherwise sorts them.
		return "SELECT * FROM (" + events + tail + ") AS e UNION ALL SELECT * FROM (" + lines + tail + ") AS m" + tail
	}
	// SQLite merges the two in order as they are, and sorts each when it is a subquery.
	return events + " UNION ALL " + lines + tail
}

// Messages returns the chat's last limit messages (all when limit <= 0) in
// order, for history and transcripts.
func (s *Store) Messages(ctx context.Context, chatID string, limit int) ([]Message, error) {
	q := s.r.WithContext(ctx).Where("chat_id = ?", chatID).Order("seq DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []messageRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap("messages", err)
	}
	slices.Reverse(rows)
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// MessageByClientID finds the message a sender already stored under a
// client command id, so that a retried send is answered with the original
// instead of being stored twice. ErrNotFound when there is none.
func (s *Store) MessageByClientID(ctx context.Context, chatID, role string, userID int64, clientID string) (Message, error) {
	if clientID == "" {
		return Message{}, wrap("message by client id", ErrNotFound)
	}
	var row messageRow
	err := s.r.WithContext(ctx).
		// The index of command ids leaves out empty ids: the last term, always true here, is
		// what lets the database use it (TestClientIndex).
		Take(&row, "client_id = ? AND chat_id = ? AND role = ? AND user_id = ? AND client_id <> ''", clientID, chatID, role, userID).Error
	if err != nil {
		return Message{}, wrap("message by client id", err)
	}
	return row.domain(), nil
}

// Participants lists everyone who took part in the chat, in joining order.
func (s *Store) Participants(ctx context.Context, chatID string) ([]Participant, error) {
	var rows []participantRow
	if err := s.r.WithContext(ctx).Where("chat_id = ?", chatID).Order("joined_at, id").Find(&rows).Error; err != nil {
		return nil, wrap("participants", err)
	}
	out := make([]Participant, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CloseCauseLeftMessage marks a chat that is a message left by a visitor when no chat could
// be had (WhosOn LeaveMessage): it is stored closed, with the message as its one line.
const CloseCauseLeftMessage = "left_message"

// LeftMessage is a message a visitor left, with the chat record that holds the visitor's
// contact details.
type LeftMessage struct {
	Chat Chat
	Text string
	// Replies are the e-mail answers sent to the visitor, oldest first.
	Replies []LeftReply
}

// LeftMessages returns a tenant's most recent left messages, newest first, for the people
// who answer them.
func (s *Store) LeftMessages(ctx context.Context, tenantID int64, limit int) ([]LeftMessage, error) {
	q := s.r.WithContext(ctx).Where("tenant_id = ? AND close_cause = ?", tenantID, CloseCauseLeftMessage).Order("created_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	chats, err := findChats(q)
	if err != nil {
		return nil, wrap("left messages", err)
	}
	out := make([]LeftMessage, 0, len(chats))
	for _, c := range chats {
		msgs, err := s.Messages(ctx, c.ID, 1)
		if err != nil {
			return nil, err
		}
		lm := LeftMessage{Chat: c}
		if len(msgs) > 0 {
			lm.Text = msgs[0].Text
		}
		out = append(out, lm)
	}
	return out, s.withLeftReplies(ctx, out)
}
