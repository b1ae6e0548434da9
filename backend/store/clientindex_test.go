package store

import (
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestClientIndex: the index of lines' command ids leads with the id (migration 58), still
// refuses a sender's id twice in a chat while the same id from another sender or in another
// chat is a line of its own, and is what the lookup of a line by its id reads.
func TestClientIndex(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten := newTenant(t, s, "T")
			c1, c2 := newChat(t, s, ten.ID, nil), newChat(t, s, ten.ID, nil)

			var cols []string
			if b.name == "postgres" {
				var def string
				if err := s.r.Raw(`SELECT indexdef FROM pg_indexes WHERE indexname = 'ux_messages_client'`).Scan(&def).Error; err != nil {
					t.Fatal(err)
				}
				cols = []string{def}
			} else if err := s.r.Raw(`SELECT name FROM pragma_index_info('ux_messages_client') ORDER BY seqno`).Scan(&cols).Error; err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{true: "(client_id, chat_id, role, user_id) WHERE (client_id <> ''::text)", false: "client_id,chat_id,role,user_id"}[b.name == "postgres"]
			if got := strings.Join(cols, ","); !strings.Contains(got, want) {
				t.Fatalf("ux_messages_client is %q, want %q", got, want)
			}

			line := func(chatID, role string, user int64, id string) Write {
				w := msgWrite(chatID, 0, "hi "+id, id)
				w.Message.Role, w.Message.UserID = role, user
				return w
			}
			for _, w := range []Write{line(c1.ID, "visitor", 0, "0mabcdefg-1"), line(c2.ID, "visitor", 0, "0mabcdefg-1"),
				line(c1.ID, "agent", 7, "0mabcdefg-1"), line(c1.ID, "agent", 8, "0mabcdefg-1")} {
				if err := s.Commit(ctx, w); err != nil {
					t.Fatalf("the same id from another sender or in another chat: %v", err)
				}
			}
			if err := s.Commit(ctx, line(c1.ID, "agent", 7, "0mabcdefg-1")); err == nil {
				t.Fatal("an agent's command id was stored twice in one chat")
			}
			m, err := s.MessageByClientID(ctx, c1.ID, "agent", 8, "0mabcdefg-1")
			if err != nil || m.UserID != 8 || m.ChatID != c1.ID {
				t.Fatalf("MessageByClientID = %+v, %v", m, err)
			}
			if _, err := s.MessageByClientID(ctx, c2.ID, "agent", 8, "0mabcdefg-1"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another chat's id: %v, want ErrNotFound", err)
			}

			sql := s.r.ToSQL(func(tx *gorm.DB) *gorm.DB {
				return tx.Take(&messageRow{}, "client_id = ? AND chat_id = ? AND role = ? AND user_id = ? AND client_id <> ''", "0mabcdefg-1", c1.ID, "agent", 8)
			})
			if text := queryPlan(t, s, sql); !strings.Contains(text, "ux_messages_client") {
				t.Fatalf("the lookup by command id does not read its index:\n%s\n%s", sql, text)
			}
		})
	}
}
