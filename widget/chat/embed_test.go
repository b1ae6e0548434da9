package chat

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/uitext"
	"github.com/parleychat/parley/widget/wire"
)

func kb(n int) *int { return &n }

// A page narrows the connector's limits and never widens them.
func TestTighten(t *testing.T) {
	server := protocol.Connected{MaxMessage: 1000, MaxAttachmentKB: 5120, RestrictedFileTypes: []string{"exe", "bat"}}
	for _, c := range []struct {
		name       string
		server     protocol.Connected
		page       PageLimits
		msg, kb    int
		allowed    []string
		restricted []string
	}{
		{"nothing asked", server, PageLimits{}, 1000, 5120, nil, []string{"exe", "bat"}},
		{"lower", server, PageLimits{MaxMessage: 200, MaxAttachmentKB: kb(100)}, 200, 100, nil, []string{"exe", "bat"}},
		{"higher is ignored", server, PageLimits{MaxMessage: 1 << 30, MaxAttachmentKB: kb(1 << 30)}, 1000, 5120, nil, []string{"exe", "bat"}},
		{"negative is ignored", server, PageLimits{MaxMessage: -5, MaxAttachmentKB: kb(-1)}, 1000, 5120, nil, []string{"exe", "bat"}},
		{"zero turns uploads off", server, PageLimits{MaxAttachmentKB: kb(0)}, 1000, 0, nil, []string{"exe", "bat"}},
		{"refused types add up", server, PageLimits{RestrictedFileTypes: []string{".ZIP", " exe ", ""}}, 1000, 5120, nil, []string{"exe", "bat", "zip"}},
		{"page's list minus the server's refusals", server, PageLimits{AllowedFileTypes: []string{"PDF", "exe", "png"}}, 1000, 5120, []string{"pdf", "png"}, nil},
		{"server's list minus the page's refusals",
			protocol.Connected{MaxMessage: 1000, MaxAttachmentKB: 5120, AllowedFileTypes: []string{"pdf", "png"}},
			PageLimits{RestrictedFileTypes: []string{"png"}}, 1000, 5120, []string{"pdf"}, nil},
		{"both lists: what both take",
			protocol.Connected{MaxMessage: 1000, MaxAttachmentKB: 5120, AllowedFileTypes: []string{"pdf", "png", "jpg"}},
			PageLimits{AllowedFileTypes: []string{"jpg", "gif", ".PNG"}}, 1000, 5120, []string{"png", "jpg"}, nil},
		{"no type both take: uploads off",
			protocol.Connected{MaxMessage: 1000, MaxAttachmentKB: 5120, AllowedFileTypes: []string{"pdf"}},
			PageLimits{AllowedFileTypes: []string{"png"}}, 1000, 0, nil, nil},
		{"uploads off stay off", protocol.Connected{MaxMessage: 1000}, PageLimits{MaxAttachmentKB: kb(100), AllowedFileTypes: []string{"png"}}, 1000, 0, []string{"png"}, nil},
	} {
		got := c.page.Tighten(c.server)
		if got.MaxMessage != c.msg || got.MaxAttachmentKB != c.kb || !slices.Equal(got.AllowedFileTypes, c.allowed) || !slices.Equal(got.RestrictedFileTypes, c.restricted) {
			t.Errorf("%s: got message %d, %d KB, allowed %q, restricted %q", c.name, got.MaxMessage, got.MaxAttachmentKB, got.AllowedFileTypes, got.RestrictedFileTypes)
		}
	}
	// The connector's own settings are not changed in place.
	page := PageLimits{AllowedFileTypes: []string{"pdf"}}
	orig := protocol.Connected{AllowedFileTypes: []string{"pdf", "png"}}
	page.Tighten(orig)
	if !slices.Equal(orig.AllowedFileTypes, []string{"pdf", "png"}) {
		t.Fatalf("Tighten changed its input: %q", orig.AllowedFileTypes)
	}
}

// The model follows the page's limits: a longer message is refused, a file the page does
// not take is refused, while the connector's own are kept when the page asks nothing.
func TestEmbedLimitsInTheModel(t *testing.T) {
	h := newHarness(t, Config{Embed: EmbedOptions{Limits: PageLimits{MaxMessage: 10, MaxAttachmentKB: kb(1), AllowedFileTypes: []string{"txt"}}}})
	c := open()
	c.MaxAttachmentKB = 100
	h.connect(c)
	if h.m.MaxMessage() != 10 {
		t.Fatalf("MaxMessage %d", h.m.MaxMessage())
	}
	if p := CheckFile(h.m.Info, "a.png", 10); p != FileTypeRefused {
		t.Fatalf("png: %d", p)
	}
	if p := CheckFile(h.m.Info, "a.txt", 2048); p != FileTooLarge {
		t.Fatalf("2 KB txt: %d", p)
	}
	if p := CheckFile(h.m.Info, "a.txt", 1024); p != FileOK {
		t.Fatalf("1 KB txt: %d", p)
	}
	if h.m.StartChat("Ann", "this question is too long", "", nil) {
		t.Fatal("a question longer than the page's limit was sent")
	}
	// A settings change of the connector is narrowed too.
	h.event("", 0, "", &protocol.Config{Connected: protocol.Connected{Open: true, MaxMessage: 4000, MaxAttachmentKB: 100}})
	if h.m.MaxMessage() != 10 || h.m.Info.MaxAttachmentKB != 1 {
		t.Fatalf("after reconfiguration: %d, %d KB", h.m.MaxMessage(), h.m.Info.MaxAttachmentKB)
	}

	plain := newHarness(t, Config{})
	plain.connect(c)
	if plain.m.MaxMessage() != 1000 || plain.m.Info.MaxAttachmentKB != 100 || !plain.m.NewChatShown() || plain.m.Question() != "" {
		t.Fatalf("without page options: %d, %d KB", plain.m.MaxMessage(), plain.m.Info.MaxAttachmentKB)
	}
}

// NewChatAfter shows the start form that long after the chat ended; NoNewChat keeps the
// ended chat, without a way to a new one.
func TestNewChatAfterTheEnd(t *testing.T) {
	h := newHarness(t, Config{Embed: EmbedOptions{NewChatAfter: 30 * time.Second}})
	h.startChat()
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor})
	h.advance(time.Second) // the tick that sees the end
	h.advance(29 * time.Second)
	if h.m.Phase != PhaseClosed {
		t.Fatalf("phase %v before the time", h.m.Phase)
	}
	h.advance(time.Second)
	if h.m.Phase != PhaseForm || h.m.Chat != "" {
		t.Fatalf("phase %v, chat %q after the time", h.m.Phase, h.m.Chat)
	}
	// The next chat's end waits its own time again.
	h.m.StartChat("Ann", "again", "", nil)
	out := h.sent()
	h.event("", 0, out[len(out)-1].ID, &protocol.Ack{Chat: "chat2", Token: "tok2"})
	h.event("chat2", 1, "", &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor})
	h.advance(time.Second)
	if h.m.Phase != PhaseClosed {
		t.Fatalf("second chat: phase %v at once", h.m.Phase)
	}

	for _, o := range []EmbedOptions{{}, {NoNewChat: true, NewChatAfter: time.Second}} {
		k := newHarness(t, Config{Embed: o})
		k.startChat()
		k.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor})
		k.advance(time.Second)
		k.advance(time.Hour)
		if k.m.Phase != PhaseClosed || k.m.NewChatShown() == o.NoNewChat {
			t.Fatalf("%+v: phase %v, new chat shown %v", o, k.m.Phase, k.m.NewChatShown())
		}
	}
}

// A chat closed for idleness says so in the page's or connector's words, when it has them.
func TestSessionTimeoutText(t *testing.T) {
	h := newHarness(t, Config{Texts: map[string]string{"sessionTimeout": "Timed out."}})
	h.startChat()
	h.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseIdle})
	if got := h.m.Status(); got != "Timed out." {
		t.Fatalf("status %q", got)
	}
	k := newHarness(t, Config{})
	k.startChat()
	k.durable(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseIdle})
	if got, want := k.m.Status(), k.m.Texts().Get(uitext.Terminated); got != want {
		t.Fatalf("status without the text %q, want %q", got, want)
	}
}

// A page's options are read leniently: wrong kinds, negative and absurd numbers, blanks and
// anything but an object ask nothing, and never more than a page may ask.
func TestReadEmbed(t *testing.T) {
	parse := func(s string) EmbedOptions {
		t.Helper()
		v, err := wire.Parse(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return ReadEmbed(v)
	}
	got := parse(`{"maxMessage":40.9,"maxAttachmentKB":0,"allowedTypes":["txt","",7,null,"pdf\u0000"],"restrictedTypes":"exe",
		"question":"Hi","newChat":false,"newChatAfter":3}`)
	if got.Limits.MaxMessage != 40 || got.Limits.MaxAttachmentKB == nil || *got.Limits.MaxAttachmentKB != 0 ||
		!slices.Equal(got.Limits.AllowedFileTypes, []string{"txt", "pdf\x00"}) || got.Limits.RestrictedFileTypes != nil ||
		got.Question != "Hi" || !got.NoNewChat || got.NewChatAfter != 3*time.Second {
		t.Fatalf("%+v", got)
	}
	for _, s := range []string{`null`, `[]`, `"x"`, `7`, `{}`,
		`{"maxMessage":-1,"maxAttachmentKB":-5,"newChatAfter":-3,"newChat":"no","question":5,"allowedTypes":{"a":"b"}}`,
		`{"maxMessage":"40","maxAttachmentKB":"1","newChatAfter":"3","newChat":null}`} {
		if got := parse(s); got.Limits.MaxMessage != 0 || got.Limits.MaxAttachmentKB != nil || got.NewChatAfter != 0 ||
			got.NoNewChat || got.Question != "" || got.Limits.AllowedFileTypes != nil {
			t.Errorf("%s asked %+v", s, got)
		}
	}
	huge := parse(`{"maxMessage":1e300,"maxAttachmentKB":1e300,"newChatAfter":1e300}`)
	if huge.Limits.MaxMessage != maxEmbedNumber || *huge.Limits.MaxAttachmentKB != maxEmbedNumber || huge.NewChatAfter != maxEmbedNumber*time.Second {
		t.Fatalf("huge numbers: %+v", huge)
	}
	// Huge limits are no limits: the connector's stay.
	if c := huge.Limits.Tighten(protocol.Connected{MaxMessage: 1000, MaxAttachmentKB: 100}); c.MaxMessage != 1000 || c.MaxAttachmentKB != 100 {
		t.Fatalf("huge limits changed the connector's: %+v", c)
	}
	// A NUL in a type is a type no file has: nothing is let through by it.
	types := PageLimits{AllowedFileTypes: got.Limits.AllowedFileTypes}
	tight := types.Tighten(protocol.Connected{MaxAttachmentKB: 100})
	if p := CheckFile(&tight, "a.pdf", 1); p != FileTypeRefused {
		t.Fatalf("pdf let through by a type with a NUL: %d", p)
	}
	if p := CheckFile(&tight, "a.txt", 1); p != FileOK {
		t.Fatalf("txt: %d", p)
	}
}
