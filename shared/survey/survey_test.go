package survey

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/limits"
)

// field makes an enabled field of a type with no limits set, as the admin pages store it.
func field(typ string, opts ...func(*Field)) Field {
	f := Field{Name: "F", Type: typ, Enabled: true, Prompt: "?", ValidateLow: -1, ValidateHigh: -1}
	for _, o := range opts {
		o(&f)
	}
	return f
}

func required(f *Field) { f.Required = true }

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Field
		in   string
		want string
	}{
		{"trims", field("text"), "  Ann  ", "Ann"},
		{"no change case", field("text"), "aNN", "aNN"},
		{"upper", field("text", func(f *Field) { f.ChangeCase = CaseUpper }), "ab12cd", "AB12CD"},
		{"lower", field("email", func(f *Field) { f.ChangeCase = CaseLower }), " Ann@Example.COM ", "ann@example.com"},
		{"capitalize words", field("company", func(f *Field) { f.ChangeCase = CaseCapitalize }), "acme GMBH and co", "Acme Gmbh And Co"},
		{"capitalize hyphens and apostrophes", field("name", func(f *Field) { f.ChangeCase = CaseCapitalize }), "jean-luc o'neil", "Jean-Luc O'neil"},
		{"capitalize digits", field("text", func(f *Field) { f.ChangeCase = CaseCapitalize }), "3rd floor, élise", "3rd Floor, Élise"},
		{"choices keep case", field("select", func(f *Field) { f.ChangeCase = CaseUpper }), " Google ", "Google"},
		{"single line joins lines", field("text"), "a\r\nb\nc\rd", "a b c d"},
		{"multi line keeps lines", field("text", func(f *Field) { f.MultiLine = true }), "a\r\nb\rc\n", "a\nb\nc"},
		{"boolean Y", field("boolean"), "Y", "Y"},
		{"boolean true", field("boolean"), "true", "Y"},
		{"boolean yes", field("boolean"), " Yes ", "Y"},
		{"boolean on", field("boolean"), "on", "Y"},
		{"boolean false", field("boolean"), "FALSE", "N"},
		{"boolean n", field("boolean"), "n", "N"},
		{"boolean 0", field("boolean"), "0", "N"},
		{"boolean other kept", field("boolean"), "maybe", "maybe"},
		{"time padded", field("time"), "9:05", "09:05"},
		{"time kept when bad", field("time"), "25:00", "25:00"},
		{"invalid utf-8", field("text"), "a\xffb", "a\uFFFDb"},
		{"unknown type is text", field("phone", func(f *Field) { f.ChangeCase = CaseUpper }), "x", "X"},
	} {
		if got := Normalize(tc.f, tc.in); got != tc.want {
			t.Errorf("%s: Normalize(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	numeric := func(low, high int) Field {
		return field("numeric", func(f *Field) { f.ValidateLow, f.ValidateHigh = low, high })
	}
	choice := field("select", func(f *Field) { f.Options = []string{"Google", "LinkedIn Ad", "Twitter Ad"} })
	for _, tc := range []struct {
		name string
		f    Field
		in   string
		want Code // "" passes
	}{
		// required
		{"optional empty", field("text"), "", ""},
		{"optional blank", field("numeric"), "   ", ""},
		{"required empty", field("text", required), "", CodeRequired},
		{"required blank", field("text", required), " \t\n", CodeRequired},
		{"required filled", field("text", required), "x", ""},
		{"required select empty", field("select", required), "", CodeRequired},
		{"required rating empty", field("rating", required), "", CodeRequired},
		{"required boolean unticked", field("boolean", required), "N", CodeRequired},
		{"required boolean ticked", field("boolean", required), "true", ""},
		{"optional boolean unticked", field("boolean"), "N", ""},
		// length, in characters
		{"length ok", field("text", func(f *Field) { f.Length = 3 }), "äöü", ""},
		{"too long", field("text", func(f *Field) { f.Length = 3 }), "äöüß", CodeTooLong},
		{"length after trim", field("text", func(f *Field) { f.Length = 3 }), "  abc  ", ""},
		{"no limit is the protocol's", field("text"), strings.Repeat("x", limits.DataValueRunes), ""},
		{"over the protocol's limit", field("text"), strings.Repeat("x", limits.DataValueRunes+1), CodeTooLong},
		{"length over the protocol's", field("text", func(f *Field) { f.Length = 5000 }), strings.Repeat("x", limits.DataValueRunes+1), CodeTooLong},
		// numbers
		{"number", numeric(-1, -1), "42", ""},
		{"negative decimal", numeric(-1, -1), "-3.5", ""},
		{"plus sign", numeric(-1, -1), "+7", ""},
		{"trailing dot", numeric(-1, -1), "7.", ""},
		{"leading dot", numeric(-1, -1), ".5", ""},
		{"not a number", numeric(-1, -1), "abc", CodeBadNumber},
		{"comma", numeric(-1, -1), "3,5", CodeBadNumber},
		{"two dots", numeric(-1, -1), "1.2.3", CodeBadNumber},
		{"exponent", numeric(-1, -1), "1e5", CodeBadNumber},
		{"hex", numeric(-1, -1), "0x10", CodeBadNumber},
		{"NaN", numeric(-1, -1), "NaN", CodeBadNumber},
		{"Inf", numeric(-1, -1), "Inf", CodeBadNumber},
		{"sign only", numeric(-1, -1), "-", CodeBadNumber},
		{"dot only", numeric(-1, -1), ".", CodeBadNumber},
		{"in range", numeric(1, 10), "10", ""},
		{"low edge", numeric(1, 10), "1", ""},
		{"below", numeric(1, 10), "0.5", CodeOutOfRange},
		{"above", numeric(1, 10), "10.01", CodeOutOfRange},
		{"only low", numeric(18, -1), "120", ""},
		{"only low below", numeric(18, -1), "17", CodeOutOfRange},
		{"only high", numeric(-1, 5), "-100", ""},
		{"only high above", numeric(-1, 5), "6", CodeOutOfRange},
		{"zero zero is unset", numeric(0, 0), "99", ""},
		{"zero low", numeric(0, 9), "-1", CodeOutOfRange},
		// ratings
		{"rating", field("rating"), "5", ""},
		{"rating 1", field("rating"), "1", ""},
		{"rating 0", field("rating"), "0", CodeOutOfRange},
		{"rating above default 5", field("rating"), "6", CodeOutOfRange},
		{"rating of 10", field("rating", func(f *Field) { f.ValidateHigh = 10 }), "10", ""},
		{"rating capped", field("rating", func(f *Field) { f.ValidateHigh = 100 }), "11", CodeOutOfRange},
		{"rating of 3", field("rating", func(f *Field) { f.ValidateHigh = 3 }), "4", CodeOutOfRange},
		{"rating not whole", field("rating"), "4.5", CodeBadNumber},
		{"rating word", field("rating"), "five", CodeBadNumber},
		// dates and times
		{"date", field("date"), "2025-02-28", ""},
		{"leap day", field("date"), "2024-02-29", ""},
		{"no leap day", field("date"), "2025-02-29", CodeBadDate},
		{"date unpadded", field("date"), "2025-2-3", CodeBadDate},
		{"date other order", field("date"), "28.02.2025", CodeBadDate},
		{"date with time", field("date"), "2025-02-28T10:00", CodeBadDate},
		{"time", field("time"), "23:59", ""},
		{"time unpadded", field("time"), "9:05", ""},
		{"time 24", field("time"), "24:00", CodeBadTime},
		{"time minutes", field("time"), "12:60", CodeBadTime},
		{"time seconds", field("time"), "12:00:00", CodeBadTime},
		{"time word", field("time"), "noon", CodeBadTime},
		// e-mail
		{"email", field("email"), "ann@example.com", ""},
		{"email plus and subdomain", field("email"), "ann.b+chat@mail.example.co.uk", ""},
		{"email idn", field("email"), "zoë@bücher.de", ""},
		{"email html5 type", field("text", func(f *Field) { f.HTML5Type = "email" }), "nope", CodeBadEmail},
		{"email no at", field("email"), "ann.example.com", CodeBadEmail},
		{"email two ats", field("email"), "a@b@example.com", CodeBadEmail},
		{"email no local", field("email"), "@example.com", CodeBadEmail},
		{"email no domain", field("email"), "ann@", CodeBadEmail},
		{"email no dot", field("email"), "ann@localhost", CodeBadEmail},
		{"email space", field("email"), "ann smith@example.com", CodeBadEmail},
		{"email double dot", field("email"), "ann..b@example.com", CodeBadEmail},
		{"email dot domain", field("email"), "ann@example..com", CodeBadEmail},
		{"email hyphen label", field("email"), "ann@-example.com", CodeBadEmail},
		{"email short tld", field("email"), "ann@example.c", CodeBadEmail},
		{"email underscore domain", field("email"), "ann@ex_ample.com", CodeBadEmail},
		{"email angle", field("email"), "<ann@example.com>", CodeBadEmail},
		// choices
		{"option", choice, "LinkedIn Ad", ""},
		{"option trimmed", choice, " Google ", ""},
		{"not an option", choice, "Bing", CodeNotAnOption},
		{"option case", choice, "google", CodeNotAnOption},
		{"no options", field("select"), "x", CodeNotAnOption},
		{"radio", field("select", func(f *Field) { f.SelectType = "radio"; f.Options = []string{"a", "b"} }), "b", ""},
		{"boolean word", field("boolean"), "maybe", CodeNotAnOption},
		// masks
		{"mask", field("text", func(f *Field) { f.Mask = `[A-Z]{2}\d{4}` }), "AB1234", ""},
		{"mask is anchored", field("text", func(f *Field) { f.Mask = `\d{4}` }), "x12345", CodeMask},
		{"mask after case change", field("text", func(f *Field) { f.Mask = `[A-Z]+`; f.ChangeCase = CaseUpper }), "abc", ""},
		{"mask alternation anchored", field("text", func(f *Field) { f.Mask = `a|b` }), "ab", CodeMask},
		{"mask cannot escape", field("text", func(f *Field) { f.Mask = `a)|(b` }), "zzz", ""},
		{"invalid mask is none", field("text", func(f *Field) { f.Mask = `([` }), "anything", ""},
		{"mask on numbers", field("numeric", func(f *Field) { f.Mask = `\d+` }), "-3", CodeMask},
		{"mask not on empty", field("text", func(f *Field) { f.Mask = `\d+` }), "", ""},
		{"mask not on choices", field("select", func(f *Field) { f.Mask = `\d+`; f.Options = []string{"x"} }), "x", ""},
	} {
		err := Check(tc.f, tc.in)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: Check(%q) = %v, want nil", tc.name, tc.in, err)
			}
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Code != tc.want || fe.Field != tc.f.Name || fe.Message == "" {
			t.Errorf("%s: Check(%q) = %#v, want code %s", tc.name, tc.in, err, tc.want)
		}
	}
}

func TestCheckerWithoutMaskSkipsMasks(t *testing.T) {
	f := field("text", func(f *Field) { f.Mask = `\d+` })
	if err := (Checker{}).Check(f, "abc"); err != nil {
		t.Errorf("zero Checker checked the mask: %v", err)
	}
	if err := Check(f, "abc"); err == nil {
		t.Error("Check did not check the mask")
	}
	// Another engine is used as given; an invalid pattern for it means no mask.
	calls := 0
	c := Checker{Mask: func(p, v string) (bool, bool) { calls++; return v == "ok", p != "bad" }}
	if c.Check(f, "ok") != nil || c.Check(f, "no") == nil || calls != 2 {
		t.Errorf("custom mask engine not used (%d calls)", calls)
	}
	f.Mask = "bad"
	if err := c.Check(f, "no"); err != nil {
		t.Errorf("pattern the engine cannot read was applied: %v", err)
	}
	// Rules other than the mask stay in force without one.
	if err := (Checker{}).Check(field("email"), "x"); err == nil {
		t.Error("zero Checker skipped the e-mail check")
	}
}

func TestMatchMask(t *testing.T) {
	for _, tc := range []struct {
		pattern, value string
		match, valid   bool
	}{
		{`\d{5}`, "12345", true, true},
		{`\d{5}`, "123456", false, true},
		{`(?i)ab`, "AB", true, true},
		{`[`, "x", false, false},
		{`a)|(b`, "b", false, false},
		{``, "", true, true},
		{`(a+)+$`, strings.Repeat("a", 5000) + "b", false, true}, // linear time, no backtracking
	} {
		m, v := MatchMask(tc.pattern, tc.value)
		if m != tc.match || v != tc.valid {
			t.Errorf("MatchMask(%q, %.20q) = %v, %v; want %v, %v", tc.pattern, tc.value, m, v, tc.match, tc.valid)
		}
	}
	// The cache stays bounded.
	for i := range maskCacheSize + 10 {
		MatchMask(strconv.Itoa(i), "1")
	}
	maskCache.Lock()
	n := len(maskCache.m)
	maskCache.Unlock()
	if n > maskCacheSize {
		t.Errorf("mask cache holds %d patterns", n)
	}
}

func TestCheckAll(t *testing.T) {
	fields := []Field{
		field("name", func(f *Field) {
			f.Name = "VisitorName"
			f.Required = true
			f.ChangeCase = CaseCapitalize
		}),
		field("select", func(f *Field) {
			f.Name = "FindMethod"
			f.Required = true
			f.Options = []string{"Google", "Friend"}
		}),
		field("boolean", func(f *Field) { f.Name = "Mailing" }),
		field("numeric", func(f *Field) { f.Name = "Age"; f.ValidateLow = 18 }),
		field("text", func(f *Field) { f.Name = "Off"; f.Enabled = false; f.Required = true }),
	}
	got, err := CheckAll(fields, map[string]string{
		"VisitorName": " ann smith ", "FindMethod": "Friend", "Mailing": "true", "Age": "",
		"Extra": "  from the page  ", "Empty": " ",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"VisitorName": "Ann Smith", "FindMethod": "Friend", "Mailing": "Y", "Extra": "from the page"}
	if len(got) != len(want) {
		t.Errorf("CheckAll = %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("CheckAll[%s] = %q, want %q", k, got[k], v)
		}
	}

	// Every refusal is listed in field order; errors.As finds the first.
	got, err = CheckAll(fields, map[string]string{"FindMethod": "Bing", "Age": "12", "Off": ""})
	var errs Errors
	if !errors.As(err, &errs) || got != nil {
		t.Fatalf("CheckAll = %v, %v; want Errors", got, err)
	}
	codes := []string{}
	for _, fe := range errs {
		codes = append(codes, fe.Field+"="+string(fe.Code))
	}
	if strings.Join(codes, " ") != "VisitorName=required FindMethod=not_an_option Age=out_of_range" {
		t.Errorf("refusals %v", codes)
	}
	var first *FieldError
	if !errors.As(err, &first) || first.Field != "VisitorName" {
		t.Errorf("first refusal %v", first)
	}
	if errs.Of("Age") == nil || errs.Of("Mailing") != nil {
		t.Error("Errors.Of")
	}
	if !strings.Contains(err.Error(), "VisitorName") || !strings.Contains(err.Error(), "2 more") {
		t.Errorf("message %q", err.Error())
	}

	// Extra answers are bounded.
	many := map[string]string{"VisitorName": "A", "FindMethod": "Google"}
	for i := range limits.DataEntries {
		many["x"+strconv.Itoa(i)] = "v"
	}
	if _, err := CheckAll(fields, many); !errors.As(err, &errs) || errs[0].Code != CodeTooMany {
		t.Errorf("too many answers: %v", err)
	}
	for _, k := range []string{"", strings.Repeat("k", limits.DataKeyRunes+1)} {
		if _, err := CheckAll(nil, map[string]string{k: "v"}); !errors.As(err, &errs) || errs[0].Code != CodeBadKey {
			t.Errorf("key %q: %v", k, err)
		}
	}
	if _, err := CheckAll(nil, map[string]string{"k": strings.Repeat("v", limits.DataValueRunes+1)}); !errors.As(err, &errs) || errs[0].Code != CodeTooLong {
		t.Errorf("long extra value: %v", err)
	}
	// A repeated field name is checked once.
	twice := []Field{fields[0], fields[0]}
	if _, err := CheckAll(twice, nil); !errors.As(err, &errs) || len(errs) != 1 {
		t.Errorf("repeated field: %v", err)
	}
	// No fields, no answers: an empty result.
	if got, err := CheckAll(nil, nil); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestDefault(t *testing.T) {
	now := time.Date(2025, 3, 9, 8, 7, 6, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name string
		f    Field
		want string
	}{
		{"value", field("text", func(f *Field) { f.Default = " hi " }), "hi"},
		{"value in case", field("text", func(f *Field) { f.Default = "hi"; f.ChangeCase = CaseUpper }), "HI"},
		{"none", field("text"), ""},
		{"today", field("date", func(f *Field) { f.DefaultDateToday = true; f.Default = "2000-01-01" }), "2025-03-09"},
		{"date value", field("date", func(f *Field) { f.Default = "2000-01-01" }), "2000-01-01"},
		{"now", field("time", func(f *Field) { f.DefaultTimeToday = true }), "08:07"},
		{"today only for dates", field("text", func(f *Field) { f.DefaultDateToday = true }), ""},
		{"boolean", field("boolean", func(f *Field) { f.Default = "Y" }), "Y"},
		{"boolean true", field("boolean", func(f *Field) { f.Default = "true" }), "Y"},
		{"option", field("select", func(f *Field) { f.Default = "b"; f.Options = []string{"a", "b"} }), "b"},
		{"not an option", field("select", func(f *Field) { f.Default = "c"; f.Options = []string{"a", "b"} }), ""},
	} {
		if got := Default(tc.f, now); got != tc.want {
			t.Errorf("%s: Default = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRangeAndMaxRunes(t *testing.T) {
	for _, tc := range []struct {
		f         Field
		low, high int
	}{
		{field("rating"), 1, DefaultStars},
		{field("rating", func(f *Field) { f.ValidateHigh = 0 }), 1, DefaultStars},
		{field("rating", func(f *Field) { f.ValidateHigh = 7 }), 1, 7},
		{field("rating", func(f *Field) { f.ValidateHigh = 50 }), 1, MaxStars},
		{field("numeric"), -1, -1},
		{field("numeric", func(f *Field) { f.ValidateLow, f.ValidateHigh = 0, 0 }), -1, -1},
		{field("numeric", func(f *Field) { f.ValidateLow, f.ValidateHigh = 0, 9 }), 0, 9},
		{field("numeric", func(f *Field) { f.ValidateLow, f.ValidateHigh = -5, 9 }), -1, 9},
		{field("text", func(f *Field) { f.ValidateLow, f.ValidateHigh = 1, 9 }), -1, -1},
	} {
		if low, high := Range(tc.f); low != tc.low || high != tc.high {
			t.Errorf("Range(%s %d..%d) = %d..%d, want %d..%d", tc.f.Type, tc.f.ValidateLow, tc.f.ValidateHigh, low, high, tc.low, tc.high)
		}
	}
	if MaxRunes(field("text")) != limits.DataValueRunes || MaxRunes(field("text", func(f *Field) { f.Length = 10 })) != 10 ||
		MaxRunes(field("text", func(f *Field) { f.Length = 5000 })) != limits.DataValueRunes {
		t.Error("MaxRunes")
	}
}

// FuzzCheck feeds arbitrary answers and field settings: Check never panics, Normalize is
// idempotent and Check judges an answer as it would judge its normalized form.
func FuzzCheck(f *testing.F) {
	types := append(TypeNames(), "")
	f.Add(0, "  Ann  ", 0, 0, -1, -1, "", false, false)
	f.Add(1, "3.5", 0, 0, 1, 10, `\d+`, true, false)
	f.Add(6, "4", 0, 0, -1, 5, "", true, false)
	f.Add(8, "a@b.cd", 10, 3, -1, -1, `.*`, false, true)
	f.Add(3, "9:5", 0, 2, 0, 0, `([`, false, false)
	f.Fuzz(func(t *testing.T, typ int, value string, length, changeCase, low, high int, mask string, req, multi bool) {
		fld := Field{
			Name: "F", Type: types[uint(typ)%uint(len(types))], Enabled: true, Length: length, ChangeCase: changeCase,
			ValidateLow: low, ValidateHigh: high, Mask: mask, Required: req, MultiLine: multi,
			Options: []string{value, "x"}, Default: value,
		}
		err := Check(fld, value)
		n := Normalize(fld, value)
		if Normalize(fld, n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", value, n, Normalize(fld, n))
		}
		if (Check(fld, n) == nil) != (err == nil) {
			t.Fatalf("Check(%q) = %v but Check(normalized %q) = %v", value, err, n, Check(fld, n))
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Code == "" || fe.Message == "" {
				t.Fatalf("Check(%q) = %#v", value, err)
			}
		}
		out, err := CheckAll([]Field{fld}, map[string]string{"F": value, value: value})
		if err == nil && out["F"] != n {
			t.Fatalf("CheckAll kept %q, Normalize gives %q", out["F"], n)
		}
		_ = Default(fld, time.Unix(0, 0))
		Range(fld)
	})
}
