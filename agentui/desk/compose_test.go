package desk

import "testing"

func TestInsertPutsASpaceBeforeAnEmoji(t *testing.T) {
	for _, tc := range []struct {
		text   string
		pos    int
		s      string
		spaced bool
		want   string
		cursor int // in UTF-16 units: an emoji such as 🙂 counts 2
	}{
		{"Thanks", -1, "🙂", true, "Thanks 🙂", 9},                      // after a word: a space
		{"Thanks ", -1, "🙂", true, "Thanks 🙂", 9},                     // after a space: none
		{"Thanks\n", -1, "🙂", true, "Thanks\n🙂", 9},                   // after a new line: none
		{"", 0, "🙂", true, "🙂", 2},                                    // at the very start: none
		{"\n", 1, "🙂", true, "🙂", 2},                                  // a stray new line is no text
		{"Hello world", 5, "👋", true, "Hello 👋 world", 8},             // at the cursor, mid-text
		{"Hello", 0, "👋", true, "👋Hello", 2},                          // at the start of the text
		{"ok 🙂", -1, "🙂", true, "ok 🙂 🙂", 8},                          // after an emoji too
		{"Hi,", -1, "Hello $visitor", false, "Hi,Hello $visitor", 17}, // canned text as it is
		{"Hi", 99, "!", false, "Hi!", 3},                              // a cursor beyond the text: the end
	} {
		got, cursor := Insert(tc.text, tc.pos, tc.s, tc.spaced)
		if got != tc.want || cursor != tc.cursor {
			t.Errorf("Insert(%q, %d, %q, %v) = %q, %d; want %q, %d", tc.text, tc.pos, tc.s, tc.spaced, got, cursor, tc.want, tc.cursor)
		}
	}
}
