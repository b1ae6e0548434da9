package store

import (
	"database/sql"
	"math"
	"testing"
)

// The estimate of a search's matches from the word column's statistics: words always typed
// together are bounded by the rarer one, independent ones multiply, configurations that stem
// alike count once, unlisted lexemes are rarer than the rarest listed one, the searching
// tenant's share narrows both (no tenant holds more matches than messages), and without
// statistics the estimate says so instead of guessing.
func TestEstimateMatches(t *testing.T) {
	f := func(v float64) sql.NullFloat64 { return sql.NullFloat64{Float64: v, Valid: true} }
	none := sql.NullFloat64{}
	const rows = 1e6
	lex := func(cfg, word string, freq sql.NullFloat64) lexemeStat {
		return lexemeStat{Config: cfg, Lexeme: word, Freq: freq, Min: f(0.002), Rows: rows}
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.5 }
	for _, c := range []struct {
		name         string
		rows         []lexemeStat
		likely, most float64
		known        bool
	}{
		{"only stop words", nil, 0, 0, true},
		{"common word, alike in every configuration", []lexemeStat{
			lex("english", "deliveri", f(0.05)), lex("german", "delivery", f(0.05)), lex("french", "delivery", f(0.05)), lex("simple", "delivery", f(0.05)),
		}, 0.0975 * rows, 0.10 * rows, true},
		{"two common words", []lexemeStat{lex("simple", "password", f(0.02)), lex("simple", "reset", f(0.03))}, 0.0006 * rows, 0.02 * rows, true},
		{"two common words in a tenant of a third of the messages", []lexemeStat{
			{Config: "simple", Lexeme: "password", Freq: f(0.02), Min: f(0.002), Rows: rows, Tenant: f(0.3)},
			{Config: "simple", Lexeme: "reset", Freq: f(0.03), Min: f(0.002), Rows: rows, Tenant: f(0.3)},
		}, 0.00018 * rows, 0.02 * rows, true},
		{"a common word in a small tenant", []lexemeStat{{Config: "simple", Lexeme: "order", Freq: f(0.1), Min: f(0.002), Rows: rows, Tenant: f(0.01)}},
			0.001 * rows, 0.01 * rows, true},
		{"an unlisted word", []lexemeStat{lex("simple", "xylophone", none)}, 0.001 * rows, 0.002 * rows, true},
		{"never analyzed", []lexemeStat{{Config: "simple", Lexeme: "order", Min: f(0.01), Rows: -1}}, 0, 0, false},
		{"no statistics of the column", []lexemeStat{{Config: "simple", Lexeme: "order", Rows: rows}}, 0, 0, false},
	} {
		likely, most, known := estimateMatches(c.rows)
		if known != c.known || !near(likely, c.likely) || !near(most, c.most) {
			t.Errorf("%s: likely %.1f, most %.1f, known %v; want %.1f, %.1f, %v", c.name, likely, most, known, c.likely, c.most, c.known)
		}
		if likely > most+0.5 {
			t.Errorf("%s: likely %.1f above most %.1f", c.name, likely, most)
		}
	}
}
