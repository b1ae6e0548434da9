package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// connectHitRow is a connect_hits row (migration 49): the connections of one limit and
// client address in one minute's window.
type connectHitRow struct {
	Bucket      string    `gorm:"primaryKey"`
	WindowStart time.Time `gorm:"primaryKey"`
	Hits        int
}

func (connectHitRow) TableName() string { return "connect_hits" }

func init() { allRows = append(allRows, &connectHitRow{}) }

// AddConnectHit counts one connection of bucket (a limit's name and a client address) in the
// minute window starting at window, and returns the window's count with it: one statement, so
// that nodes counting at once never lose a hit.
func (s *Store) AddConnectHit(ctx context.Context, bucket string, window time.Time) (int, error) {
	var hits int
	err := s.w.WithContext(ctx).Raw(`INSERT INTO connect_hits (bucket, window_start, hits) VALUES (?, ?, 1)
 ON CONFLICT (bucket, window_start) DO UPDATE SET hits = connect_hits.hits + 1 RETURNING hits`, bucket, window.UTC()).Scan(&hits).Error
	if err != nil {
		return 0, fmt.Errorf("store: count a connection: %w", err)
	}
	return hits, nil
}

// PurgeConnectHits deletes the connection counts of windows that started before before.
func (s *Store) PurgeConnectHits(ctx context.Context, before time.Time) error {
	if err := s.w.WithContext(ctx).Exec(`DELETE FROM connect_hits WHERE window_start < ?`, before.UTC()).Error; err != nil {
		return fmt.Errorf("store: sweep connection counts: %w", err)
	}
	return nil
}

// OpenChat is an open chat as the open chat limits count it.
type OpenChat struct {
	ID          string
	ConnectorID int64
	VisitorID   string
}

// OpenChatsFrom lists a tenant's open chats from one client address, every node's, at most
// limit of them.
func (s *Store) OpenChatsFrom(ctx context.Context, tenantID int64, ip string, limit int) ([]OpenChat, error) {
	var out []OpenChat
	err := s.r.WithContext(ctx).Raw(`SELECT id, connector_id, visitor_id FROM chats WHERE tenant_id = ? AND ip = ? AND state <> 'closed' LIMIT ?`,
		tenantID, ip, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: open chats from an address: %w", err)
	}
	return out, nil
}

// OpenChatLimit is what a new chat's creation must respect ([Write.Limit]): at most
// PerVisitor open chats of the visitor (VisitorID, on the chat's connector, from its address)
// and PerIP of the address in the tenant, this one included; 0 leaves a limit out, as does an
// empty VisitorID the visitor's.
type OpenChatLimit struct {
	PerVisitor int
	PerIP      int
	VisitorID  string
}

// OpenChatLimitError is the failure of a new chat's write past an open chat limit: Open are
// the open chats already there (of the visitor when PerVisitor, else of the address).
type OpenChatLimitError struct {
	PerVisitor bool
	Open       int
}

func (e *OpenChatLimitError) Error() string {
	if e.PerVisitor {
		return fmt.Sprintf("store: the visitor already has %d open chats", e.Open)
	}
	return fmt.Sprintf("store: the address already has %d open chats", e.Open)
}

// openLimitClass is the first half of the two-part advisory lock keys of the open chat limits
// ("prol"); the second is a hash of the tenant and the address.
const openLimitClass = 0x70726f6c

func openLimitKey(tenantID int64, ip string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strconv.FormatInt(tenantID, 10) + "/" + ip))
	return int32(h.Sum32())
}

// checkOpenChatLimits refuses the transaction with an [*OpenChatLimitError] when a new chat
// it writes would pass its open chat limits ([Write.Limit]).
//
// Counting and creating are one step: on PostgreSQL the transaction first takes an advisory
// lock of each tenant and address it creates chats for (transaction-scoped, in key order so
// that two committers never wait for each other in a cycle), so the transaction of another
// node creating a chat from the same address waits until this one has ended and then counts
// (each statement reads what was committed before it started) the chat this one wrote. The
// chats of the batch itself that come before are counted too. On SQLite one process writes,
// one transaction at a time. A batch refused so is tried again one unit at a time, and only
// the chat past the limit fails.
func (s *Store) checkOpenChatLimits(tx *gorm.DB, units []*commitItem) error {
	type limited struct {
		chat  *Chat
		limit *OpenChatLimit
	}
	var news []limited
	var keys []int32
	for _, u := range units {
		for _, w := range u.ws {
			if w.Limit == nil || w.Chat == nil || (w.Limit.PerIP <= 0 && (w.Limit.PerVisitor <= 0 || w.Limit.VisitorID == "")) {
				continue
			}
			news = append(news, limited{w.Chat, w.Limit})
			keys = append(keys, openLimitKey(w.Chat.TenantID, w.Chat.IP))
		}
	}
	if len(news) == 0 {
		return nil
	}
	if s.dialect == DialectPostgres {
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, int32(openLimitClass), k).Error; err != nil {
				return err
			}
		}
	}
	for i, n := range news {
		c, l := n.chat, n.limit
		var counts struct{ ByIP, ByVisitor int }
		err := tx.Raw(`SELECT COUNT(*) AS by_ip, COALESCE(SUM(CASE WHEN connector_id = ? AND visitor_id = ? THEN 1 ELSE 0 END), 0) AS by_visitor
 FROM chats WHERE tenant_id = ? AND ip = ? AND state <> 'closed' AND id <> ?`, c.ConnectorID, l.VisitorID, c.TenantID, c.IP, c.ID).Scan(&counts).Error
		if err != nil {
			return err
		}
		for _, m := range news[:i] { // earlier in this batch
			if m.chat.TenantID != c.TenantID || m.chat.IP != c.IP || m.chat.ID == c.ID {
				continue
			}
			counts.ByIP++
			if l.VisitorID != "" && m.chat.ConnectorID == c.ConnectorID && m.chat.VisitorID == l.VisitorID {
				counts.ByVisitor++
			}
		}
		switch {
		case l.PerVisitor > 0 && l.VisitorID != "" && counts.ByVisitor >= l.PerVisitor:
			return &OpenChatLimitError{PerVisitor: true, Open: counts.ByVisitor}
		case l.PerIP > 0 && counts.ByIP >= l.PerIP:
			return &OpenChatLimitError{Open: counts.ByIP}
		}
	}
	return nil
}
