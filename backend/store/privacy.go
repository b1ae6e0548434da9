package store

import (
	"context"

	"gorm.io/gorm"
)

// VisitorRecord is everything the store holds about one visitor's chat, for a privacy
// export: the chat (with its survey answers and contact details), the lines the visitor could
// see, and the files shared in it (without their contents; [Store.File] reads those).
type VisitorRecord struct {
	Chat     Chat
	Messages []Message
	Files    []File
}

// VisitorRecords returns every chat and left message of the visitor in the tenant, oldest
// first, with their messages and files, as [Store.ChatsOfVisitor] finds them. Agents' internal
// notes are left out: they are the contact center's working notes, not the visitor's data.
func (s *Store) VisitorRecords(ctx context.Context, tenantID int64, v Visitor) ([]VisitorRecord, error) {
	chats, err := s.ChatsOfVisitor(ctx, tenantID, v, 0)
	if err != nil {
		return nil, err
	}
	out := make([]VisitorRecord, 0, len(chats))
	for i := len(chats) - 1; i >= 0; i-- {
		c := chats[i]
		var rows []messageRow
		if err := s.r.WithContext(ctx).Where("chat_id = ? AND internal = ?", c.ID, false).Order("seq").Find(&rows).Error; err != nil {
			return nil, wrap("visitor records", err)
		}
		rec := VisitorRecord{Chat: c, Messages: make([]Message, len(rows))}
		for j, r := range rows {
			rec.Messages[j] = r.domain()
		}
		if rec.Files, err = s.chatFiles(ctx, c.ID); err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// chatFiles lists a chat's files without their contents, oldest first.
func (s *Store) chatFiles(ctx context.Context, chatID string) ([]File, error) {
	var rows []fileRow
	if err := s.r.WithContext(ctx).Omit("data").Where("chat_id = ?", chatID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, wrap("chat files", err)
	}
	out := make([]File, len(rows))
	for i, r := range rows {
		out[i] = File{ID: r.ID, TenantID: r.TenantID, ChatID: r.ChatID, Name: r.Name, ContentType: r.ContentType, Size: r.Size,
			Role: r.Role, UserID: r.UserID, CreatedAt: normTime(r.CreatedAt)}
	}
	return out, nil
}

// Erased says what erasing a visitor removed, and what it had to keep.
type Erased struct {
	Purged
	// OpenKept counts the visitor's chats that are still open, which are not erased: the
	// chat goes on. Erase again once they closed.
	OpenKept int
}

// EraseVisitor deletes every closed chat and left message of the visitor in the tenant, with
// their messages, events, files, participants, survey answers and e-mails, and the tenant's
// other queued or sent e-mails to the visitor's address. It works in batches of
// MaxPurgeBatch chats, each in its own short transaction.
func (s *Store) EraseVisitor(ctx context.Context, tenantID int64, v Visitor) (Erased, error) {
	var out Erased
	chats, err := s.ChatsOfVisitor(ctx, tenantID, v, 0)
	if err != nil {
		return out, err
	}
	var ids []string
	for _, c := range chats {
		if c.State == stateClosed {
			ids = append(ids, c.ID)
		} else {
			out.OpenKept++
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), MaxPurgeBatch)
		batch := ids[:n]
		ids = ids[n:]
		var p Purged
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			p, err = purgeChats(tx, tenantID, batch)
			return err
		})
		if err != nil {
			return out, wrap("erase visitor", err)
		}
		out.Purged = out.Purged.Add(p)
	}
	if key := emailKey(v.Email); key != "" {
		res := s.w.WithContext(ctx).Where("tenant_id = ? AND LOWER(to_address) = ?", tenantID, key).Delete(&outboxRow{})
		if res.Error != nil {
			return out, wrap("erase visitor", res.Error)
		}
		out.Outbox += int(res.RowsAffected)
	}
	return out, nil
}
