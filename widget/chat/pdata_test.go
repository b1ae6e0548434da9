package chat

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// A page that names its visitor in pdata (jtel's snippet) is not asked for the name again: the
// first message opens the chat under that name, with pdata and udata as the page gave them.
func TestPageNamedVisitorStartsWithFirstMessage(t *testing.T) {
	pdata := map[string]string{"name": " John Doe ", "email": "john.doe@example.com", "userdata": "123456"}
	h := newHarness(t, Config{PData: pdata, UData: map[string]string{"anyfield1": "Any Field 1"}})
	h.connect(open())
	if h.m.AsksName() {
		t.Fatal("the form asks for a name the page gave")
	}
	if !h.m.StartChat("", "Where is my order?", "", nil) {
		t.Fatalf("StartChat refused: %q", h.m.FieldError)
	}
	req := h.sent()[0].Body.(*protocol.ChatRequest)
	if req.Name != "John Doe" || req.Email != "john.doe@example.com" || req.Question != "Where is my order?" ||
		req.PData["userdata"] != "123456" || req.UData["anyfield1"] != "Any Field 1" {
		t.Fatalf("request %+v", req)
	}
}

// A name typed on the form wins; without pdata the form asks, and refuses an empty name; a
// blank or overlong page name is no name or is cut.
func TestPageNameEdges(t *testing.T) {
	h := newHarness(t, Config{PData: map[string]string{"name": "John"}})
	h.connect(open())
	if !h.m.StartChat("Johnny", "", "", nil) || h.sent()[0].Body.(*protocol.ChatRequest).Name != "Johnny" {
		t.Fatal("the typed name did not win")
	}
	for _, pd := range []map[string]string{nil, {"name": "   "}, {"email": "x@example.com"}} {
		h := newHarness(t, Config{PData: pd})
		h.connect(open())
		if !h.m.AsksName() || h.m.StartChat("", "Hi", "", nil) {
			t.Fatalf("pdata %v: the form does not ask for the name", pd)
		}
	}
	h = newHarness(t, Config{PData: map[string]string{"name": strings.Repeat("é", 500)}})
	if n := len([]rune(h.m.PageName())); n == 0 || n >= 500 {
		t.Fatalf("page name of %d runes", n)
	}
}

// Oversized, broken or too many pdata and udata entries cost those entries, not the chat: the
// request passes the protocol's own validation, and the console hears what was changed.
func TestPageDataFitsTheLimits(t *testing.T) {
	pdata := map[string]string{"name": "Jo\x00hn", "email": strings.Repeat("a", 300) + "@example.com",
		"userdata": strings.Repeat("x", limits.DataValueRunes+5), "nul": "a\x00b", "bad": "a\xffb",
		strings.Repeat("k", limits.DataKeyRunes+1): "long key", "": "empty key"}
	udata := map[string]string{}
	for i := range limits.DataEntries + 3 {
		udata[fmt.Sprintf("f%03d", i)] = "v"
	}
	h := newHarness(t, Config{PData: pdata, UData: udata})
	h.connect(open())
	if !h.m.StartChat("", "Hi", "", nil) {
		t.Fatalf("StartChat refused: %q", h.m.FieldError)
	}
	req := h.sent()[0].Body.(*protocol.ChatRequest)
	if err := req.Validate(); err != nil {
		t.Fatalf("the request does not validate: %v", err)
	}
	if req.Name != "John" || req.Email != "" || req.PData["nul"] != "ab" || req.PData["bad"] != "ab" ||
		len([]rune(req.PData["userdata"])) != limits.DataValueRunes || len(req.PData) != 5 {
		t.Fatalf("request %q %q pdata %v", req.Name, req.Email, req.PData)
	}
	if len(req.UData) != limits.DataEntries || req.UData["f000"] != "v" || req.UData[fmt.Sprintf("f%03d", limits.DataEntries)] != "" {
		t.Fatalf("udata of %d entries", len(req.UData))
	}
	if logs := strings.Join(h.m.Logs(), "\n"); !strings.Contains(logs, "pdata.userdata is cut") || !strings.Contains(logs, "udata: only the first 50") {
		t.Fatalf("logs %q", logs)
	}
	// The page's own maps are left as they were.
	if pdata["nul"] != "a\x00b" {
		t.Fatal("the page's pdata was changed")
	}
}
