package whoson

import (
	"context"
	"strings"
	"unicode/utf8"

	textlang "golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// Translation of WhosOn chats ("Handling Translation" in the WhosOn Chat API document).
//
// A chat translates when its tenant turned translation on and the visitor's Hello asked for
// it (Translation Required "true") with a language other than the operator's (the site's
// until an operator joins). Then each operator line is followed by a linet newline with its
// translation into the visitor's language, and each visitor line reaches the agent as its
// translation into the agent's language followed by the original (see [forAgent]). A visitor
// line that brings its own translation (<original></original> tags) is not translated again.
// A failed translation loses nothing: the operator line goes without its linet, the visitor
// line untranslated; the failure is logged and counted by the translate.Client.

// tenantTranslation is a tenant's translation service and the languages offered to visitors.
type tenantTranslation struct {
	service   translate.Service
	languages []string
}

// translationOf is the tenant's translation, nil when it is off.
func translationOf(ts store.TenantSettings) *tenantTranslation {
	if !ts.TranslateEnabled || (ts.TranslateURL == "" && ts.TranslateProvider.NeedsURL()) {
		return nil
	}
	return &tenantTranslation{service: translate.Service{Provider: ts.TranslateProvider, URL: ts.TranslateURL, APIKey: ts.TranslateAPIKey, Tenant: ts.TenantID},
		languages: ts.TranslateLanguages}
}

// translationOptions is the connected event's Translation object for a site.
func translationOptions(tr *tenantTranslation, siteLang string) translation {
	out := translation{DefaultLanguage: siteLang, Languages: []language{}}
	if tr == nil {
		return out
	}
	out.Enabled = true
	codes := tr.languages
	if l := protocol.BaseLang(siteLang); l != "" && !contains(codes, l) {
		codes = append([]string{l}, codes...)
	}
	for _, code := range codes {
		out.Languages = append(out.Languages, language{ISO2: code, DisplayAs: languageName(code)})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var englishNames = display.English.Tags()

// languageName is a language's English name ("French"), or its code when it has none.
func languageName(code string) string {
	t, err := textlang.Parse(code)
	if err != nil {
		return code
	}
	if n := englishNames.Name(t); n != "" {
		return n
	}
	return code
}

// translating reports whether the current chat translates. Caller holds c.mu.
func (c *client) translating() bool {
	s := c.state
	return s.translate && c.conn.site.translation != nil && s.visitorLang != "" && s.visitorLang != s.agentLang
}

// originalMark separates the translation of a visitor line from its original in the line
// the agent sees; the visitor's own echo of the line shows the original alone.
const originalMark = "\n\nOriginal: "

// forAgent is the text of a visitor line as the agent gets it: the line, translated into the
// agent's language when the chat translates and the client brought no translation, followed
// by the original when there is one.
func (c *client) forAgent(line, original string) string {
	c.mu.Lock()
	tr, on, from, to := c.conn.site.translation, c.translating(), c.state.visitorLang, c.state.agentLang
	c.mu.Unlock()
	if strings.TrimSpace(original) == "" && on {
		got, err := c.e.o.Translator.Translate(context.Background(), tr.service, line, from, to, false)
		if err != nil {
			c.e.o.Logger.Warn("whoson: visitor line not translated", "err", err, "from", from, "to", to)
			return line
		}
		line, original = got, line
	}
	if strings.TrimSpace(original) == "" || original == line {
		return line
	}
	// The line fits the message limit: the original is cut when both do not.
	room := limits.MessageRunes - utf8.RuneCountInString(line) - utf8.RuneCountInString(originalMark)
	if room <= 0 {
		return line
	}
	if utf8.RuneCountInString(original) > room {
		original = string([]rune(original)[:room-1]) + "…"
	}
	return line + originalMark + original
}

// ownLine is a visitor line as the visitor wrote it: the original of a translated line.
func ownLine(text string) string {
	if i := strings.LastIndex(text, originalMark); i >= 0 {
		return text[i+len(originalMark):]
	}
	return text
}

// lineJob is an operator line waiting for its translation.
type lineJob struct{ text, from, to string }

// outItem is a frame, or a translation to make into a linet frame, waiting in order.
type outItem struct {
	frame []byte
	job   *lineJob
	uid   *string
}

// maxWaiting bounds the frames that wait behind translations: beyond it TrySend reports a
// full queue (the chat service delivers the events later from history).
const maxWaiting = 256

// inOrder returns the frames of one native event to send now, or nil when they wait behind a
// translation (the event's own, c.job, or an earlier one): those go out from the drain
// goroutine in order, so that a linet always follows its line and nothing overtakes it.
// Caller holds c.mu.
func (c *client) inOrder(frames [][]byte) [][]byte {
	job := c.job
	c.job = nil
	if job == nil && !c.draining {
		return frames
	}
	for _, f := range frames {
		c.outq = append(c.outq, outItem{frame: f})
	}
	if job != nil {
		u := c.chat
		c.outq = append(c.outq, outItem{job: job, uid: &u})
	}
	if !c.draining {
		c.draining = true
		go c.drain()
	}
	return nil
}

// inOrderTry is inOrder for TrySend: false when too many frames wait already.
func (c *client) inOrderTry(frames [][]byte) ([][]byte, bool) {
	if len(c.outq) >= maxWaiting {
		c.job = nil
		return nil, false
	}
	return c.inOrder(frames), true
}

// drain sends the waiting frames in order, translating operator lines into linet lines.
func (c *client) drain() {
	for {
		c.mu.Lock()
		if len(c.outq) == 0 {
			c.draining = false
			c.mu.Unlock()
			return
		}
		it := c.outq[0]
		c.outq = c.outq[1:]
		tr := c.conn.site.translation
		c.mu.Unlock()
		f := it.frame
		if it.job != nil {
			got, err := c.e.o.Translator.Translate(context.Background(), tr.service, it.job.text, it.job.from, it.job.to, false)
			if err != nil {
				c.e.o.Logger.Warn("whoson: operator line not translated", "err", err, "from", it.job.from, "to", it.job.to)
				continue
			}
			f = encode("newline", it.uid, newlineData{Classname: "linet", Content: operatorHTML(got)})
		}
		if !c.rc.Send(f) {
			c.mu.Lock()
			c.outq, c.draining = nil, false
			c.mu.Unlock()
			return
		}
	}
}
