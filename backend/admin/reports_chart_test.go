package admin

import (
	"testing"
	"time"

	"github.com/parleychat/parley/backend/admin/adminmsg"
)

// TestHeatmapInTheLanguage checks that the heatmap's rows follow the language's week, each
// with the counts of its own day, and that its labels are in the language.
func TestHeatmapInTheLanguage(t *testing.T) {
	var counts [7][24]int
	counts[time.Sunday][10] = 3
	counts[time.Monday][9] = 7
	for _, c := range []struct {
		lang, first, short, title string
		sundayRow                 int
	}{
		{"en", "Sunday", "Sun", "Sunday 10:00: 3 chats", 0},
		{"de", "Montag", "Mo.", "Sonntag 10:00: 3 Chats", 6},
		{"fr", "lundi", "lun.", "dimanche 10:00: 3 chats", 6},
	} {
		h := newHeatmap(adminmsg.For(c.lang), "h", "T", "D", "", counts)
		if h.Days[0] != c.first || h.ShortDays[0] != c.short && h.ShortDays[6] != c.short {
			t.Errorf("%s: first row %q (%q)", c.lang, h.Days[0], h.ShortDays[0])
		}
		if got := h.Rows[c.sundayRow][10]; got.Count != 3 || got.Title != c.title {
			t.Errorf("%s: Sunday 10:00 is %d, %q; want 3, %q", c.lang, got.Count, got.Title, c.title)
		}
		if h.Max != 7 {
			t.Errorf("%s: max %d", c.lang, h.Max)
		}
	}
}
