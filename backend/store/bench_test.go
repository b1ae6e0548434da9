package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGroupCommit measures chat messages (event + message row)
// committed per second when concurrent writers each wait for their own
// commit, as the chat service does before acknowledging a send, and the
// process's CPU time per message (cpu-µs/msg): one writer is a commit per
// message, as an open loop at a moderate rate commits, many writers share
// commits. Run it with a fixed count, e.g. -benchtime=20000x, so each database
// is set up once.
func BenchmarkGroupCommit(b *testing.B) {
	for _, be := range backends() {
		for _, writers := range []int{1, 8, 64, 512} {
			b.Run(fmt.Sprintf("%s/writers=%d", be.name, writers), func(b *testing.B) {
				benchGroupCommit(b, be, writers, "")
			})
		}
	}
}

// BenchmarkGroupCommitPushes is BenchmarkGroupCommit with the Web Push notice the chat
// service writes with a visitor's message for the chat's agent: "connected" asks and writes
// none (the agent's app is open, the usual case), "closed" writes one push to the agent's one
// subscription in the message's transaction.
func BenchmarkGroupCommitPushes(b *testing.B) {
	for _, be := range backends() {
		for _, writers := range []int{1, 64} {
			for _, app := range []string{"connected", "closed"} {
				b.Run(fmt.Sprintf("%s/writers=%d/app=%s", be.name, writers, app), func(b *testing.B) {
					benchGroupCommit(b, be, writers, app)
				})
			}
		}
	}
}

// benchGroupCommit commits messages of writers writers; app, when set, adds each message's
// push notice for an agent whose app is "connected" or "closed".
func benchGroupCommit(b *testing.B, be backend, writers int, app string) {
	ctx := context.Background()
	s := openStore(b, be.newConfig(b))
	ten, err := s.CreateTenant(ctx, Tenant{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	var agent User
	if app != "" {
		if agent, err = s.CreateUser(ctx, User{TenantID: ten.ID, Login: "a", Name: "A", Role: RoleAgent, Active: true}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SavePushSubscription(ctx, PushSubscription{TenantID: ten.ID, UserID: agent.ID, Endpoint: "https://push.example/a", P256dh: "k", Auth: "a"}); err != nil {
			b.Fatal(err)
		}
	}
	closed := app == "closed"
	chats := make([]Write, writers)
	for i := range chats {
		chats[i] = Write{Chat: &Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "active"}}
	}
	if err := s.Commit(ctx, chats...); err != nil {
		b.Fatal(err)
	}
	before := s.CommitStats()
	var remaining atomic.Int64
	remaining.Store(int64(b.N))
	var wg sync.WaitGroup
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chatID := chats[i].Chat.ID
			var seq uint64
			for remaining.Add(-1) >= 0 {
				seq++
				w := msgWrite(chatID, seq, "Hello, I have a question about my order.", fmt.Sprint(seq))
				if app != "" {
					w.Pushes = []PushNotice{{UserID: agent.ID, Kind: "message", ChatID: chatID, Visitor: "V", Text: "Hello, I have a question about my order.",
						Expires: time.Now().Add(time.Minute), If: func() bool { return closed }}}
				}
				if err := s.Commit(ctx, w); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu1, _ := processCPU()
	after := s.CommitStats()
	batches := after.Batches - before.Batches
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if cpuOK {
		// The whole process: the committer, the writers and, on SQLite, the database.
		b.ReportMetric(float64(cpu1-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/msg")
	}
	if batches > 0 {
		b.ReportMetric(float64(after.Writes-before.Writes)/float64(batches), "writes/batch")
		b.ReportMetric(float64((after.CommitTime-before.CommitTime)/time.Duration(batches))/1e6, "ms/batch")
	}
}

// BenchmarkNewChats measures new visitor chats committed per second when concurrent writers
// each wait for their own commit, every chat with a visitor id and an e-mail address of its
// own, so that each makes a new contact. Linking runs beside the committer; the figure says
// how much of the committer's time new chats cost. Run it with a fixed count, e.g.
// -benchtime=2000x.
func BenchmarkNewChats(b *testing.B) {
	for _, be := range backends() {
		for _, writers := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/writers=%d", be.name, writers), func(b *testing.B) {
				ctx := context.Background()
				s := openStore(b, be.newConfig(b))
				ten, err := s.CreateTenant(ctx, Tenant{Name: "Bench"})
				if err != nil {
					b.Fatal(err)
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued",
								VisitorID: fmt.Sprintf("v%d", i), VisitorEmail: fmt.Sprintf("p%d@example.com", i)}
							if err := s.Commit(ctx, Write{Chat: &c, Event: &Event{ChatID: c.ID, Type: "chat.created"}}); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chats/s")
			})
		}
	}
}

// BenchmarkLinkEnqueue measures what a new chat costs the group committer for its contact:
// handing it to the linker (compare BenchmarkLinkChat, the linking itself, which the committer
// did before the linker existed).
func BenchmarkLinkEnqueue(b *testing.B) {
	l := &linker{s: &Store{}, limit: b.N + 1, pending: map[string]Chat{}, wake: make(chan struct{}, 1)}
	chats := make([]Chat, b.N)
	for i := range chats {
		chats[i] = Chat{ID: NewChatID(), TenantID: 1, ConnectorID: 1, State: "queued", VisitorID: fmt.Sprintf("v%d", i),
			VisitorEmail: fmt.Sprintf("p%d@example.com", i), PData: map[string]string{"user_id": "u"}}
	}
	b.ResetTimer()
	for i := range chats {
		l.enqueue(chats[i : i+1])
	}
}
