package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
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
	// Tags are the tags on the chats, as agents set them while closing.
	Tags []ChatTag
}

// ChatTag is one tag on one chat of a [History]: who set it and when.
type ChatTag struct {
	ChatID  string
	TagID   int64
	AddedBy int64
	AddedAt time.Time
}

// importCacheKiB is the writer's page cache on SQLite while a history batch is written: the
// batch's rows land all over the chat, message and event indexes (chat ids are random), and
// with the default 2 MB cache every insert into a year of history reads its pages again from
// the operating system. 256 MB holds the indexes of 100,000 chats; the cache goes back to the
// default after the batch (the pages are then in the operating system's cache, and the next
// batch reads them back fast).
const importCacheKiB = 256 << 10

// writerCacheKiB is the SQLite writer's page cache the rest of the time: up to 64 MiB of pages
// (SQLite's default is 2 MiB). Past a few tens of thousands of messages the default re-read a
// tenth of the server's CPU worth of pages (one pread each) on the message path; a history
// import sets it back to this, not to SQLite's default.
const writerCacheKiB = 64 << 10

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
	tenantOf := make(map[string]int64, len(h.Chats))
	for _, c := range h.Chats {
		tenantOf[c.ID] = c.TenantID
	}
	// Every event and message belongs to a chat of the batch (PostgreSQL has no foreign key
	// to refuse them: migrations_chatcascade.go).
	for _, e := range events {
		if _, ok := tenantOf[e.ChatID]; !ok {
			return fmt.Errorf("store: import history: %w: event of chat %q outside the batch", ErrInvalid, e.ChatID)
		}
	}
	for _, m := range msgs {
		if _, ok := tenantOf[m.ChatID]; !ok {
			return fmt.Errorf("store: import history: %w: message of chat %q outside the batch", ErrInvalid, m.ChatID)
		}
	}
	tags := make([]chatTagRow, len(h.Tags))
	for i, t := range h.Tags {
		tid, ok := tenantOf[t.ChatID]
		if !ok {
			return fmt.Errorf("store: import history: %w: tag on chat %q outside the batch", ErrInvalid, t.ChatID)
		}
		tags[i] = chatTagRow{ChatID: t.ChatID, TagID: t.TagID, TenantID: tid, AddedBy: t.AddedBy, AddedAt: normTime(t.AddedAt)}
	}
	if s.dialect == DialectSQLite && !s.bulk.Load() {
		// The writer pool has one connection: the pragma applies to the transaction below.
		if err := s.w.WithContext(ctx).Exec(fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKiB)).Error; err != nil {
			return wrap("import history", err)
		}
		defer s.w.Exec(fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheKiB))
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
		{"tags", &tags, len(tags), s.rowsPerInsert(chatTagRow{})},
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

// bulkTables are the tables a history import fills, whose secondary indexes and triggers
// [Store.BulkHistory] sets aside on SQLite.
var bulkTables = []string{"chats", "participants", "events", "messages", "chat_tags"}

// BulkHistory runs fn, which imports history through [Store.ImportHistory], in the fastest
// way the database allows, and leaves the database as if the history had been imported
// row by row. On SQLite the tables' secondary indexes and the search index's triggers are
// set aside and made again once after fn (one sort instead of a random insert per row), the
// full-text index is filled in one rebuild, and the writer keeps a large page cache and
// skips the fsync of each batch (the database is not in use: a crash leaves a file to throw
// away, which is what an interrupted generation does anyway). It is meant for a database
// nobody else writes to meanwhile, such as the one the history generator fills: a live
// message written during fn would not be found by the search until the rebuild.
func (s *Store) BulkHistory(ctx context.Context, fn func() error) error {
	if s.dialect != DialectSQLite {
		return fn()
	}
	db := s.w.WithContext(ctx)
	var saved []struct {
		Type, Name, SQL string
	}
	if err := db.Raw(`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ? ORDER BY type, name`, bulkTables).
		Scan(&saved).Error; err != nil {
		return wrap("bulk history", err)
	}
	for _, o := range saved {
		if err := db.Exec(fmt.Sprintf(`DROP %s IF EXISTS "%s"`, strings.ToUpper(o.Type), o.Name)).Error; err != nil {
			return wrap("bulk history", err)
		}
	}
	for _, p := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKiB), "PRAGMA synchronous = OFF"} {
		if err := db.Exec(p).Error; err != nil {
			return wrap("bulk history", err)
		}
	}
	s.bulk.Store(true)
	err := fn()
	s.bulk.Store(false)
	// The indexes and triggers come back whatever fn did: the schema must stay whole.
	restore := []string{"PRAGMA synchronous = FULL", fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheKiB)}
	for _, o := range saved {
		restore = append(restore, o.SQL)
	}
	restore = append(restore, `INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')`)
	for _, q := range restore {
		// A cancelled ctx must not leave the schema without its indexes.
		if rerr := s.w.Exec(q).Error; rerr != nil {
			err = errors.Join(err, wrap("bulk history: restore", rerr))
		}
	}
	return err
}
