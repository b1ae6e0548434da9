package whoson

import (
	"strings"
	"testing"
)

func TestOperatorMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"Good Morning Thomas.":                     "Good Morning Thomas.",
		"This is **important** and *so* is ~~it~~": "This is <strong>important</strong> and <em>so</em> is <del>it</del>",
		"See [the guide](https://example.com/g)":   `See <a href="https://example.com/g" rel="nofollow noopener" target="_blank">the guide</a>`,
		"Use `make`":                               "Use <code>make</code>",
		"- one\n- two":                             "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
		"1 < 2 & 3":                                "1 &lt; 2 &amp; 3",
	} {
		if got := operatorHTML(in); got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
	// Nothing outside the allowed set survives, however it is smuggled in.
	for _, in := range []string{
		"<script>alert(1)</script>hi",
		`<img src=x onerror=alert(1)>`,
		"[x](javascript:alert(1))",
		`<a href="https://e.com" onclick="x()">e</a>`,
		"<iframe src=https://e.com></iframe>",
		"<b style=\"color:red\">bold</b>",
		"\x00<svg onload=alert(1)>",
	} {
		got := operatorHTML(in)
		for _, bad := range []string{"<script", "<img", "javascript:", "onclick", "<iframe", "style=", "<svg", "onload", "onerror"} {
			if strings.Contains(strings.ToLower(got), bad) {
				t.Errorf("%q gave %q", in, got)
			}
		}
	}
	if got := systemHTML("<h3>Welcome</h3>Please <b>start</b><script>x</script>"); got != "<h3>Welcome</h3>Please <b>start</b>" {
		t.Errorf("system text: %q", got)
	}
	if got := visitorHTML("<b>hi</b> & bye"); got != "&lt;b&gt;hi&lt;/b&gt; &amp; bye" {
		t.Errorf("visitor text: %q", got)
	}
}

func TestWireHelpers(t *testing.T) {
	name, params, err := parseCommand([]byte(`{"Command":"hElLo","Parameters":["a","b"]}`))
	if err != nil || name != "hello" || len(params) != 2 {
		t.Fatalf("%q %q %v", name, params, err)
	}
	if _, params, err := parseCommand([]byte(`{"Command":"Quit","Parameters":null}`)); err != nil || params != nil {
		t.Fatalf("null parameters: %v %v", params, err)
	}
	for _, bad := range []string{``, `null`, `[]`, `{"Command":""}`, `{"Command":1}`, `{"Command":"x","Parameters":[1]}`, "\x00"} {
		if _, _, err := parseCommand([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	f, err := parseFields("<Fields><Field><Name>Company</Name><Value>IBM</Value></Field><Field><Name> Rating </Name><Value>5</Value></Field></Fields>")
	if err != nil || f["Company"] != "IBM" || f["Rating"] != "5" || len(f) != 2 {
		t.Fatalf("fields %v %v", f, err)
	}
	if f, err := parseFields(""); err != nil || f != nil {
		t.Fatalf("blank: %v %v", f, err)
	}
	if _, err := parseFields("<Fields><Field>"); err == nil {
		t.Fatal("broken XML accepted")
	}
	if _, err := parseFields("<Other/>"); err == nil {
		t.Fatal("another element accepted")
	}
	for in, want := range map[string][2]string{
		"Hello<original>Bonjour</original>": {"Hello", "Bonjour"},
		"Hello<Original>Bonjour</Original>": {"Hello", "Bonjour"},
		"Plain":                             {"Plain", ""},
		"Hi<original>Salut":                 {"Hi", "Salut"},
	} {
		if l, o := splitOriginal(in); l != want[0] || o != want[1] {
			t.Errorf("%q: %q %q", in, l, o)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	for in, want := range map[string]string{
		"Available": "Online", "Chat": "Online", "Online": "Online",
		"Busy": "Busy", "On a call": "Busy", "Meeting": "Busy", "Do not disturb": "Busy",
		"Pause": "Be Right Back", "Coffee break": "Be Right Back", "BRB": "Be Right Back", "Be right back": "Be Right Back",
		"Away": "Away", "Offline": "Away", "": "Away", "Lunch": "Away",
	} {
		if got := Status(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
