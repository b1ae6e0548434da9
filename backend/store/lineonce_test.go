package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestLinesStoredOnce: a line is written once, as its message row holding its event — no row
// of events — and the replays read the chat's events and lines together: every number once,
// in order, in any page size, the visitor's without the agents-only lines, dated by the line.
// Lines written before (a message row without its event, and the event as a row of events)
// replay beside them, and neither is read twice. The lines go through the transaction (a
// chat row in the batch), one statement of a few rows and one of many (PostgreSQL), and
// batches of lines alone, which have no row of events to write.
func TestLinesStoredOnce(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			c := newChat(t, s, ten.ID, nil)
			others := make([]Chat, 12)
			for i := range others {
				others[i] = newChat(t, s, ten.ID, nil)
			}

			// Three lines as they were stored before: the message row without its event.
			at := now().Add(-time.Hour)
			for i := 1; i <= 3; i++ {
				text := fmt.Sprint("old ", i)
				data := fmt.Sprintf(`{"text":%q}`, text)
				if err := s.w.Create(&eventRow{ChatID: c.ID, Seq: uint64(i), VisitorSeq: uint64(i), Type: "message", Data: data, At: at}).Error; err != nil {
					t.Fatal(err)
				}
				if err := s.w.Create(&messageRow{ChatID: c.ID, Seq: uint64(i), Role: "visitor", Name: "V", Text: text, At: at}).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := s.w.Model(&chatRow{}).Where("id = ?", c.ID).Updates(map[string]any{"last_seq": 3, "last_visitor_seq": 3}).Error; err != nil {
				t.Fatal(err)
			}

			line := func(chat, text string, agentsOnly bool) Write {
				w := msgWrite(chat, 0, text, "c-"+text)
				w.Event.AgentsOnly, w.Message.Internal = agentsOnly, agentsOnly
				w.Message.At = now()
				return w
			}
			var texts []string
			commit := func(ws ...Write) {
				t.Helper()
				if err := s.Commit(ctx, ws...); err != nil {
					t.Fatal(err)
				}
			}
			// A line alone, a line and an event, an agents-only line.
			commit(line(c.ID, "a", false))
			commit(line(c.ID, "b", false), Write{Event: &Event{ChatID: c.ID, Type: "typing", Data: json.RawMessage(`{"on":true}`)}})
			commit(line(c.ID, "whisper", true))
			// A batch with a chat row: the transaction.
			rec := c
			rec.State = "active"
			w := line(c.ID, "c", false)
			w.Chat = &rec
			commit(w)
			// Many lines of many chats, lines alone: one statement of arrays on PostgreSQL.
			var many []Write
			for i := range 20 {
				many = append(many, line(c.ID, fmt.Sprint("m", i), i%5 == 4))
				many = append(many, line(others[i%len(others)].ID, fmt.Sprint("o", i), false))
			}
			commit(many...)
			texts = append(texts, "old 1", "old 2", "old 3", "a", "b", "", "whisper", "c")
			for i := range 20 {
				texts = append(texts, fmt.Sprint("m", i))
			}

			var stored int64
			if err := s.r.Model(&eventRow{}).Where("chat_id = ? AND type = ?", c.ID, "message").Count(&stored).Error; err != nil {
				t.Fatal(err)
			}
			if stored != 3 {
				t.Fatalf("%d lines have a row of events, want the 3 stored before", stored)
			}

			all := must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0))
			if len(all) != len(texts) {
				t.Fatalf("%d events, want %d", len(all), len(texts))
			}
			var visible []Event
			for i, e := range all {
				if e.Seq != uint64(i+1) {
					t.Fatalf("event %d has number %d", i, e.Seq)
				}
				if texts[i] == "" {
					if e.Type != "typing" {
						t.Fatalf("event %d is %q, want typing", e.Seq, e.Type)
					}
				} else {
					var m struct{ Text string }
					if err := json.Unmarshal(e.Data, &m); err != nil || e.Type != "message" || m.Text != texts[i] {
						t.Fatalf("event %d is %s %s (%v), want the line %q", e.Seq, e.Type, e.Data, err, texts[i])
					}
				}
				if !e.AgentsOnly {
					visible = append(visible, e)
				}
			}
			msgs := must[[]Message](t)(s.Messages(ctx, c.ID, 0))
			for _, m := range msgs {
				if e := all[m.Seq-1]; !e.At.Equal(m.At) {
					t.Fatalf("line %d is dated %v, its event %v", m.Seq, m.At, e.At)
				}
			}
			for i, e := range visible {
				if e.VisitorSeq != uint64(i+1) {
					t.Fatalf("the visitor's event %d has number %d", i, e.VisitorSeq)
				}
			}
			if len(visible) != len(all)-5 {
				t.Fatalf("%d events the visitor sees, want %d", len(visible), len(all)-5)
			}

			for _, limit := range []int{1, 2, 7} {
				var paged, pagedVisitor []Event
				for after := uint64(0); ; {
					page := must[[]Event](t)(s.EventsAfter(ctx, c.ID, after, limit))
					if len(page) == 0 {
						break
					}
					if len(page) > limit {
						t.Fatalf("a page of %d events, limit %d", len(page), limit)
					}
					paged = append(paged, page...)
					after = page[len(page)-1].Seq
				}
				for after := uint64(0); ; {
					page := must[[]Event](t)(s.VisitorEventsAfter(ctx, c.ID, after, limit))
					if len(page) == 0 {
						break
					}
					pagedVisitor = append(pagedVisitor, page...)
					after = page[len(page)-1].VisitorSeq
				}
				if len(paged) != len(all) || len(pagedVisitor) != len(visible) {
					t.Fatalf("limit %d: %d and %d events in pages, want %d and %d", limit, len(paged), len(pagedVisitor), len(all), len(visible))
				}
				for i := range paged {
					if paged[i].Seq != all[i].Seq || string(paged[i].Data) != string(all[i].Data) {
						t.Fatalf("limit %d: paged event %d differs", limit, i)
					}
				}
				for i := range pagedVisitor {
					if pagedVisitor[i].Seq != visible[i].Seq {
						t.Fatalf("limit %d: the visitor's paged event %d differs", limit, i)
					}
				}
			}
			if b.name == "postgres" && s.gc.single.Load() < 3 {
				t.Fatalf("%d batches went as one statement, want the lines alone's", s.gc.single.Load())
			}
			for _, o := range others {
				evs := must[[]Event](t)(s.VisitorEventsAfter(ctx, o.ID, 0, 0))
				if n := len(evs); n == 0 || evs[n-1].VisitorSeq != uint64(n) {
					t.Fatalf("another chat's lines replay as %d events", n)
				}
			}
		})
	}
}
