package archive

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits on a search, so that a pasted page or a flood of words gives a clear answer instead
// of a slow query.
const (
	// MaxQueryBytes is the longest search text accepted.
	MaxQueryBytes = 500
	// MaxTerms is how many words a search may have.
	MaxTerms = 12
	// maxTermRunes cuts a single very long "word" (a pasted hash, a URL without separators).
	maxTermRunes = 64
)

// Errors a search text can give; their texts are shown to the user as they are.
var (
	ErrQueryTooLong = errors.New("the search is too long: use at most 500 characters")
	ErrNoWords      = errors.New("type at least one word (letters or digits) to search for")
	ErrTooManyWords = errors.New("the search has too many words: use at most 12")
)

// Terms reads a search text as the words to find: runs of letters and digits, lower-cased,
// each at most 64 characters; a word directly followed by "*" is a prefix ("deliv*"). All
// else (quotes, operators such as NEAR, OR, AND, -, parentheses, NUL and other control
// characters, invalid UTF-8) only separates words, so that nothing typed becomes query
// syntax. A word repeated counts once.
func Terms(q string) ([]string, error) {
	if len(q) > MaxQueryBytes {
		return nil, ErrQueryTooLong
	}
	q = strings.ToValidUTF8(q, " ")
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRuneInString(q[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i
		for j < len(q) {
			r, size := utf8.DecodeRuneInString(q[j:])
			if !isWordRune(r) {
				break
			}
			j += size
		}
		word := strings.ToLower(q[i:j])
		if utf8.RuneCountInString(word) > maxTermRunes {
			word = string([]rune(word)[:maxTermRunes])
		}
		if j < len(q) && q[j] == '*' {
			word += "*"
		}
		i = j
		if seen[word] {
			continue
		}
		seen[word] = true
		out = append(out, word)
		if len(out) > MaxTerms {
			return nil, ErrTooManyWords
		}
	}
	if len(out) == 0 {
		return nil, ErrNoWords
	}
	return out, nil
}

// isWordRune reports whether r belongs to a word, as the full-text indexes see it.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// fold is s lower-cased with accents removed, the form in which words are compared when
// marking them ("Café" and "cafe" fold alike, as SQLite's index folds them).
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
