package tyntec

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Window is how long after the customer's last message WhatsApp accepts a business's free
// text; later, only approved templates reach them.
const Window = 24 * time.Hour

// WindowOpen reports whether free text may go to a customer who last wrote at last, at now.
func WindowOpen(last, now time.Time) bool { return !last.IsZero() && now.Sub(last) < Window }

// TemplatePrefix starts an agent's line that sends an approved template: "/template name" and
// then the body's parameters separated by "|".
const TemplatePrefix = "/template "

// ConnectorTemplate is an approved template a connector's agents may send.
type ConnectorTemplate struct {
	Name     string
	Language string
	// Params name the body's parameters, in order, for the agent who fills them ("" when
	// the configuration does not say how many there are).
	Params []string
}

// ParseTemplates reads a connector's templates, one a line: "name language" (the language
// code WhatsApp approved it in, e.g. "de" or "en_US"), then optionally a colon and the names
// of the body's parameters separated by "|" ("order_update de: Name | Order number"), which
// the agent app asks for. Blank lines and lines starting with "#" are skipped.
func ParseTemplates(text string) ([]ConnectorTemplate, error) {
	var out []ConnectorTemplate
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		head, params, hasParams := strings.Cut(l, ":")
		f := strings.Fields(head)
		if len(f) != 2 || !validName(f[0]) || !validName(f[1]) {
			return nil, fmt.Errorf("line %d: write the template's name and language, e.g. \"order_update de\"", i+1)
		}
		t := ConnectorTemplate{Name: f[0], Language: f[1]}
		if hasParams {
			for _, p := range strings.Split(params, "|") {
				p = strings.TrimSpace(p)
				if p == "" || utf8.RuneCountInString(p) > 100 || !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
					return nil, fmt.Errorf("line %d: name each parameter after a colon, separated by \"|\", e.g. \"order_update de: Name | Order number\"", i+1)
				}
				t.Params = append(t.Params, p)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 512 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// TemplateLine reads an agent's line: ok is false when it does not ask for a template; err
// says what is wrong when it names no configured template.
func TemplateLine(text string, templates []ConnectorTemplate) (t Template, ok bool, err error) {
	rest, found := strings.CutPrefix(strings.TrimSpace(text), strings.TrimSpace(TemplatePrefix))
	if !found || (rest != "" && rest[0] != ' ') {
		return Template{}, false, nil
	}
	name, params, _ := strings.Cut(strings.TrimSpace(rest), " ")
	for _, c := range templates {
		if c.Name != name {
			continue
		}
		t = Template{TemplateID: c.Name, TemplateLanguage: c.Language}
		if strings.TrimSpace(params) != "" {
			t.Components = &TemplateComponents{}
			for _, p := range strings.Split(params, "|") {
				t.Components.Body = append(t.Components.Body, TemplateParam{Type: "text", Text: strings.TrimSpace(p)})
			}
		}
		return t, true, nil
	}
	return Template{}, true, fmt.Errorf("no approved template is named %q", name)
}
