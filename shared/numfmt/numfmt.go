// Package numfmt formats numbers and file sizes for people, in English, German and French, so
// that the visitor's widget and the agent app show the same file as the same size ("1.3 KB",
// "1,3 KB", "1,3 Ko") and the same count with the same digit grouping. It is written by hand
// from the three languages' CLDR rules (decimal and grouping separators, the byte unit's
// letter) because golang.org/x/text would add far more to each WebAssembly client than these
// few lines.
package numfmt

import (
	"strconv"
	"strings"
)

// Base reduces a BCP 47 tag ("de-CH", "FR") to a language this package formats for: "en",
// "de" or "fr"; anything else is "en".
func Base(lang string) string {
	b, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	b, _, _ = strings.Cut(b, "_")
	switch b {
	case "de", "fr":
		return b
	}
	return "en"
}

// separators returns the decimal mark and the thousands separator of a language: French
// groups with a narrow no-break space, so that a number never breaks across lines.
func separators(lang string) (decimal, group string) {
	switch Base(lang) {
	case "de":
		return ",", "."
	case "fr":
		return ",", "\u202f"
	}
	return ".", ","
}

// Int formats a whole number with the language's digit grouping: 1,234,567 in English,
// 1.234.567 in German, 1 234 567 in French.
func Int(lang string, n int64) string {
	_, group := separators(lang)
	return grouped(strconv.FormatInt(n, 10), group)
}

// grouped puts sep between every three digits of a formatted integer, from the right.
func grouped(digits, sep string) string {
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	if len(digits) <= 3 {
		return sign + digits
	}
	var b strings.Builder
	b.Grow(len(sign) + len(digits) + len(digits)/3*len(sep))
	b.WriteString(sign)
	head := len(digits) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(digits[:head])
	for i := head; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// Tenths formats a number given in tenths with one decimal, dropped when it is zero: 13 is
// "1.3" in English and "1,3" in German and French, 50 is "5".
func Tenths(lang string, tenths int64) string {
	dec, group := separators(lang)
	neg := tenths < 0
	u := uint64(tenths)
	if neg {
		u = -u
	}
	s := grouped(strconv.FormatUint(u/10, 10), group)
	if d := u % 10; d != 0 {
		s += dec + strconv.FormatUint(d, 10)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// units are the byte units by language: French writes octets.
var units = map[string][5]string{
	"en": {"B", "KB", "MB", "GB", "TB"},
	"de": {"B", "KB", "MB", "GB", "TB"},
	"fr": {"o", "Ko", "Mo", "Go", "To"},
}

// Size formats a size in bytes the way both chat clients show files and upload limits:
// bytes below 1 KB ("820 B"), one decimal below 10 units ("1.3 KB", "4 MB"), whole units above
// ("310 KB"), counting 1 KB as 1024 bytes as upload limits are counted. Rounding never shows
// 1024 of a unit: that is the next unit. A negative size is unknown and gives "".
func Size(lang string, bytes int64) string {
	if bytes < 0 {
		return ""
	}
	u := units[Base(lang)]
	if bytes < 1024 {
		return Int(lang, bytes) + " " + u[0]
	}
	n, unit := uint64(bytes), uint64(1024)
	for i := 1; ; i++ {
		// tenths of the unit, rounded half up, without overflowing for the largest sizes.
		tenths := n/unit*10 + (n%unit*10+unit/2)/unit
		whole := tenths >= 100
		if whole {
			tenths = (n/unit + (n%unit+unit/2)/unit) * 10 // rounded once, from the bytes
		}
		if tenths >= 10240 && i < len(u)-1 {
			unit *= 1024
			continue
		}
		if whole {
			return Int(lang, int64(tenths/10)) + " " + u[i]
		}
		return Tenths(lang, int64(tenths)) + " " + u[i]
	}
}
