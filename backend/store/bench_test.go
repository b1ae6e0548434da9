package store

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGroupCommit measures chat messages (event + message row)
// committed per second when many writers each wait for their own commit,
// as the chat service does before acknowledging a send.
func BenchmarkGroupCommit(b *testing.B) {
	for _, be := range backends() {
		for _, writers := range []int{1, 64, 512} {
			b.Run(fmt.Sprintf("%s/writers=%d", be.name, writers), func(b *testing.B) {
				benchGroupCommit(b, be, writers)
			})
		}
	}
}

func benchGroupCommit(b *testing.B, be backend, writers int) {
	s := openStore(b, be.newConfig(b))
	ten, err := s.CreateTenant(context.Background(), Tenant{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	procs := runtime.GOMAXPROCS(0)
	parallelism := max(1, writers/procs)
	chats := make([]string, parallelism*procs)
	for i := range chats {
		c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "active"}
		if err := s.Commit(context.Background(), Write{Chat: &c}); err != nil {
			b.Fatal(err)
		}
		chats[i] = c.ID
	}
	before := s.CommitStats()
	var next atomic.Int64
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		chatID := chats[next.Add(1)-1]
		var seq uint64
		for pb.Next() {
			seq++
			w := msgWrite(chatID, seq, "Hello, I have a question about my order.", fmt.Sprint(seq))
			if err := s.Commit(context.Background(), w); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	after := s.CommitStats()
	batches := after.Batches - before.Batches
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if batches > 0 {
		b.ReportMetric(float64(after.Writes-before.Writes)/float64(batches), "writes/batch")
		b.ReportMetric(float64((after.CommitTime-before.CommitTime)/time.Duration(batches))/1e6, "ms/batch")
	}
}
