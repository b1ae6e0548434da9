// Package filename cleans the names of files shared in chats, so that a name is checked
// against the attachment policy as the visitor's or agent's computer will read it, and shown
// as it really is. The server cleans every uploaded name with it before the type check and
// stores the clean name; the visitor widget checks a picked file's type with it before
// uploading, and both apps show incoming names through it.
//
// The tricks it undoes: Windows ignores trailing dots and spaces, so "setup.exe." and
// "setup.exe " are programs there although their extension reads "exe." or "exe "; Unicode
// bidi controls make "invoice\u202Efdp.exe" look like "invoiceexe.pdf"; control characters
// and NUL hide or cut what follows them; path separators smuggle directories in. It imports
// only the standard library and shared/limits, and builds for GOOS=js GOARCH=wasm.
package filename

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// keptExtRunes is the longest extension kept when a name is shortened to the limit; a longer
// one is cut with the rest of the name.
const keptExtRunes = 16

// Clean returns the name a file is checked, stored and shown under, or "" when nothing usable
// is left (refuse the file then). It drops invalid UTF-8, control characters (NUL, C0, DEL,
// C1), format characters (bidi marks, embeddings, overrides and isolates, zero-width
// characters, the byte order mark) and line and paragraph separators; keeps only the last
// element of a path (after "/" or "\"); trims spaces at both ends and dots at the end, as
// Windows does; and shortens the name to [limits.FileNameRunes] characters, keeping its
// extension.
func Clean(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for i, r := range name {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[i:]); size <= 1 {
				continue // an invalid byte, not a U+FFFD in the name
			}
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			continue
		}
		b.WriteRune(r)
	}
	s := strings.TrimRight(b.String(), `/\`)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = trim(s)
	if utf8.RuneCountInString(s) > limits.FileNameRunes {
		s = shorten(s)
	}
	return s
}

// trim takes spaces off both ends of a name and dots off its end, until neither is left.
func trim(s string) string {
	return strings.TrimLeftFunc(strings.TrimRightFunc(s, func(r rune) bool { return r == '.' || unicode.IsSpace(r) }), unicode.IsSpace)
}

// shorten cuts a clean name to the limit, keeping a short extension.
func shorten(s string) string {
	r := []rune(s)
	ext := ""
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		if e := []rune(s[i:]); len(e) <= keptExtRunes+1 {
			ext = s[i:]
		}
	}
	stem := r[:limits.FileNameRunes-utf8.RuneCountInString(ext)]
	if ext != "" {
		return trim(string(stem)) + ext
	}
	return trim(string(stem))
}

// Type returns a file's type as the attachment policy reads it: the extension of the clean
// name in lower case, without the dot ("Photo.PNG " gives "png", ".bashrc" gives "bashrc"), or
// "" when it has none.
func Type(name string) string {
	s := Clean(name)
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(s[i+1:])
}
