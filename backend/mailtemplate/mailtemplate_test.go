package mailtemplate

import (
	"errors"
	"strings"
	"testing"
)

// Every identifier of MiCC's list is known and substituted, in the subject and the body.
func TestEveryIdentifierRenders(t *testing.T) {
	if len(Identifiers) != 18 {
		t.Fatalf("%d identifiers, MiCC documents 18", len(Identifiers))
	}
	vals := Values{}
	var tmpl strings.Builder
	for _, id := range Identifiers {
		vals[id] = "<" + id + ">"
		tmpl.WriteString("[$" + id + "$]")
	}
	if err := Check(tmpl.String(), false); err != nil {
		t.Fatal(err)
	}
	got := Render(tmpl.String(), vals, false)
	for _, id := range Identifiers {
		if !strings.Contains(got, "[<"+id+">]") {
			t.Errorf("$%s$ not substituted: %s", id, got)
		}
	}
	if strings.Contains(got, "$") {
		t.Errorf("a placeholder is left: %s", got)
	}
}

// A typo is refused at save with its name; $Transcript$ is refused in a subject only.
func TestCheckRefuses(t *testing.T) {
	var ue *UnknownError
	if err := Check("Hello $Agnet$", false); !errors.As(err, &ue) || ue.Name != "Agnet" || !errors.Is(err, ErrUnknown) {
		t.Fatalf("typo: %v", err)
	}
	if err := Check("Chat with $Agent$: $Transcript$", true); !errors.Is(err, ErrNotInSubject) {
		t.Fatalf("transcript in subject: %v", err)
	}
	if err := Check("$Transcript$", false); err != nil {
		t.Fatal(err)
	}
	for name, tmpl := range map[string]string{
		"NUL":          "a\x00b",
		"not UTF-8":    "a\xffb",
		"huge":         strings.Repeat("x", MaxTemplateBytes+1),
		"case matters": "$agent$",
	} {
		if err := Check(tmpl, false); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := Check("two\nlines", true); !errors.Is(err, ErrBadText) {
		t.Fatalf("multi-line subject: %v", err)
	}
	if err := Check(strings.Repeat("é", MaxSubjectRunes+1), true); !errors.Is(err, ErrBadText) {
		t.Fatalf("long subject: %v", err)
	}
}

// Dollar signs that are not identifiers are text: prices, a lone $, $$.
func TestDollarsAreText(t *testing.T) {
	for _, tmpl := range []string{"costs $5 or $10", "a $ b", "$$", "$ $Agent$", "$5$Agent$"} {
		if err := Check(tmpl, false); err != nil {
			t.Errorf("%q: %v", tmpl, err)
		}
	}
	if got := Render("$ $Agent$ $5", Values{Agent: "Ann"}, false); got != "$ Ann $5" {
		t.Fatalf("got %q", got)
	}
	if got := Render("$5$Agent$", Values{Agent: "Ann"}, false); got != "$5Ann" {
		t.Fatalf("got %q", got)
	}
}

// Values are escaped in HTML, the transcript is not; NUL is dropped and huge values are cut.
func TestRenderValues(t *testing.T) {
	got := Render("<p>$Customer$</p>$Transcript$", Values{Customer: `<script>x</script>&"`, Transcript: "<table></table>"}, true)
	if got != "<p>&lt;script&gt;x&lt;/script&gt;&amp;&#34;</p><table></table>" {
		t.Fatalf("got %q", got)
	}
	if got := Render("$Customer$", Values{Customer: "a\x00b"}, false); got != "ab" {
		t.Fatalf("NUL: %q", got)
	}
	huge := strings.Repeat("é", MaxValueBytes)
	if got := Render("$Customer$", Values{Customer: huge}, false); len(got) > MaxValueBytes+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("huge value: %d bytes", len(got))
	}
	if got := Render("$Agent.FirstName$!", nil, false); got != "!" {
		t.Fatalf("missing value: %q", got)
	}
	if got := RenderSubject("Chat with $Agent$", Values{Agent: "Ann\r\nBcc: x@example.com"}); strings.ContainsAny(got, "\r\n") {
		t.Fatalf("subject carries a line break: %q", got)
	}
	if got := Render("$Unknown$ $Agent$", Values{Agent: "A"}, false); got != "$Unknown$ A" {
		t.Fatalf("unknown: %q", got)
	}
}

// Scripts and handlers are taken out of an HTML template; identifiers and formatting stay.
func TestSanitizeHTML(t *testing.T) {
	got := SanitizeHTML(`<p style="color: red" onclick="x()">Hi $Customer.Name$</p><script>alert(1)</script><a href="javascript:x">l</a><table border="1"><tr><td>$Transcript$</td></tr></table>`)
	for _, bad := range []string{"<script", "onclick", "javascript"} {
		if strings.Contains(got, bad) {
			t.Errorf("%s kept: %s", bad, got)
		}
	}
	for _, keep := range []string{"$Customer.Name$", "$Transcript$", "color: red", "<table"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%s lost: %s", keep, got)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	tmpl := strings.Repeat("Hello $Customer$, $Agent$ wrote on $Date$. ", 50) + "$Transcript$"
	vals := Values{Customer: "Ann", Agent: "Bob", Date: "5.12.2026", Transcript: strings.Repeat("line\n", 500)}
	for b.Loop() {
		Render(tmpl, vals, true)
	}
}
