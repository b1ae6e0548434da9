package transcript

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"

	"github.com/parleychat/parley/assets/fonts"
)

// replacement stands for a character the font cannot draw (Chinese, emoji): the PDF library
// draws only what its font has, and one missing glyph must not garble a whole line.
const replacement = '\uFFFD'

// face is one embedded font and the characters it can draw.
type face struct {
	data []byte
	// has is a bitset of the Basic Multilingual Plane: the PDF library encodes text as
	// UTF-16 code units and knows only that plane.
	has []uint64
}

var (
	facesOnce sync.Once
	faces     struct{ regular, bold *face }
)

// loadFaces reads which characters each embedded font has, once per process.
func loadFaces() {
	facesOnce.Do(func() {
		faces.regular = newFace(fonts.Regular)
		faces.bold = newFace(fonts.Bold)
	})
}

// newFace maps the characters of a TrueType font. A font that does not parse (it is embedded
// and checked by the tests) draws nothing but the replacement mark.
func newFace(data []byte) *face {
	f := &face{data: data, has: make([]uint64, 0x10000/64)}
	font, err := sfnt.Parse(data)
	if err != nil {
		return f
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if g, err := font.GlyphIndex(&buf, r); err == nil && g != 0 {
			f.has[r/64] |= 1 << (r % 64)
		}
	}
	return f
}

// draws reports whether the face has a glyph for r.
func (f *face) draws(r rune) bool {
	return r >= 0 && r < 0x10000 && f.has[r/64]&(1<<(r%64)) != 0
}

// clean makes s safe to draw in f: line ends become "\n", tabs spaces, other control and
// formatting characters (bidi overrides) go, and characters the font lacks become the
// replacement mark, one per character or emoji sequence (joined with U+200D, with variation
// selectors and skin tones).
func (f *face) clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	lastMissing, joined := false, false
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune('\n')
		case r == '\t' || r == '\r':
			b.WriteRune(' ')
		case r == '\u200D':
			joined = lastMissing
			continue
		case r >= 0xFE00 && r <= 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF, unicode.Is(unicode.Mn, r) && lastMissing:
			continue // a variation, skin tone or mark of a character already replaced
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		case f.draws(r):
			b.WriteRune(r)
		default:
			if !joined {
				b.WriteRune(replacement)
			}
			lastMissing, joined = true, false
			continue
		}
		lastMissing, joined = false, false
	}
	return b.String()
}
