package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestOpenChatLimitsRace: new chats of one visitor and of one address, written at once
// through two store handles on one PostgreSQL database (two nodes), never pass the open chat
// limits; on SQLite, through one handle, neither.
func TestOpenChatLimitsRace(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			cfg := b.newConfig(t)
			nodes := []*Store{openStore(t, cfg)}
			if b.name == DialectPostgres {
				nodes = append(nodes, openStore(t, cfg))
			}
			ten := newTenant(t, nodes[0], "Limited")
			const rounds, racers = 10, 8
			for round := range rounds {
				for _, c := range []struct {
					name  string
					limit OpenChatLimit
					want  int
				}{
					{"visitor", OpenChatLimit{PerVisitor: 2, PerIP: 100, VisitorID: "v1"}, 2},
					{"address", OpenChatLimit{PerIP: 3}, 3},
				} {
					ip := fmt.Sprintf("192.0.2.%d/%s", round, c.name)
					var wg sync.WaitGroup
					var mu sync.Mutex
					made, refused := 0, 0
					for i := range racers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							visitor := c.limit.VisitorID
							if visitor == "" {
								visitor = fmt.Sprintf("v%d", i) // a new visitor each time
							}
							ch := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued", VisitorName: "V", VisitorID: visitor, IP: ip}
							l := c.limit
							err := nodes[i%len(nodes)].Commit(ctx, Write{Chat: &ch, Limit: &l, Event: &Event{ChatID: ch.ID, Type: "chat_state", Data: []byte(`{}`)}})
							var le *OpenChatLimitError
							mu.Lock()
							defer mu.Unlock()
							switch {
							case err == nil:
								made++
							case errors.As(err, &le) && le.PerVisitor == (c.name == "visitor"):
								refused++
							default:
								t.Errorf("%s: %v", c.name, err)
							}
						}()
					}
					wg.Wait()
					if made != c.want || refused != racers-c.want {
						t.Fatalf("round %d, %s limit %d: %d chats made, %d refused, of %d at once", round, c.name, c.want, made, refused, racers)
					}
					open, err := nodes[0].OpenChatsFrom(ctx, ten.ID, ip, 100)
					if err != nil || len(open) != c.want {
						t.Fatalf("round %d, %s: %d open chats stored, want %d (%v)", round, c.name, len(open), c.want, err)
					}
				}
			}
		})
	}
}
