package store

import (
	"context"
	"fmt"
	"time"
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
