package chat

import (
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/wire"
)

// EmbedOptions are what an embedding page may ask of the widget beyond the connector's
// settings (MiCC's toolbox Config). The zero value asks nothing, so the widget of every other
// embedding is unchanged.
type EmbedOptions struct {
	// Limits are the page's own, lower limits for what the visitor sends.
	Limits PageLimits
	// Question fills the start form's question (MiCC InitialMessage) when it is empty.
	Question string
	// NoNewChat leaves an ended chat without the button for a new one (MiCC ShowPostChat
	// false: no post-chat page where a new chat may be requested).
	NoNewChat bool
	// NewChatAfter, above zero, shows the start form for a new chat that long after the chat
	// ended (MiCC TimeoutAfterConversation), unless the visitor is answering the post-chat
	// survey or leaving a message.
	NewChatAfter time.Duration
}

// maxEmbedNumber bounds the page's numbers before they become ints: anything larger means
// "no lower limit" for lengths and sizes and about a month for a wait.
const maxEmbedNumber = 1 << 30

// ReadEmbed reads what the page asks beyond the connector's settings (the loader's "embed"
// object, which MiCC's toolbox fills from its Config). Values of the wrong kind, negative or
// absurd numbers and blank types are ignored: the page can only narrow, never break.
func ReadEmbed(v *wire.Value) EmbedOptions {
	var o EmbedOptions
	if v.Kind() != wire.KindObject {
		return o
	}
	if n, ok := embedNumber(v.Get("maxMessage")); ok && n > 0 {
		o.Limits.MaxMessage = n
	}
	if n, ok := embedNumber(v.Get("maxAttachmentKB")); ok {
		o.Limits.MaxAttachmentKB = &n
	}
	o.Limits.AllowedFileTypes = embedList(v.Get("allowedTypes"))
	o.Limits.RestrictedFileTypes = embedList(v.Get("restrictedTypes"))
	o.Question = v.Get("question").Str()
	if b := v.Get("newChat"); b.Kind() == wire.KindBool {
		o.NoNewChat = !b.Bool()
	}
	if n, ok := embedNumber(v.Get("newChatAfter")); ok && n > 0 {
		o.NewChatAfter = time.Duration(n) * time.Second
	}
	return o
}

// embedNumber returns a non-negative whole number, clamped to maxEmbedNumber.
func embedNumber(v *wire.Value) (int, bool) {
	if v.Kind() != wire.KindNumber {
		return 0, false
	}
	f := v.Num() // JSON has no NaN or infinity
	if f < 0 {
		return 0, false
	}
	return int(min(f, maxEmbedNumber)), true // a whole number: the conversion drops the fraction
}

// embedList returns the strings of a JSON array, ignoring anything else.
func embedList(v *wire.Value) []string {
	var out []string
	for i := 0; i < v.Len(); i++ {
		if s := v.Index(i).Str(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// PageLimits tighten the connector's limits for one page; they never loosen them, and the
// server checks its own either way. A MiCC page may lower MaxMessageLength and
// MaxAttachmentSize and name attachment types; the lesser limit and the types both allow win.
type PageLimits struct {
	// MaxMessage, above zero, is the page's longest message in characters.
	MaxMessage int
	// MaxAttachmentKB, when set, is the page's largest upload in KiB; 0 turns uploads off.
	MaxAttachmentKB *int
	// AllowedFileTypes, when not empty, is every type the page takes; otherwise
	// RestrictedFileTypes are types it refuses. Extensions, with or without the dot.
	AllowedFileTypes, RestrictedFileTypes []string
}

// Tighten returns the connector's settings as the page's limits narrow them.
func (l PageLimits) Tighten(c protocol.Connected) protocol.Connected {
	if l.MaxMessage > 0 && (c.MaxMessage <= 0 || l.MaxMessage < c.MaxMessage) {
		c.MaxMessage = l.MaxMessage
	}
	if l.MaxAttachmentKB != nil && *l.MaxAttachmentKB >= 0 && *l.MaxAttachmentKB < c.MaxAttachmentKB {
		c.MaxAttachmentKB = *l.MaxAttachmentKB
	}
	pageAllowed, pageRestricted := normTypes(l.AllowedFileTypes), normTypes(l.RestrictedFileTypes)
	if len(pageAllowed) == 0 && len(pageRestricted) == 0 {
		return c
	}
	server := typeRule{allowed: normTypes(c.AllowedFileTypes), restricted: normTypes(c.RestrictedFileTypes)}
	page := typeRule{allowed: pageAllowed, restricted: pageRestricted}
	if len(server.allowed) == 0 && len(page.allowed) == 0 {
		// Both refuse lists: a type either refuses is refused.
		c.RestrictedFileTypes = union(server.restricted, page.restricted)
		return c
	}
	// At least one side lists what it takes: the types of that list both sides take.
	list := server.allowed
	if len(list) == 0 {
		list = page.allowed
	}
	var both []string
	for _, t := range list {
		if server.takes(t) && page.takes(t) {
			both = append(both, t)
		}
	}
	c.AllowedFileTypes, c.RestrictedFileTypes = both, nil
	if len(both) == 0 {
		// No type both take: an empty list would mean every type, so uploads are off.
		c.MaxAttachmentKB = 0
	}
	return c
}

// typeRule is one side's file types: the list it takes, or else the list it refuses.
type typeRule struct{ allowed, restricted []string }

func (r typeRule) takes(t string) bool {
	if len(r.allowed) > 0 {
		return contains(r.allowed, t)
	}
	return !contains(r.restricted, t)
}

// normTypes normalizes a list of types as CheckFile compares them, without blanks and repeats.
func normTypes(in []string) []string {
	var out []string
	for _, t := range in {
		if t = normType(t); t != "" && !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, t := range b {
		if !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func contains(list []string, t string) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// NewChatShown reports whether an ended chat offers a new one.
func (m *Model) NewChatShown() bool { return !m.cfg.Embed.NoNewChat }

// Question is the page's question for the start form (MiCC InitialMessage), "" when none.
func (m *Model) Question() string { return m.cfg.Embed.Question }

// pageTick shows the start form NewChatAfter after the chat ended. The end is noted at the
// first tick that sees it (the app ticks four times a second), so a reload restarts the wait
// rather than skip it.
func (m *Model) pageTick(now time.Time) {
	if m.Phase != PhaseClosed || m.cfg.Embed.NewChatAfter <= 0 || m.cfg.Embed.NoNewChat {
		m.endedAt, m.endedChat = time.Time{}, ""
		return
	}
	if m.endedAt.IsZero() || m.endedChat != m.Chat {
		m.endedAt, m.endedChat = now, m.Chat
		return
	}
	if now.Sub(m.endedAt) >= m.cfg.Embed.NewChatAfter && m.Post != PostOpen && m.Post != PostSending && !m.LeaveShown() {
		m.endedAt, m.endedChat = time.Time{}, ""
		m.NewChat()
	}
}
