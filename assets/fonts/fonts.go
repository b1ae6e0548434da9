// Package fonts holds the TrueType fonts Parley embeds in the PDFs it writes, so that a
// transcript prints umlauts, accents and other scripts as written on any server, with no font
// installed there. The files are DejaVu Sans 2.37, free to redistribute under the licence in
// LICENSE beside them.
package fonts

import _ "embed"

// Regular is DejaVu Sans, the text face.
//
//go:embed DejaVuSans.ttf
var Regular []byte

// Bold is DejaVu Sans Bold, for headings and names.
//
//go:embed DejaVuSans-Bold.ttf
var Bold []byte
