package store

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/contact"
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
// first, with their messages and files, as [Store.ChatsOfPerson] finds them. Agents' internal
// notes are left out: they are the contact center's working notes, not the visitor's data.
func (s *Store) VisitorRecords(ctx context.Context, tenantID int64, v Visitor) ([]VisitorRecord, error) {
	chats, err := s.ChatsOfPerson(ctx, tenantID, v)
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

// visitorIdentities are the contact identities a visitor's keys name, normalised as stored.
func visitorIdentities(v Visitor) []contact.Identity {
	var out []contact.Identity
	for _, i := range []contact.Identity{{Kind: contact.KindEmail, Value: v.Email}, {Kind: contact.KindCustomer, Value: v.CustomerID},
		{Kind: contact.KindVisitor, Value: v.VisitorID}} {
		if i.Value = contact.Normalize(i.Kind, i.Value); i.Value != "" {
			out = append(out, i)
		}
	}
	return out
}

// contactsOf returns the ids of the tenant's contacts holding any of the identities; strong
// only keeps identities that name one person (e-mail, customer id), not a browser that may be
// shared.
func contactsOf(db *gorm.DB, tenantID int64, ids []contact.Identity, strong bool) ([]int64, error) {
	var (
		conds []string
		args  []any
	)
	for _, i := range ids {
		if !strong || i.Kind.Strong() {
			conds, args = append(conds, "(kind = ? AND value = ?)"), append(args, string(i.Kind), i.Value)
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	var out []int64
	err := db.Model(&contactIdentityRow{}).Distinct("contact_id").Where("tenant_id = ?", tenantID).
		Where(strings.Join(conds, " OR "), args...).Order("contact_id").Pluck("contact_id", &out).Error
	return out, err
}

// ChatsOfPerson lists, newest first, the tenant's chats and left messages that belong to the
// person a visitor's keys name: those [Store.ChatsOfVisitor] finds, and every chat of the
// contact that holds the e-mail address or customer id (a person's earlier chats from before
// they gave it). A visitor id alone names a browser, which may be shared: it finds only the
// chats that carried it. A privacy request's export and erasure both cover this list.
func (s *Store) ChatsOfPerson(ctx context.Context, tenantID int64, v Visitor) ([]Chat, error) {
	chats, err := s.ChatsOfVisitor(ctx, tenantID, v, 0)
	if err != nil {
		return nil, err
	}
	contacts, err := contactsOf(s.r.WithContext(ctx), tenantID, visitorIdentities(v), true)
	if err != nil || len(contacts) == 0 {
		return chats, wrap("chats of person", err)
	}
	have := make(map[string]bool, len(chats))
	for _, c := range chats {
		have[c.ID] = true
	}
	linked, err := findChats(s.r.WithContext(ctx).Where("tenant_id = ? AND id IN (?)", tenantID,
		s.r.Model(&contactChatRow{}).Select("chat_id").Where("tenant_id = ? AND contact_id IN ?", tenantID, contacts)))
	if err != nil {
		return nil, wrap("chats of person", err)
	}
	for _, c := range linked {
		if !have[c.ID] {
			chats = append(chats, c)
		}
	}
	slices.SortStableFunc(chats, func(a, b Chat) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return chats, nil
}

// Erased says what erasing a visitor removed, and what it had to keep.
type Erased struct {
	Purged
	// OpenKept counts the visitor's chats that are still open, which are not erased: the
	// chat goes on. Erase again once they closed.
	OpenKept int
	// Contacts counts the contacts deleted because none of their chats is left.
	Contacts int
}

// EraseVisitor deletes every closed chat and left message of the person in the tenant (as
// [Store.ChatsOfPerson] finds them), with their messages, events, files, participants, survey
// answers, e-mails and other deliveries (see purgeChats), and the tenant's other queued or
// sent e-mails to the visitor's address; the search index forgets the messages' words
// ([Store.CompactSearchIndex]).
// It works in batches of MaxPurgeBatch chats, each in its own short transaction. Then the
// visitor's identities are taken from every contact of the tenant, and the person's contacts
// that have no chat left are deleted with their identities and merge records; a contact with
// an open chat stays until it is erased again.
func (s *Store) EraseVisitor(ctx context.Context, tenantID int64, v Visitor) (Erased, error) {
	var out Erased
	idents := visitorIdentities(v)
	contacts, err := contactsOf(s.r.WithContext(ctx), tenantID, idents, false)
	if err != nil {
		return out, wrap("erase visitor", err)
	}
	chats, err := s.ChatsOfPerson(ctx, tenantID, v)
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
	if len(contacts) > 0 && out.OpenKept == 0 {
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.lockTenantContacts(tx, tenantID); err != nil {
				return err
			}
			for _, i := range idents {
				if err := tx.Where("tenant_id = ? AND kind = ? AND value = ?", tenantID, string(i.Kind), i.Value).
					Delete(&contactIdentityRow{}).Error; err != nil {
					return err
				}
			}
			var err error
			out.Contacts, err = deleteContacts(tx, tenantID, contacts)
			return err
		})
		if err != nil {
			return out, wrap("erase visitor", err)
		}
	}
	if key := emailKey(v.Email); key != "" {
		res := s.w.WithContext(ctx).Where("tenant_id = ? AND LOWER(to_address) = ?", tenantID, key).Delete(&outboxRow{})
		if res.Error != nil {
			return out, wrap("erase visitor", res.Error)
		}
		out.Outbox += int(res.RowsAffected)
	}
	if out.Messages > 0 {
		if err := s.CompactSearchIndex(ctx); err != nil {
			return out, wrap("erase visitor", err)
		}
	}
	return out, nil
}
