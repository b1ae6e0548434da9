package store

import (
	"context"
	"fmt"
	"testing"
	"time"
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
