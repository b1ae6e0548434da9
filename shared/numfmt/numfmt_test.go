package numfmt

import (
	"math"
	"testing"
)

func TestSize(t *testing.T) {
	cases := []struct {
		lang  string
		bytes int64
		want  string
	}{
		{"en", 1291, "1.3 KB"}, // the file that read "2 KB" to the visitor and "1.3 KB" to the agent
		{"de", 1291, "1,3 KB"},
		{"fr-BE", 1291, "1,3 Ko"},
		{"", 1291, "1.3 KB"},
		{"pt", 1291, "1.3 KB"},
		{"en", 0, "0 B"},
		{"en", 820, "820 B"},
		{"fr", 820, "820 o"},
		{"en", 1023, "1,023 B"},
		{"de", 1023, "1.023 B"},
		{"fr", 1023, "1\u202f023 o"},
		{"en", 1024, "1 KB"},
		{"en", 10*1024 - 52, "9.9 KB"},
		{"en", 10*1024 - 51, "10 KB"}, // 9.95 rounds up to whole units
		{"en", 310 * 1024, "310 KB"},
		{"en", 1024*1024 - 513, "1,023 KB"},
		{"en", 1024*1024 - 512, "1 MB"}, // never "1,024 KB"
		{"en", 5 * 1024 * 1024, "5 MB"},
		{"de", 1677722, "1,6 MB"},
		{"fr", 1677722, "1,6 Mo"},
		{"en", 3 << 30, "3 GB"},
		{"fr", 3 << 30, "3 Go"},
		{"en", 1 << 40, "1 TB"},
		{"en", math.MaxInt64, "8,388,608 TB"},
		{"en", -1, ""},
		{"en", math.MinInt64, ""},
	}
	for _, c := range cases {
		if got := Size(c.lang, c.bytes); got != c.want {
			t.Errorf("Size(%q, %d) = %q, want %q", c.lang, c.bytes, got, c.want)
		}
	}
}

// TestSizeMonotonic walks sizes across every unit boundary: a larger file never shows as
// smaller, and no size shows 1024 of a unit.
func TestSizeMonotonic(t *testing.T) {
	value := func(s string) float64 {
		var n float64
		var unit string
		for i, r := range s {
			if r == ' ' {
				unit = s[i+1:]
				break
			}
			switch {
			case r >= '0' && r <= '9':
				n = n*10 + float64(r-'0')
			case r == '.':
				var frac float64
				for _, d := range s[i+1:] {
					if d == ' ' {
						break
					}
					frac = frac*10 + float64(d-'0')
				}
				return (n + frac/10) * scale(unit, s)
			}
		}
		return n * scale(unit, s)
	}
	prev := -1.0
	for _, b := range []int64{1000, 1 << 20, 1 << 30, 1 << 40} {
		for d := int64(-600); d < 600; d++ {
			s := Size("en", b+d*b/1000)
			if v := value(s); v < prev {
				t.Fatalf("Size(%d) = %q is less than the size before", b+d*b/1000, s)
			} else {
				prev = v
			}
		}
		prev = -1
	}
}

func scale(unit, s string) float64 {
	for i, u := range units["en"] {
		if s[len(s)-len(u):] == u && (len(s) == len(u) || s[len(s)-len(u)-1] == ' ') {
			return math.Pow(1024, float64(i))
		}
	}
	return 1
}

func TestInt(t *testing.T) {
	cases := []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 0, "0"},
		{"en", 999, "999"},
		{"en", 1000, "1,000"},
		{"de", 1234567, "1.234.567"},
		{"fr", 1234567, "1\u202f234\u202f567"},
		{"en", -1234, "-1,234"},
		{"en", math.MinInt64, "-9,223,372,036,854,775,808"},
		{"de-AT", math.MaxInt64, "9.223.372.036.854.775.807"},
	}
	for _, c := range cases {
		if got := Int(c.lang, c.n); got != c.want {
			t.Errorf("Int(%q, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestTenths(t *testing.T) {
	cases := []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 13, "1.3"}, {"de", 13, "1,3"}, {"fr", 13, "1,3"}, {"en", 50, "5"},
		{"en", 0, "0"}, {"en", -15, "-1.5"}, {"de", 12345, "1.234,5"},
		{"en", math.MinInt64, "-922,337,203,685,477,580.8"},
	}
	for _, c := range cases {
		if got := Tenths(c.lang, c.n); got != c.want {
			t.Errorf("Tenths(%q, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestBase(t *testing.T) {
	for in, want := range map[string]string{"de-CH": "de", "FR": "fr", "fr_CA": "fr", " de ": "de", "en-GB": "en", "": "en", "es": "en", "\x00": "en"} {
		if got := Base(in); got != want {
			t.Errorf("Base(%q) = %q, want %q", in, got, want)
		}
	}
}
