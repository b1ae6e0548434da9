package archive

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/store"
)

// SnippetRunes is about how many characters of a message a search result shows.
const SnippetRunes = 180

// Snippet is the part of text around its first matching word, at most about SnippetRunes
// characters, as HTML: the text is escaped first and the words that match terms (a word
// matches when it starts with a term, so "orders" and "ordered" show for "order", whatever
// the case or accents) are then wrapped in <mark>. Nothing of text is ever markup. A cut
// end is shown as "…".
func Snippet(text string, terms []string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	folded := make([]string, 0, len(terms))
	for _, t := range terms {
		if t = fold(strings.TrimRight(t, "*")); t != "" {
			folded = append(folded, t)
		}
	}
	words := wordSpans(text)
	var marks []span
	for _, w := range words {
		f := fold(text[w.start:w.end])
		for _, t := range folded {
			if strings.HasPrefix(f, t) {
				marks = append(marks, w)
				break
			}
		}
	}
	start, end := 0, len(text)
	if utf8.RuneCountInString(text) > SnippetRunes {
		first := 0
		if len(marks) > 0 {
			first = marks[0].start
		}
		start = backRunes(text, first, SnippetRunes/3)
		end = forwardRunes(text, start, SnippetRunes)
		// Cut at word boundaries where one is near.
		if start > 0 {
			if k := strings.IndexAny(text[start:first], " \n\t"); k >= 0 {
				start += k + 1
			}
		}
		if end < len(text) {
			if k := strings.LastIndexAny(text[max(start, first):end], " \n\t"); k > 0 {
				end = max(start, first) + k
			}
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, m := range marks {
		if m.start < start || m.end > end {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		pos = m.end
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// span is a byte range of a text.
type span struct{ start, end int }

// wordSpans lists the words of text (runs of letters and digits) by byte range.
func wordSpans(text string) []span {
	var out []span
	in := false
	var cur span
	for i, r := range text {
		w := isWordRune(r)
		switch {
		case w && !in:
			in, cur.start = true, i
		case !w && in:
			in, cur.end = false, i
			out = append(out, cur)
		}
	}
	if in {
		cur.end = len(text)
		out = append(out, cur)
	}
	return out
}

// backRunes is the byte offset n runes before offset i of s (0 at the start).
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forwardRunes is the byte offset n runes after offset i of s (len(s) at the end).
func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// HitText is the text of a message a search found: its text, and its translation after it
// when the chat translated it, since a search finds a line by a word of either.
func HitText(m store.Message) string {
	if m.Translation == "" {
		return m.Text
	}
	return m.Text + " — " + m.Translation
}
