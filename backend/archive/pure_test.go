package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
)

func TestTerms(t *testing.T) {
	for q, want := range map[string]string{
		`Delivery`:                      "delivery",
		`"delivery" NEAR(parcel, 2)`:    "delivery near parcel 2",
		`deliv* *`:                      "deliv*",
		"a\x00b":                        "a b",
		`'; DROP TABLE messages; --`:    "drop table messages",
		`Bestellung bestellung`:         "bestellung",
		`Café-Crème`:                    "café crème",
		"\xff\xfeok":                    "ok",
		strings.Repeat("x", 100) + " y": strings.Repeat("x", 64) + " y",
	} {
		got, err := Terms(q)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("Terms(%q) = %q, %v; want %q", q, got, err, want)
		}
	}
	for q, want := range map[string]error{
		"":                          ErrNoWords,
		`" * ( ) : ^`:               ErrNoWords,
		strings.Repeat("x", 501):    ErrQueryTooLong,
		strings.Repeat("w1 ", 13):   nil, // one word repeated
		"a b c d e f g h i j k l m": ErrTooManyWords,
	} {
		if _, err := Terms(q); !errors.Is(err, want) {
			t.Errorf("Terms(%.20q) error %v, want %v", q, err, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	got := Snippet(`<script>alert("x")</script> your Delivery & the délivery`, []string{"delivery"})
	want := `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; your <mark>Delivery</mark> &amp; the <mark>délivery</mark>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A long message is cut around the first match, at word boundaries.
	long := strings.Repeat("filler words here ", 30) + "the parcel arrived " + strings.Repeat("more text after ", 30)
	s := Snippet(long, []string{"parcel"})
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || !strings.Contains(s, "<mark>parcel</mark>") || len([]rune(s)) > SnippetRunes+30 {
		t.Errorf("long snippet %q", s)
	}
	// Prefix terms mark whole words; no match shows the start.
	if s := Snippet("Orders ordered", []string{"order*"}); s != "<mark>Orders</mark> <mark>ordered</mark>" {
		t.Errorf("prefix %q", s)
	}
	if s := Snippet("bad \xff byte", []string{"byte"}); !strings.Contains(s, "<mark>byte</mark>") || !strings.Contains(s, "\uFFFD") {
		t.Errorf("invalid utf-8 %q", s)
	}
}

func TestParseFilter(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	v := url.Values{"from": {"2026-03-01"}, "to": {"2026-03-31"}, "connector": {"3", "4"}, "group": {"7"}, "agent": {""},
		"state": {"closed"}, "visitor": {" anna\x00 "}, "q": {"delivery"}}
	f, err := ParseFilter(v, 9, berlin)
	if err != nil {
		t.Fatal(err)
	}
	if f.Filter.TenantID != 9 || !f.Filter.From.Equal(time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)) ||
		!f.Filter.To.Equal(time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)) || len(f.Filter.ConnectorIDs) != 2 ||
		f.Filter.GroupID != 7 || f.Filter.AgentID != 0 || f.Filter.Visitor != "anna" || f.Query != "delivery" {
		t.Fatalf("%+v", f)
	}
	if got := f.Values().Encode(); got != "connector=3&connector=4&from=2026-03-01&group=7&q=delivery&state=closed&to=2026-03-31&visitor=anna" {
		t.Errorf("values %s", got)
	}
	for field, bad := range map[string]url.Values{
		"from":       {"from": {"yesterday"}},
		"to":         {"from": {"2026-03-02"}, "to": {"2026-03-01"}},
		"connector":  {"connector": {"1 OR 1=1"}},
		"group":      {"group": {"-3"}},
		"agent":      {"agent": {"99999999999999999999"}},
		"state":      {"state": {"deleted"}},
		"visitor":    {"visitor": {strings.Repeat("v", 201)}},
		"rating_min": {"rating_min": {"0"}},
		"rating_max": {"rating_max": {"11"}},
		"tag":        {"tag": {"1", "9223372036854775808"}},
		"outcome":    {"outcome": {"2\x003"}},
		"contact":    {"contact": {"-1"}},
	} {
		var fe *FilterError
		if _, err := ParseFilter(bad, 1, nil); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	// Ratings, tags, outcomes and a contact: read, repeats dropped, written back the same.
	f, err = ParseFilter(url.Values{"rating_min": {"1"}, "rating_max": {" 2"}, "tag": {"5", "", "6", "5"}, "outcome": {"8"},
		"contact": {"12"}}, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Filter.RatingMin != 1 || f.Filter.RatingMax != 2 || len(f.Filter.TagIDs) != 2 || f.Filter.OutcomeIDs[0] != 8 || f.Filter.ContactID != 12 {
		t.Fatalf("%+v", f.Filter)
	}
	if got := f.Values().Encode(); got != "contact=12&outcome=8&rating_max=2&rating_min=1&tag=5&tag=6" {
		t.Errorf("values %s", got)
	}
	var fe *FilterError
	if _, err := ParseFilter(url.Values{"rating_min": {"4"}, "rating_max": {"2"}}, 1, nil); !errors.As(err, &fe) || fe.Field != "rating_max" {
		t.Errorf("rating range upside down: %v", err)
	}
	many := make([]string, maxListIDs+1)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	if _, err := ParseFilter(url.Values{"tag": many}, 1, nil); !errors.As(err, &fe) || fe.Field != "tag" {
		t.Errorf("%d tags: %v", len(many), err)
	}
	for _, c := range []string{"%%%", "bm90IGEgY3Vyc29y", Cursor(store.Chat{ID: ""})} {
		if _, err := ParseCursor(c); !errors.Is(err, ErrBadCursor) {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	c, err := ParseCursor(Cursor(store.Chat{ID: "abc", CreatedAt: at}))
	if err != nil || c.ID != "abc" || !c.CreatedAt.Equal(at) {
		t.Fatalf("round trip %+v %v", c, err)
	}
}

func TestScopeFor(t *testing.T) {
	if ScopeFor(store.User{ID: 1, Role: store.RoleAdmin}) != nil {
		t.Error("an admin sees everything")
	}
	if s := ScopeFor(store.User{ID: 2, Role: store.RoleSupervisor, Groups: []int64{5}}); s == nil || s.UserID != 2 || len(s.GroupIDs) != 1 {
		t.Errorf("supervisor %+v", s)
	}
	if s := ScopeFor(store.User{ID: 3, Role: store.RoleAgent, Groups: []int64{5}}); s == nil || s.UserID != 3 || len(s.GroupIDs) != 0 {
		t.Errorf("agent %+v", s)
	}
}

func TestExport(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	acc, end := at.Add(30*time.Second), at.Add(5*time.Minute)
	chats := []store.Chat{
		{ID: "c1", State: "closed", ConnectorID: 1, AgentID: 2, VisitorName: "=HYPERLINK(\"x\")", VisitorEmail: "a@b.c", CreatedAt: at, AcceptedAt: &acc, ClosedAt: &end, CloseCause: "agent",
			OutcomeID: 5, Fields: map[string]string{"topic": "billing", "stars": "4"}},
		{ID: "c2", State: "queued", ConnectorID: 9, VisitorName: "Zoé, \"quoted\"\nline", CreatedAt: at},
	}
	each := func(fn func([]store.Chat) error) error {
		// Two pages: each is read for its tags once.
		for _, page := range [][]store.Chat{chats[:1], chats[1:]} {
			if err := fn(page); err != nil {
				return err
			}
		}
		return nil
	}
	n := Names{Connectors: map[int64]string{1: "Website"}, Agents: map[int64]string{2: "Ben"},
		Outcomes: map[int64]string{5: "solved"}, Tags: map[int64]string{1: "billing", 2: "=bug"},
		RatingFields: map[int64][]string{1: {"score", "stars"}, 9: {"topic"}},
		ChatTags: func(ids []string) (map[string][]int64, error) {
			if len(ids) != 1 {
				t.Errorf("tags read for %v, want a page of one chat", ids)
			}
			if ids[0] == "c1" {
				return map[string][]int64{"c1": {1, 2, 7}}, nil // 7: a tag since deleted
			}
			return nil, nil
		}}
	var csvOut bytes.Buffer
	if err := WriteCSV(&csvOut, each, n); err != nil {
		t.Fatal(err)
	}
	want := "id,started,ended,state,connector,agent,visitor_name,visitor_email,lang,wait_seconds,first_reply_seconds,close_cause,outcome,tags,rating\n" +
		"c1,2026-01-02T03:04:05Z,2026-01-02T03:09:05Z,closed,Website,Ben,\"'=HYPERLINK(\"\"x\"\")\",a@b.c,,30,-1,agent,solved,billing; =bug; 7,4\n" +
		"c2,2026-01-02T03:04:05Z,,queued,9,,\"Zoé, \"\"quoted\"\"\nline\",,,-1,-1,,,,\n"
	if csvOut.String() != want {
		t.Errorf("csv\n%s\nwant\n%s", csvOut.String(), want)
	}
	var jsonOut bytes.Buffer
	if err := WriteJSON(&jsonOut, each, n); err != nil {
		t.Fatal(err)
	}
	var rows []Row
	if err := json.Unmarshal(jsonOut.Bytes(), &rows); err != nil || len(rows) != 2 || rows[0].WaitSeconds != 30 || rows[1].Connector != "9" ||
		rows[0].Outcome != "solved" || strings.Join(rows[0].Tags, "|") != "billing|=bug|7" || rows[0].Rating != "4" || rows[1].Tags == nil {
		t.Fatalf("json %s: %v", jsonOut.String(), err)
	}
	// A chat's tags that cannot be read stop the export with the error.
	broken := n
	broken.ChatTags = func([]string) (map[string][]int64, error) { return nil, errors.New("database gone") }
	if err := WriteCSV(io.Discard, each, broken); err == nil || err.Error() != "database gone" {
		t.Fatalf("csv with unreadable tags: %v", err)
	}
	if err := WriteJSON(io.Discard, each, broken); err == nil {
		t.Fatal("json with unreadable tags: no error")
	}
	var empty bytes.Buffer
	if err := WriteJSON(&empty, func(func([]store.Chat) error) error { return nil }, n); err != nil || strings.TrimSpace(empty.String()) != "[]" {
		t.Fatalf("empty json %q %v", empty.String(), err)
	}
}

func TestRelabel(t *testing.T) {
	tags := []store.Label{{ID: 1, Name: "billing"}, {ID: 2, Name: "bug"}}
	outcomes := []store.Label{{ID: 5, Name: "solved"}}
	closed := store.Chat{ID: "c", State: "closed", OutcomeID: 9} // 9: an outcome since deleted
	open := store.Chat{ID: "o", State: "active"}
	for name, c := range map[string]struct {
		form  url.Values
		chat  store.Chat
		field string // "" accepted
	}{
		"tags and outcome":        {url.Values{"tag": {"1", "2"}, "outcome": {"5"}}, closed, ""},
		"keeps a deleted outcome": {url.Values{"tag": {"1"}, "outcome": {"9"}}, closed, ""},
		"clears":                  {url.Values{"outcome": {"0"}}, closed, ""},
		"open chat, tags only":    {url.Values{"tag": {"2"}}, open, ""},
		"open chat, outcome":      {url.Values{"outcome": {"5"}}, open, "outcome"},
		"open chat, no outcome":   {url.Values{"outcome": {"0"}}, open, ""},
		"foreign tag":             {url.Values{"tag": {"1", "77"}}, closed, "tag"},
		"foreign outcome":         {url.Values{"outcome": {"77"}}, closed, "outcome"},
		"huge tag":                {url.Values{"tag": {"99999999999999999999"}}, closed, "tag"},
		"NUL outcome":             {url.Values{"outcome": {"5\x00"}}, closed, "outcome"},
	} {
		r, err := ParseRelabel(c.form)
		if err == nil {
			err = r.Check(c.chat, tags, outcomes)
		}
		var fe *FilterError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field):
			t.Errorf("%s: %v, want an error about %s", name, err, c.field)
		}
	}
	if r, _ := ParseRelabel(url.Values{"tag": {"1"}}); !r.KeepOutcome {
		t.Error("a form without an outcome field changes the outcome")
	}
}

func TestInScope(t *testing.T) {
	ch := store.Chat{ID: "c", AgentID: 3}
	parts := []store.Participant{{UserID: 4, Role: store.ParticipantAgent}, {UserID: 5, Role: store.ParticipantVisitor}}
	for name, c := range map[string]struct {
		scope *store.ArchiveScope
		group int64
		want  bool
	}{
		"administrator":        {nil, 0, true},
		"owner":                {&store.ArchiveScope{UserID: 3}, 0, true},
		"participant":          {&store.ArchiveScope{UserID: 4}, 0, true},
		"visitor id clash":     {&store.ArchiveScope{UserID: 5}, 0, false},
		"stranger":             {&store.ArchiveScope{UserID: 6}, 7, false},
		"supervisor of group":  {&store.ArchiveScope{UserID: 6, GroupIDs: []int64{7}}, 7, true},
		"supervisor elsewhere": {&store.ArchiveScope{UserID: 6, GroupIDs: []int64{8}}, 7, false},
		"no group":             {&store.ArchiveScope{UserID: 6, GroupIDs: []int64{8}}, 0, false},
		"nobody":               {&store.ArchiveScope{}, 0, false},
	} {
		if got := InScope(c.scope, ch, parts, c.group); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}
