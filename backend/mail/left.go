package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/store"
)

// This file is e-mail about messages visitors left when no chat could be had: the notice to
// the connector's group and the replies to the visitor, threaded under that notice.

// LeftStore is what notifying of and answering left messages reads and writes; *store.Store
// has it.
type LeftStore interface {
	MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error)
	AgentsOfGroup(ctx context.Context, groupID int64) ([]store.User, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	LeftMessage(ctx context.Context, tenantID int64, chatID string) (store.LeftMessage, error)
	ReplyToLeft(ctx context.Context, d store.LeftReplyDraft) (store.LeftReply, error)
}

// Left writes the e-mail of left messages: notices to groups and replies to visitors.
type Left struct {
	Store LeftStore
	// Outbox is woken after a message is written (nil: it finds it at its next poll).
	Outbox *Outbox
}

// LeftRootID is the Message-ID of the notice of left message chatID: the root of its thread.
// It is the same for every recipient of the notice, so that the replies thread under it.
func LeftRootID(chatID string, set store.MailSettings) string {
	id := NewMessageID(set)
	return "left." + chatID + id[strings.LastIndexByte(id, '@'):]
}

// LeftSubject is the subject of a left message's thread: who it was left with and the start
// of its text.
func LeftSubject(conn store.Connector, text string) string {
	where := conn.Title
	if where == "" {
		where = conn.Name
	}
	first, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	if utf8.RuneCountInString(first) > 60 {
		first = string([]rune(first)[:60]) + "…"
	}
	if where == "" {
		return "Message: " + first
	}
	return "Message to " + where + ": " + first
}

// LeftNotices are the notices of a new left message for the active members of the
// connector's group who have an e-mail address, one outbox message each, all with the
// thread's root Message-ID. base is the server's address as people reach it
// ("https://chat.example.com"), for the links to the message. Nothing is written when the
// tenant's e-mail is not set up or nobody has an address.
func LeftNotices(set store.MailSettings, conn store.Connector, members []store.User, ch store.Chat, text, base string) []store.OutboxMail {
	if !set.Configured() {
		return nil
	}
	body := LeftNoticeText(conn, ch, text, base)
	subject := LeftSubject(conn, text)
	seen := map[string]bool{}
	var out []store.OutboxMail
	for _, u := range members {
		to := strings.TrimSpace(u.Email)
		if !u.Active || to == "" || seen[strings.ToLower(to)] || store.CheckMailAddress(to) != nil {
			continue
		}
		seen[strings.ToLower(to)] = true
		out = append(out, store.OutboxMail{TenantID: ch.TenantID, Kind: store.KindLeftNotice, ChatID: ch.ID,
			MessageID: LeftRootID(ch.ID, set), To: to, Subject: subject, Body: body})
	}
	return out
}

// LeftNoticeText is the body of a notice: the visitor's message, how to reach them, and
// where to answer.
func LeftNoticeText(conn store.Connector, ch store.Chat, text, base string) string {
	var b strings.Builder
	where := conn.Title
	if where == "" {
		where = conn.Name
	}
	fmt.Fprintf(&b, "A visitor left a message on %s.\n\n", where)
	for _, l := range [][2]string{{"Name", ch.VisitorName}, {"E-mail", ch.VisitorEmail}, {"Phone", ch.VisitorPhone},
		{"Department", ch.Fields["department"]}, {"Page", ch.Page}} {
		if l[1] != "" {
			fmt.Fprintf(&b, "%-11s %s\n", l[0]+":", l[1])
		}
	}
	fmt.Fprintf(&b, "%-11s %s\n\n", "Received:", ch.CreatedAt.UTC().Format("2 Jan 2006 15:04 MST"))
	b.WriteString(quote(text))
	base = strings.TrimRight(base, "/")
	b.WriteString("\n\nAnswer it by e-mail in the admin pages:\n" + base + "/admin/left#left-" + ch.ID + "\n")
	if ch.VisitorEmail == "" {
		b.WriteString("\nThe visitor left no e-mail address.\n")
	}
	return b.String()
}

// quote marks each line of text as quoted ("> ").
func quote(text string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

// LeftReplyText is the body of a reply: the answer, then the visitor's message quoted.
func LeftReplyText(reply string, lm store.LeftMessage) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(reply))
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "On %s you wrote:\n", lm.Chat.CreatedAt.UTC().Format("2 Jan 2006 15:04 MST"))
	b.WriteString(quote(lm.Text))
	b.WriteString("\n")
	return b.String()
}

// Reply stores author's reply to left message chatID of tenantID and writes its e-mail to
// the visitor, threaded under the notice and the replies before it ("Re: " the thread's
// subject). It returns once both are stored; the outbox delivers the e-mail.
func (l *Left) Reply(ctx context.Context, tenantID int64, chatID string, author store.User, text string) (store.LeftReply, error) {
	text, err := store.CheckLeftReply(text)
	if err != nil {
		return store.LeftReply{}, err
	}
	lm, err := l.Store.LeftMessage(ctx, tenantID, chatID)
	if err != nil {
		return store.LeftReply{}, err
	}
	set, err := l.Store.MailSettings(ctx, tenantID)
	if err != nil {
		return store.LeftReply{}, err
	}
	if !set.Configured() {
		return store.LeftReply{}, store.ErrMailNotSetUp()
	}
	conn, err := l.Store.Connector(ctx, lm.Chat.ConnectorID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.LeftReply{}, err
	}
	name := author.Name
	if name == "" {
		name = author.Login
	}
	r, err := l.Store.ReplyToLeft(ctx, store.LeftReplyDraft{TenantID: tenantID, ChatID: chatID, UserID: author.ID, Author: name, Text: text,
		RootID: LeftRootID(chatID, set),
		Mail:   store.OutboxMail{MessageID: NewMessageID(set), Subject: "Re: " + LeftSubject(conn, lm.Text), Body: LeftReplyText(text, lm)}})
	if err != nil {
		return store.LeftReply{}, err
	}
	if l.Outbox != nil {
		l.Outbox.Wake()
	}
	return r, nil
}

// Notices are the notices of a new left message for its connector's group (see
// [LeftNotices]); the caller writes them with the message.
func (l *Left) Notices(ctx context.Context, conn store.Connector, ch store.Chat, text, base string) ([]store.OutboxMail, error) {
	set, err := l.Store.MailSettings(ctx, ch.TenantID)
	if err != nil || !set.Configured() || conn.GroupID == 0 {
		return nil, err
	}
	members, err := l.Store.AgentsOfGroup(ctx, conn.GroupID)
	if err != nil {
		return nil, err
	}
	return LeftNotices(set, conn, members, ch, text, base), nil
}

// Wake tells the outbox that notices were written.
func (l *Left) Wake() {
	if l.Outbox != nil {
		l.Outbox.Wake()
	}
}
