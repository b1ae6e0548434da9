package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// BenchmarkPurgeBatch measures one retention batch: 50 (the worker's default) or 200 closed chats with 10 messages (and
// events) and a file each deleted in one transaction, which is how long the database's writer
// is taken from the chats' group commit at a time. Run it with a fixed count, e.g.
// -benchtime=10x, so each database is filled once:
//
//	go test ./backend/store -run '^$' -bench PurgeBatch -benchtime=10x
func BenchmarkPurgeBatch(b *testing.B) {
	for _, be := range backends() {
		for _, perBatch := range []int{50, 200} {
			b.Run(fmt.Sprintf("%s/chats=%d", be.name, perBatch), func(b *testing.B) {
				ctx := context.Background()
				s := openStore(b, be.newConfig(b))
				ten, err := s.CreateTenant(ctx, Tenant{Name: "Bench"})
				if err != nil {
					b.Fatal(err)
				}
				closed := time.Now().AddDate(0, 0, -100)
				for range b.N * perBatch {
					c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: stateClosed, ClosedAt: &closed, CreatedAt: closed}
					ws := []Write{{Chat: &c}}
					for range 10 {
						ws = append(ws, msgWriteB(c.ID))
					}
					if err := s.Commit(ctx, ws...); err != nil {
						b.Fatal(err)
					}
					if _, err := s.CreateFile(ctx, File{TenantID: ten.ID, ChatID: c.ID, Name: "a.txt", Size: 1024, Role: "visitor", Data: make([]byte, 1024)}); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for range b.N {
					p, err := s.PurgeExpiredChats(ctx, ExpiredChats{TenantID: ten.ID, ClosedBefore: time.Now(), Limit: perBatch})
					if err != nil || p.Chats != perBatch {
						b.Fatalf("purged %+v, %v", p, err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/batch")
			})
		}
	}
}

func msgWriteB(chatID string) Write {
	return Write{Event: &Event{ChatID: chatID, Type: "message", Data: []byte(`{"text":"a line of a chat"}`)},
		Message: &Message{ChatID: chatID, Role: "visitor", Name: "V", Text: "a line of a chat"}}
}

// BenchmarkCompactSearchIndex measures what forgetting deleted messages costs SQLite's search
// index (Store.CompactSearchIndex, once per erasure or retention round that deleted
// messages): the index of 100,000 messages of eight words from a vocabulary of 20,000 is
// merged into one part after one chat is deleted. That time the database's writer is taken
// from the chats' group commit.
//
//	go test ./backend/store -run '^$' -bench CompactSearchIndex -benchtime=5x
func BenchmarkCompactSearchIndex(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, sqliteConfig(b))
	ten, err := s.CreateTenant(ctx, Tenant{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	word := func() string { return fmt.Sprintf("w%x", rnd.IntN(20000)*2654435761%1000003) }
	closed := time.Now().AddDate(0, 0, -100)
	const chats, lines = 10000, 10
	var ids []string
	for i := 0; i < chats; i += 100 {
		var ws []Write
		for range 100 {
			c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: stateClosed, ClosedAt: &closed, CreatedAt: closed}
			ids = append(ids, c.ID)
			ws = append(ws, Write{Chat: &c})
			for range lines {
				text := strings.Join([]string{word(), word(), word(), word(), word(), word(), word(), word()}, " ")
				ws = append(ws, Write{Event: &Event{ChatID: c.ID, Type: "message", Data: []byte(`{}`)},
					Message: &Message{ChatID: c.ID, Role: "visitor", Name: "V", Text: text}})
			}
		}
		if err := s.Commit(ctx, ws...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		err := s.w.Transaction(func(tx *gorm.DB) error { _, err := purgeChats(tx, ten.ID, ids[i:i+1]); return err })
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.CompactSearchIndex(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/compaction")
}
