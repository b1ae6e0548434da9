package store

import (
	"errors"
	"testing"
)

// TestDeletedChatsTakeTheirLines: deleting chats, directly or with their tenant, deletes
// their events and messages and leaves the other chats' (on PostgreSQL by the trigger of
// migration 56, which replaced the foreign keys; on SQLite by the keys). A history import
// refuses an event or a message of a chat outside its batch.
func TestDeletedChatsTakeTheirLines(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			keep, gone := newTenant(t, s, "Keep"), newTenant(t, s, "Gone")
			a, d := newChat(t, s, keep.ID, nil), newChat(t, s, keep.ID, nil)
			g1, g2 := newChat(t, s, gone.ID, nil), newChat(t, s, gone.ID, nil)
			for _, c := range []Chat{a, d, g1, g2} {
				for i := range 3 {
					if err := s.Commit(ctx, msgWrite(c.ID, 0, "line", string(rune('a'+i)))); err != nil {
						t.Fatal(err)
					}
				}
			}
			count := func(table, chat string) int64 {
				t.Helper()
				var n int64
				if err := s.w.Table(table).Where("chat_id = ?", chat).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			if err := s.w.Exec("DELETE FROM chats WHERE id = ?", d.ID).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.w.Exec("DELETE FROM tenants WHERE id = ?", gone.ID).Error; err != nil {
				t.Fatal(err)
			}
			for _, c := range []Chat{d, g1, g2} {
				if e, m := count("chat_events", c.ID), count("messages", c.ID); e != 0 || m != 0 {
					t.Fatalf("a deleted chat kept %d events and %d messages", e, m)
				}
			}
			if e, m := count("chat_events", a.ID), count("messages", a.ID); e != 3 || m != 3 {
				t.Fatalf("the chat kept has %d events and %d messages; want 3 and 3", e, m)
			}

			c := Chat{ID: NewChatID(), TenantID: keep.ID, ConnectorID: 1, State: "closed", VisitorName: "V"}
			for _, h := range []History{
				{Chats: []Chat{c}, Events: []Event{{ChatID: a.ID, Seq: 9, Type: "message"}}},
				{Chats: []Chat{c}, Messages: []Message{{ChatID: "no-such-chat", Seq: 1, Role: "visitor", Text: "x"}}},
			} {
				if err := s.ImportHistory(ctx, h); !errors.Is(err, ErrInvalid) {
					t.Fatalf("an import with a line of a chat outside its batch: %v", err)
				}
			}
			if e := count("chat_events", a.ID); e != 3 {
				t.Fatalf("a refused import wrote: %d events", e)
			}
		})
	}
}
