package store

// This file keeps the e-mail replies to left messages: each reply is stored with its left
// message (who wrote it, when, the text) in the same transaction as the outbox message that
// sends it to the visitor, threaded under the replies before it.

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// KindLeftReply marks an outbox message answering a left message; KindLeftNotice one telling
// a group of a new left message.
const (
	KindLeftReply  = "left_reply"
	KindLeftNotice = "left_notice"
)

// LeftReplyRunes caps the text of a reply to a left message.
const LeftReplyRunes = 10000

// The states of a left message.
const (
	// LeftNew has not been answered.
	LeftNew = "new"
	// LeftAnswered has at least one reply.
	LeftAnswered = "answered"
)

// LeftReply is one e-mail answer to a left message.
type LeftReply struct {
	ID     int64
	ChatID string
	// UserID and Author are who wrote it (Author is their name as it was then).
	UserID int64
	Author string
	Text   string
	// MessageID is the reply's e-mail Message-ID; InReplyTo and References its thread.
	MessageID  string
	InReplyTo  string
	References []string
	CreatedAt  time.Time
	// MailState is the outbox state of the e-mail (MailPending, MailSent, MailFailed) and
	// MailError its last error.
	MailState string
	MailError string
}

// State is the left message's state: LeftAnswered once someone replied, else LeftNew.
func (m LeftMessage) State() string {
	if len(m.Replies) > 0 {
		return LeftAnswered
	}
	return LeftNew
}

// LeftReplyDraft is a reply about to be sent: the left message it answers, its author, its
// text, and the e-mail that carries it (Subject, Body and a fresh MessageID; the store sets
// the recipient and the thread).
type LeftReplyDraft struct {
	TenantID int64
	ChatID   string
	UserID   int64
	Author   string
	Text     string
	// RootID is the Message-ID the thread hangs from when no notice or reply holds one yet.
	RootID string
	Mail   OutboxMail
}

type leftReplyRow struct {
	ID        int64  `gorm:"primaryKey"`
	TenantID  int64  `gorm:"not null"`
	ChatID    string `gorm:"not null"`
	UserID    int64  `gorm:"not null"`
	Author    string `gorm:"not null"`
	Body      string `gorm:"not null"`
	MessageID string `gorm:"not null"`
	OutboxID  int64  `gorm:"not null"`
	CreatedAt time.Time
}

func (leftReplyRow) TableName() string { return "left_replies" }

func init() { allRows = append(allRows, &leftReplyRow{}) }

// CheckLeftReply checks the text of a reply: some text, at most LeftReplyRunes characters,
// nothing an e-mail cannot carry.
func CheckLeftReply(text string) (string, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return "", rule("Write a reply first.")
	case !utf8.ValidString(text) || strings.ContainsRune(text, 0):
		return "", rule("The reply contains characters that cannot be sent.")
	case utf8.RuneCountInString(text) > LeftReplyRunes:
		return "", rule("A reply has at most {0} characters.", "10000")
	}
	return text, nil
}

// LeftMessage returns one of a tenant's left messages with its replies; ErrNotFound when the
// chat is not a left message of that tenant.
func (s *Store) LeftMessage(ctx context.Context, tenantID int64, chatID string) (LeftMessage, error) {
	chats, err := findChats(s.r.WithContext(ctx).Where("id = ? AND tenant_id = ? AND close_cause = ?", chatID, tenantID, CloseCauseLeftMessage))
	if err != nil {
		return LeftMessage{}, wrap("left message", err)
	}
	if len(chats) == 0 {
		return LeftMessage{}, wrap("left message", ErrNotFound)
	}
	lm := LeftMessage{Chat: chats[0]}
	msgs, err := s.Messages(ctx, chatID, 1)
	if err != nil {
		return LeftMessage{}, err
	}
	if len(msgs) > 0 {
		lm.Text = msgs[0].Text
	}
	if lm.Replies, err = s.LeftReplies(ctx, chatID); err != nil {
		return LeftMessage{}, err
	}
	return lm, nil
}

// LeftReplies lists the replies to a left message, oldest first, with the state of their
// e-mails.
func (s *Store) LeftReplies(ctx context.Context, chatID string) ([]LeftReply, error) {
	byChat, err := s.leftReplies(s.r.WithContext(ctx), []string{chatID})
	return byChat[chatID], err
}

// leftReplies loads the replies of several left messages by chat id.
func (s *Store) leftReplies(db *gorm.DB, chatIDs []string) (map[string][]LeftReply, error) {
	out := map[string][]LeftReply{}
	if len(chatIDs) == 0 {
		return out, nil
	}
	var rows []leftReplyRow
	if err := db.Where("chat_id IN ?", chatIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("left replies", err)
	}
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.OutboxID)
	}
	mails := map[int64]outboxRow{}
	if len(ids) > 0 {
		var ob []outboxRow
		if err := db.Omit("body").Where("id IN ?", ids).Find(&ob).Error; err != nil {
			return nil, wrap("left replies", err)
		}
		for _, o := range ob {
			mails[o.ID] = o
		}
	}
	for _, r := range rows {
		o := mails[r.OutboxID]
		out[r.ChatID] = append(out[r.ChatID], LeftReply{ID: r.ID, ChatID: r.ChatID, UserID: r.UserID, Author: r.Author, Text: r.Body,
			MessageID: r.MessageID, InReplyTo: o.InReplyTo, References: strings.Fields(o.ThreadRefs), CreatedAt: normTime(r.CreatedAt),
			MailState: o.State, MailError: o.LastError})
	}
	return out, nil
}

// ReplyToLeft stores a reply to a left message and, in the same transaction, writes its
// e-mail to the visitor's address to the outbox, threaded: In-Reply-To the previous reply
// (or the thread's root, the group's notice of the message), References the whole thread.
// The chat must be one of the tenant's left messages with a valid visitor e-mail address.
func (s *Store) ReplyToLeft(ctx context.Context, d LeftReplyDraft) (LeftReply, error) {
	text, err := CheckLeftReply(d.Text)
	if err != nil {
		return LeftReply{}, wrap("reply to left message", err)
	}
	d.Author = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(d.Author, "\x00", ""), ""))
	var out LeftReply
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ch chatRow
		err := tx.Where("id = ? AND tenant_id = ? AND close_cause = ?", d.ChatID, d.TenantID, CloseCauseLeftMessage).Take(&ch).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if ch.VisitorEmail == "" || CheckMailAddress(ch.VisitorEmail) != nil {
			return rule("The visitor left no e-mail address to answer: call them if they left a phone number.")
		}
		root := d.RootID
		var notice []outboxRow
		if err := tx.Select("message_id").Where("chat_id = ? AND kind = ?", d.ChatID, KindLeftNotice).Order("id").Limit(1).Find(&notice).Error; err != nil {
			return err
		}
		if len(notice) > 0 {
			root = notice[0].MessageID
		}
		refs := []string{root}
		inReplyTo := root
		var last []leftReplyRow
		if err := tx.Where("chat_id = ?", d.ChatID).Order("id DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		if len(last) > 0 {
			var prev outboxRow
			if err := tx.Select("thread_refs").Where("id = ?", last[0].OutboxID).Take(&prev).Error; err == nil && prev.ThreadRefs != "" {
				refs = strings.Fields(prev.ThreadRefs)
			}
			refs = append(refs, last[0].MessageID)
			inReplyTo = last[0].MessageID
		}
		m := d.Mail
		m.TenantID, m.Kind, m.ChatID, m.To = d.TenantID, KindLeftReply, d.ChatID, ch.VisitorEmail
		m.InReplyTo, m.References = inReplyTo, refs
		if root == "" {
			m.InReplyTo, m.References = "", nil
		}
		ob, err := enqueueMail(tx, m)
		if err != nil {
			return err
		}
		row := leftReplyRow{TenantID: d.TenantID, ChatID: d.ChatID, UserID: d.UserID, Author: d.Author, Body: text,
			MessageID: ob.MessageID, OutboxID: ob.ID, CreatedAt: ob.CreatedAt}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out = LeftReply{ID: row.ID, ChatID: d.ChatID, UserID: d.UserID, Author: d.Author, Text: text, MessageID: ob.MessageID,
			InReplyTo: ob.InReplyTo, References: ob.References, CreatedAt: ob.CreatedAt, MailState: ob.State}
		return nil
	})
	return out, wrap("reply to left message", err)
}

// withLeftReplies fills in the replies of left messages.
func (s *Store) withLeftReplies(ctx context.Context, left []LeftMessage) error {
	ids := make([]string, len(left))
	for i, m := range left {
		ids[i] = m.Chat.ID
	}
	byChat, err := s.leftReplies(s.r.WithContext(ctx), ids)
	if err != nil {
		return err
	}
	for i := range left {
		left[i].Replies = byChat[left[i].Chat.ID]
	}
	return nil
}

// ErrMailNotSetUp is the error of something that needs the tenant's e-mail before it is set up.
func ErrMailNotSetUp() error {
	return rule("E-mail is not set up: enter the SMTP server and the sender address under E-mail first.")
}
