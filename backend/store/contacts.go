package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/token"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Contact is a customer of a tenant as the contact center knows them: the fields people edit,
// and the identities (package contact) by which their chats are found.
type Contact struct {
	ID         int64
	TenantID   int64
	Name       string
	Email      string
	Phone      string
	Company    string
	Notes      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastSeenAt time.Time
	Identities []ContactIdentity
}

// Verified reports the contact's verified user id, "" when it has none.
func (c Contact) Verified() string {
	for _, i := range c.Identities {
		if i.Kind == contact.KindUser {
			return i.Value
		}
	}
	return ""
}

// ContactIdentity is one identity of a contact, with when it was first seen.
type ContactIdentity struct {
	Kind      contact.Kind
	Value     string
	CreatedAt time.Time
}

// ContactMerge records that contact MergedID (now gone) became part of ContactID: by whom
// (ByUserID, 0 for the automatic rules), why, and which identities it brought.
type ContactMerge struct {
	ID         int64
	ContactID  int64
	MergedID   int64
	MergedName string
	Identities []contact.Identity
	ByUserID   int64
	Reason     string
	At         time.Time
}

// ChatContact is a chat's link to its contact, with the host page's user id as the chat
// carried it and whether its signature was valid.
type ChatContact struct {
	ChatID       string
	ContactID    int64
	UserID       string
	UserVerified bool
}

// Contact sizes the store accepts from people editing a contact.
const (
	ContactFieldRunes = 200
	ContactNotesRunes = 10000
)

type contactRow struct {
	ID         int64 `gorm:"primaryKey"`
	TenantID   int64 `gorm:"not null"`
	Name       string
	Email      string
	Phone      string
	Company    string
	Notes      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LastSeenAt time.Time
}

func (contactRow) TableName() string { return "contacts" }

type contactIdentityRow struct {
	ID        int64 `gorm:"primaryKey"`
	TenantID  int64
	ContactID int64
	Kind      string
	Value     string
	Strong    bool
	CreatedAt time.Time
}

func (contactIdentityRow) TableName() string { return "contact_identities" }

type contactChatRow struct {
	ChatID       string `gorm:"primaryKey"`
	TenantID     int64
	ContactID    int64
	IdentKey     string
	UserID       string
	UserVerified bool
}

func (contactChatRow) TableName() string { return "contact_chats" }

type contactMergeRow struct {
	ID         int64 `gorm:"primaryKey"`
	TenantID   int64
	ContactID  int64
	MergedID   int64
	MergedName string
	Identities string
	ByUserID   int64
	Reason     string
	CreatedAt  time.Time
}

func (contactMergeRow) TableName() string { return "contact_merges" }

type connectorIdentityRow struct {
	ConnectorID int64 `gorm:"primaryKey"`
	TenantID    int64
	Secret      string
	UpdatedAt   time.Time
}

func (connectorIdentityRow) TableName() string { return "connector_identity" }

func init() {
	allRows = append(allRows, &contactRow{}, &contactIdentityRow{}, &contactChatRow{}, &contactMergeRow{}, &connectorIdentityRow{})
}

func (r contactRow) domain() Contact {
	return Contact{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Email: r.Email, Phone: r.Phone, Company: r.Company,
		Notes: r.Notes, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, LastSeenAt: r.LastSeenAt}
}

// ---- identity secrets ----

// IdentitySecret returns the connector's secret for signed user ids, "" when none was made.
func (s *Store) IdentitySecret(ctx context.Context, connectorID int64) (string, error) {
	var row connectorIdentityRow
	err := s.r.WithContext(ctx).Take(&row, "connector_id = ?", connectorID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return row.Secret, wrap("identity secret", err)
}

// RegenerateIdentitySecret gives a connector of the tenant a new random secret for signed user
// ids and returns it: hashes made with the old one no longer verify.
func (s *Store) RegenerateIdentitySecret(ctx context.Context, tenantID, connectorID int64) (string, error) {
	secret := token.New(32)
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := sameTenant(tx, &connectorRow{}, "connector", tenantID, connectorID); err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "connector_id"}}, DoUpdates: clause.AssignmentColumns([]string{"secret", "updated_at"})}).
			Create(&connectorIdentityRow{ConnectorID: connectorID, TenantID: tenantID, Secret: secret, UpdatedAt: now()}).Error
	})
	if err != nil {
		return "", wrap("regenerate identity secret", err)
	}
	return secret, nil
}

// ---- linking chats ----

// LinkChat links a chat to the contact its identities lead to, creating or merging contacts
// by the rules of package contact. The store's linker calls it after each commit of a chat,
// off the group committer's goroutine (linking.go); it is safe to call at any time and again.
func (s *Store) LinkChat(ctx context.Context, c Chat) error {
	// Most writes of a chat change its state, not what it says about its visitor: those cost
	// no reading at all.
	raw := strings.Join([]string{c.VisitorID, c.VisitorEmail, c.VisitorPhone, c.CustomerID, c.PData[contact.PDataUserID],
		c.PData[contact.PDataUserHash], c.PData[contact.PDataJtelUser], c.PData["email"]}, "\x00")
	if k, ok := s.linked.Load(c.ID); ok && k == raw {
		return nil
	}
	secret, err := s.IdentitySecret(ctx, c.ConnectorID)
	if err != nil {
		return err
	}
	ids := contact.Identities(contact.Source{VisitorID: c.VisitorID, Email: c.VisitorEmail, Phone: c.VisitorPhone,
		CustomerID: c.CustomerID, PData: c.PData}, secret)
	key := contact.Key(ids)
	if len(ids) == 0 {
		return nil
	}
	var cur contactChatRow
	if err := s.r.WithContext(ctx).Take(&cur, "chat_id = ?", c.ID).Error; err == nil && cur.IdentKey == key {
		s.remember(c, raw)
		return nil
	}
	for attempt := 0; ; attempt++ {
		err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.linkTx(tx, c, ids, key) })
		// Two nodes racing past the tenant lock cannot happen; a unique clash still says
		// someone else just wrote the same identity: read again and decide again.
		if err == nil {
			s.remember(c, raw)
		}
		if err == nil || !errors.Is(err, gorm.ErrDuplicatedKey) || attempt == 2 {
			return wrap("link chat to contact", err)
		}
	}
}

// remember keeps what a chat said about its visitor when it was linked, while it is open, so
// that its many writes (state changes, each committed whole) cost no reading.
func (s *Store) remember(c Chat, key string) {
	if c.State == stateClosed {
		s.linked.Delete(c.ID)
	} else {
		s.linked.Store(c.ID, key)
	}
}

// lockTenantContacts serialises contact decisions of one tenant across connections and
// nodes (PostgreSQL advisory lock for the transaction; SQLite has one writer already).
func (s *Store) lockTenantContacts(tx *gorm.DB, tenantID int64) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(16, ?)", int32(tenantID)).Error
}

func (s *Store) linkTx(tx *gorm.DB, c Chat, ids []contact.Identity, key string) error {
	if err := s.lockTenantContacts(tx, c.TenantID); err != nil {
		return err
	}
	found, err := candidates(tx, c.TenantID, ids)
	if err != nil {
		return err
	}
	d := contact.Decide(ids, found)
	at := c.CreatedAt.UTC()
	if at.IsZero() {
		at = now()
	}
	email := ""
	for _, i := range ids {
		if i.Kind == contact.KindEmail {
			email = strings.TrimSpace(c.VisitorEmail)
			if email == "" {
				email = i.Value
			}
		}
	}
	target := d.Target
	if target == 0 {
		t := now()
		row := contactRow{TenantID: c.TenantID, Name: c.VisitorName, Email: email, Phone: strings.TrimSpace(c.VisitorPhone),
			CreatedAt: t, UpdatedAt: t, LastSeenAt: at}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		target = row.ID
	}
	for _, m := range d.Merge {
		if err := mergeTx(tx, c.TenantID, target, m, 0, "chat "+c.ID+" carried identities of both"); err != nil {
			return err
		}
	}
	if err := attach(tx, c.TenantID, target, d.Attach); err != nil {
		return err
	}
	// Fill what the contact does not know yet; what people typed stays.
	upd := map[string]any{}
	var row contactRow
	if err := tx.Take(&row, "id = ?", target).Error; err != nil {
		return err
	}
	if row.Name == "" && strings.TrimSpace(c.VisitorName) != "" {
		upd["name"] = strings.TrimSpace(c.VisitorName)
	}
	if row.Email == "" && email != "" {
		upd["email"] = email
	}
	if row.Phone == "" && strings.TrimSpace(c.VisitorPhone) != "" {
		upd["phone"] = strings.TrimSpace(c.VisitorPhone)
	}
	if at.After(row.LastSeenAt) {
		upd["last_seen_at"] = at
	}
	if len(upd) > 0 {
		if err := tx.Model(&contactRow{}).Where("id = ?", target).Updates(upd).Error; err != nil {
			return err
		}
	}
	user, verified := "", false
	for _, i := range ids {
		if i.Kind == contact.KindUser {
			user, verified = i.Value, true
		} else if i.Kind == contact.KindClaimedUser && user == "" {
			user = i.Value
		}
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "chat_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"contact_id", "ident_key", "user_id", "user_verified"})}).
		Create(&contactChatRow{ChatID: c.ID, TenantID: c.TenantID, ContactID: target, IdentKey: key, UserID: user, UserVerified: verified}).Error
}

// candidates reads the contacts any of ids (that may find contacts) belongs to, with all their
// identities.
func candidates(tx *gorm.DB, tenantID int64, ids []contact.Identity) ([]contact.Candidate, error) {
	var (
		conds []string
		args  []any
	)
	for _, i := range ids {
		if i.Kind.Matches() {
			conds, args = append(conds, "(kind = ? AND value = ?)"), append(args, string(i.Kind), i.Value)
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	var contactIDs []int64
	if err := tx.Model(&contactIdentityRow{}).Distinct("contact_id").Where("tenant_id = ?", tenantID).
		Where(strings.Join(conds, " OR "), args...).Pluck("contact_id", &contactIDs).Error; err != nil {
		return nil, err
	}
	if len(contactIDs) == 0 {
		return nil, nil
	}
	var rows []contactRow
	if err := tx.Where("tenant_id = ? AND id IN ?", tenantID, contactIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	idents, err := identitiesOf(tx, contactIDs)
	if err != nil {
		return nil, err
	}
	out := make([]contact.Candidate, len(rows))
	for k, r := range rows {
		out[k] = contact.Candidate{ID: r.ID, LastSeen: r.LastSeenAt}
		for _, i := range idents[r.ID] {
			out[k].Identities = append(out[k].Identities, contact.Identity{Kind: i.Kind, Value: i.Value})
		}
	}
	return out, nil
}

func identitiesOf(db *gorm.DB, contactIDs []int64) (map[int64][]ContactIdentity, error) {
	var rows []contactIdentityRow
	if err := db.Where("contact_id IN ?", contactIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64][]ContactIdentity{}
	for _, r := range rows {
		out[r.ContactID] = append(out[r.ContactID], ContactIdentity{Kind: contact.Kind(r.Kind), Value: r.Value, CreatedAt: r.CreatedAt})
	}
	return out, nil
}

func attach(tx *gorm.DB, tenantID, contactID int64, ids []contact.Identity) error {
	if len(ids) == 0 {
		return nil
	}
	t := now()
	rows := make([]contactIdentityRow, len(ids))
	for k, i := range ids {
		rows[k] = contactIdentityRow{TenantID: tenantID, ContactID: contactID, Kind: string(i.Kind), Value: i.Value, Strong: i.Kind.Strong(), CreatedAt: t}
	}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "contact_id"}, {Name: "kind"}, {Name: "value"}}, DoNothing: true}).Create(&rows).Error
}

// mergeTx makes contact from part of contact into: its identities, chats and the fields into
// does not have move over, a merge record is written, and from is deleted.
func mergeTx(tx *gorm.DB, tenantID, into, from, byUser int64, reason string) error {
	var a, b contactRow
	if err := tx.Take(&a, "tenant_id = ? AND id = ?", tenantID, into).Error; err != nil {
		return err
	}
	if err := tx.Take(&b, "tenant_id = ? AND id = ?", tenantID, from).Error; err != nil {
		return err
	}
	idents, err := identitiesOf(tx, []int64{into, from})
	if err != nil {
		return err
	}
	moved := make([]contact.Identity, 0, len(idents[from]))
	for _, i := range idents[from] {
		moved = append(moved, contact.Identity{Kind: i.Kind, Value: i.Value})
	}
	if err := tx.Where("contact_id = ?", from).Delete(&contactIdentityRow{}).Error; err != nil {
		return err
	}
	if err := attach(tx, tenantID, into, moved); err != nil {
		return err
	}
	if err := tx.Model(&contactChatRow{}).Where("contact_id = ?", from).Update("contact_id", into).Error; err != nil {
		return err
	}
	if err := tx.Model(&contactMergeRow{}).Where("contact_id = ?", from).Update("contact_id", into).Error; err != nil {
		return err
	}
	upd := map[string]any{"updated_at": now()}
	for _, f := range []struct {
		col, have, give string
	}{{"name", a.Name, b.Name}, {"email", a.Email, b.Email}, {"phone", a.Phone, b.Phone}, {"company", a.Company, b.Company}} {
		if f.have == "" && f.give != "" {
			upd[f.col] = f.give
		}
	}
	switch {
	case b.Notes == "":
	case a.Notes == "":
		upd["notes"] = b.Notes
	default:
		upd["notes"] = a.Notes + "\n\n" + b.Notes
	}
	if b.LastSeenAt.After(a.LastSeenAt) {
		upd["last_seen_at"] = b.LastSeenAt
	}
	if err := tx.Model(&contactRow{}).Where("id = ?", into).Updates(upd).Error; err != nil {
		return err
	}
	js, err := json.Marshal(moved)
	if err != nil {
		return err
	}
	if err := tx.Create(&contactMergeRow{TenantID: tenantID, ContactID: into, MergedID: from, MergedName: b.Name,
		Identities: string(js), ByUserID: byUser, Reason: reason, CreatedAt: now()}).Error; err != nil {
		return err
	}
	return tx.Delete(&contactRow{}, "id = ?", from).Error
}

// MergeContacts makes contact from of the tenant part of contact into, by a person (byUser).
// Two contacts with different verified user ids are different people: ErrConflict.
func (s *Store) MergeContacts(ctx context.Context, tenantID, into, from, byUser int64) error {
	if into == from {
		return wrap("merge contacts", rule("A contact cannot be merged with itself."))
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockTenantContacts(tx, tenantID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&contactRow{}).Where("tenant_id = ? AND id IN ?", tenantID, []int64{into, from}).Count(&n).Error; err != nil {
			return err
		}
		if n != 2 {
			return ErrNotFound
		}
		var users []string
		if err := tx.Model(&contactIdentityRow{}).Distinct("value").
			Where("contact_id IN ? AND kind = ?", []int64{into, from}, string(contact.KindUser)).Pluck("value", &users).Error; err != nil {
			return err
		}
		if len(users) > 1 {
			return fmt.Errorf("%w: both contacts have a verified user id, and they differ", ErrConflict)
		}
		return mergeTx(tx, tenantID, into, from, byUser, "merged by hand")
	})
	return wrap("merge contacts", err)
}

// ---- reading and editing ----

// ContactPage is one page of a contact search.
type ContactPage struct {
	Contacts []Contact
	Total    int64
}

// likePattern makes a LIKE pattern that finds q anywhere, with LIKE's own characters escaped.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// Contacts lists a tenant's contacts seen last first, limit from offset, those whose name,
// e-mail, phone, company or any identity contains q (ignoring case) when q is not empty.
func (s *Store) Contacts(ctx context.Context, tenantID int64, q string, limit, offset int) (ContactPage, error) {
	db := s.r.WithContext(ctx).Model(&contactRow{}).Where("tenant_id = ?", tenantID)
	if storable("search", q) != nil {
		return ContactPage{Contacts: []Contact{}}, nil // no stored text holds a NUL or broken UTF-8
	}
	if q = strings.TrimSpace(q); q != "" {
		p := likePattern(q)
		sub := s.r.Model(&contactIdentityRow{}).Select("contact_id").Where(`tenant_id = ? AND LOWER(value) LIKE ? ESCAPE '\'`, tenantID, p)
		db = db.Where(`LOWER(name) LIKE ? ESCAPE '\' OR LOWER(email) LIKE ? ESCAPE '\' OR LOWER(phone) LIKE ? ESCAPE '\' OR LOWER(company) LIKE ? ESCAPE '\' OR id IN (?)`,
			p, p, p, p, sub)
	}
	var page ContactPage
	if err := db.Count(&page.Total).Error; err != nil {
		return page, wrap("contacts", err)
	}
	var rows []contactRow
	if err := db.Order("last_seen_at DESC, id DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return page, wrap("contacts", err)
	}
	page.Contacts = make([]Contact, len(rows))
	ids := make([]int64, len(rows))
	for k, r := range rows {
		page.Contacts[k], ids[k] = r.domain(), r.ID
	}
	if len(ids) > 0 {
		idents, err := identitiesOf(s.r.WithContext(ctx), ids)
		if err != nil {
			return page, wrap("contacts", err)
		}
		for k := range page.Contacts {
			page.Contacts[k].Identities = idents[page.Contacts[k].ID]
		}
	}
	return page, nil
}

// Contact returns a contact of the tenant with its identities, or ErrNotFound (also for a
// contact of another tenant).
func (s *Store) Contact(ctx context.Context, tenantID, id int64) (Contact, error) {
	var row contactRow
	if err := s.r.WithContext(ctx).Take(&row, "tenant_id = ? AND id = ?", tenantID, id).Error; err != nil {
		return Contact{}, wrap("contact", err)
	}
	c := row.domain()
	idents, err := identitiesOf(s.r.WithContext(ctx), []int64{id})
	c.Identities = idents[id]
	return c, wrap("contact", err)
}

// UpdateContact saves the fields people edit (name, e-mail, phone, company, notes) of a
// contact of the tenant.
func (s *Store) UpdateContact(ctx context.Context, c Contact) (Contact, error) {
	c.Name, c.Email, c.Phone, c.Company = strings.TrimSpace(c.Name), strings.TrimSpace(c.Email), strings.TrimSpace(c.Phone), strings.TrimSpace(c.Company)
	if err := storable("contact", c.Name, c.Email, c.Phone, c.Company, c.Notes); err != nil {
		return Contact{}, wrap("update contact", err)
	}
	for _, f := range []string{c.Name, c.Email, c.Phone, c.Company} {
		if len([]rune(f)) > ContactFieldRunes {
			return Contact{}, wrap("update contact", rule("A contact field is longer than {0} characters.", strconv.Itoa(ContactFieldRunes)))
		}
	}
	if len([]rune(c.Notes)) > ContactNotesRunes {
		return Contact{}, wrap("update contact", rule("The notes are longer than {0} characters.", strconv.Itoa(ContactNotesRunes)))
	}
	res := s.w.WithContext(ctx).Model(&contactRow{}).Where("tenant_id = ? AND id = ?", c.TenantID, c.ID).
		Updates(map[string]any{"name": c.Name, "email": c.Email, "phone": c.Phone, "company": c.Company, "notes": c.Notes, "updated_at": now()})
	if res.Error != nil {
		return Contact{}, wrap("update contact", res.Error)
	}
	if res.RowsAffected == 0 {
		return Contact{}, wrap("update contact", ErrNotFound)
	}
	return s.Contact(ctx, c.TenantID, c.ID)
}

// ContactMerges lists the merges that made the tenant's contact, newest first.
func (s *Store) ContactMerges(ctx context.Context, tenantID, id int64) ([]ContactMerge, error) {
	var rows []contactMergeRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ? AND contact_id = ?", tenantID, id).Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, wrap("contact merges", err)
	}
	out := make([]ContactMerge, len(rows))
	for k, r := range rows {
		out[k] = ContactMerge{ID: r.ID, ContactID: r.ContactID, MergedID: r.MergedID, MergedName: r.MergedName,
			ByUserID: r.ByUserID, Reason: r.Reason, At: r.CreatedAt}
		if err := json.Unmarshal([]byte(r.Identities), &out[k].Identities); err != nil {
			return nil, wrap("contact merges", err)
		}
	}
	return out, nil
}

// TimelineEntry is one chat or left message of a contact.
type TimelineEntry struct {
	Chat Chat
	Link ChatContact
	// Left marks a message left when no chat could be had; Text is then the message.
	Left bool
	Text string
}

// ContactTimeline lists the tenant's contact's chats and left messages, newest first, at most
// limit (all when limit <= 0).
func (s *Store) ContactTimeline(ctx context.Context, tenantID, id int64, limit int) ([]TimelineEntry, error) {
	var links []contactChatRow
	q := s.r.WithContext(ctx).Table("contact_chats").Select("contact_chats.*").
		Joins("JOIN chats ON chats.id = contact_chats.chat_id").
		Where("contact_chats.tenant_id = ? AND contact_chats.contact_id = ?", tenantID, id).
		Order("chats.created_at DESC, chats.id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&links).Error; err != nil {
		return nil, wrap("contact timeline", err)
	}
	if len(links) == 0 {
		return []TimelineEntry{}, nil
	}
	ids := make([]string, len(links))
	for k, l := range links {
		ids[k] = l.ChatID
	}
	chats, err := findChats(s.r.WithContext(ctx).Where("tenant_id = ? AND id IN ?", tenantID, ids))
	if err != nil {
		return nil, wrap("contact timeline", err)
	}
	byID := map[string]Chat{}
	for _, c := range chats {
		byID[c.ID] = c
	}
	out := make([]TimelineEntry, 0, len(links))
	for _, l := range links {
		c, ok := byID[l.ChatID]
		if !ok {
			continue
		}
		e := TimelineEntry{Chat: c, Link: l.domain()}
		if c.CloseCause == CloseCauseLeftMessage {
			e.Left = true
			if msgs, err := s.Messages(ctx, c.ID, 1); err == nil && len(msgs) > 0 {
				e.Text = msgs[0].Text
			}
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b TimelineEntry) int { return b.Chat.CreatedAt.Compare(a.Chat.CreatedAt) })
	return out, nil
}

func (r contactChatRow) domain() ChatContact {
	return ChatContact{ChatID: r.ChatID, ContactID: r.ContactID, UserID: r.UserID, UserVerified: r.UserVerified}
}

// ChatContact returns the link of a chat of the tenant to its contact, ErrNotFound when the
// chat has none (yet).
func (s *Store) ChatContact(ctx context.Context, tenantID int64, chatID string) (ChatContact, error) {
	var row contactChatRow
	if err := s.r.WithContext(ctx).Take(&row, "tenant_id = ? AND chat_id = ?", tenantID, chatID).Error; err != nil {
		return ChatContact{}, wrap("chat contact", err)
	}
	return row.domain(), nil
}

// committedChats returns the chats of the batch's units that committed, for contact linking.
func committedChats(batch []commitItem, errs []error) []Chat {
	var out []Chat
	for i := range batch {
		if errs[i] != nil {
			continue
		}
		for _, w := range batch[i].ws {
			if w.Chat != nil {
				out = append(out, *w.Chat)
			}
		}
	}
	return out
}
