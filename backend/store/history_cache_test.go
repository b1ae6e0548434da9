package store

import (
	"testing"
	"time"
)

// TestImportKeepsWriterCache: a history import, alone or inside BulkHistory, leaves SQLite's
// writer with its own page cache (writerCacheKiB), not with SQLite's default of 2 MiB, which
// made the message path re-read its pages afterwards.
func TestImportKeepsWriterCache(t *testing.T) {
	s := openStore(t, sqliteConfig(t))
	ten := newTenant(t, s, "T")
	cache := func() int64 {
		t.Helper()
		var kib int64
		if err := s.w.Raw("PRAGMA cache_size").Scan(&kib).Error; err != nil {
			t.Fatal(err)
		}
		return kib
	}
	if got := cache(); got != -writerCacheKiB {
		t.Fatalf("writer cache %d at the start, want %d", got, -writerCacheKiB)
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	chat := func() History {
		c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "closed", VisitorName: "V", CreatedAt: at, ClosedAt: &at}
		return History{Chats: []Chat{c}}
	}
	if err := s.ImportHistory(ctx, chat()); err != nil {
		t.Fatal(err)
	}
	if got := cache(); got != -writerCacheKiB {
		t.Fatalf("writer cache %d after an import, want %d", got, -writerCacheKiB)
	}
	if err := s.BulkHistory(ctx, func() error { return s.ImportHistory(ctx, chat()) }); err != nil {
		t.Fatal(err)
	}
	if got := cache(); got != -writerCacheKiB {
		t.Fatalf("writer cache %d after a bulk import, want %d", got, -writerCacheKiB)
	}
}
