package archive_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// backend is a fresh store on one of the two databases.
type backend struct {
	name string
	open func(t *testing.T) *store.Store
}

func backends() []backend {
	open := func(t *testing.T, cfg store.Config) *store.Store {
		st, err := store.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return []backend{
		{"sqlite", func(t *testing.T) *store.Store { return open(t, store.Config{DataDir: t.TempDir()}) }},
		{"postgres", func(t *testing.T) *store.Store { return open(t, store.Config{DatabaseURL: pgtest.URL(t)}) }},
	}
}

// fixture is two tenants with a few chats each: tenant A's are the ones looked for, tenant
// B's say the same words and must never show.
type fixture struct {
	st    *store.Store
	setup history.Setup
	a, b  history.TenantSetup
	base  time.Time
	ids   []string // tenant A's chats, oldest first
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	setup, err := history.MakeSetup(ctx, st, history.Config{Tenants: 2, AgentsPerTenant: 2, ConnectorsPerTenant: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, setup: setup, a: setup.Tenants[0], b: setup.Tenants[1], base: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	var h store.History
	add := func(tn history.TenantSetup, i int, name, email, lang, state string, connector int, agent int, texts ...string) string {
		id := strings.Repeat(string(rune('a'+len(h.Chats)%26)), 4) + "-" + name
		at := f.base.Add(time.Duration(i) * time.Hour)
		c := store.Chat{ID: id, TenantID: tn.ID, ConnectorID: tn.Connectors[connector], State: state, VisitorName: name,
			VisitorEmail: email, Lang: lang, CreatedAt: at}
		if agent >= 0 {
			c.AgentID = tn.Agents[agent].ID
		}
		for j, text := range texts {
			seq := uint64(j + 1)
			h.Messages = append(h.Messages, store.Message{ChatID: id, Seq: seq, Role: "visitor", Name: name, Text: text, At: at.Add(time.Duration(j) * time.Second)})
			h.Events = append(h.Events, store.Event{ChatID: id, Seq: seq, VisitorSeq: seq, Type: "message",
				Data: []byte(`{"role":"visitor","text":` + quote(text) + `}`), At: at.Add(time.Duration(j) * time.Second)})
			c.LastSeq, c.LastVisitorSeq = seq, seq
		}
		h.Chats = append(h.Chats, c)
		if tn.ID == f.a.ID {
			f.ids = append(f.ids, id)
		}
		return id
	}
	add(f.a, 0, "Anna Müller", "anna@example.com", "de", "closed", 0, 0, "Meine Bestellung ist nicht angekommen.", "Danke!")
	add(f.a, 1, "Ben Smith", "ben@example.com", "en", "closed", 1, 1, "Where is my delivery? The parcel was due Monday.")
	add(f.a, 2, "Chloé Dubois", "", "fr", "closed", 0, 1, "Le colis de ma commande est arrivé cassé.")
	add(f.a, 3, "100% Sure_Guy", "guy@example.com", "en", "active", 1, 0, "The delivery address is wrong, 'quotes' \"and\" <b>tags</b>.")
	add(f.a, 4, "Dora Queue", "", "en", "queued", 0, -1, "Hello? Anyone about my delivery?")
	add(f.b, 5, "Eve Other", "eve@example.com", "en", "closed", 0, 0, "Where is my delivery? Bestellung, commande, parcel.")
	if err := st.ImportHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	return f
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func ids(chats []store.Chat) []string {
	out := make([]string, len(chats))
	for i, c := range chats {
		out[i] = c.ID
	}
	return out
}

func TestArchiveList(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, b.open(t))
			all := store.ArchiveFilter{TenantID: f.a.ID}
			// Newest first, page by page, every chat once, none of tenant B's.
			var got []string
			var after store.ArchiveCursor
			for page := 0; ; page++ {
				chats, err := f.st.ArchiveChats(ctx, all, after, 2)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(chats)...)
				if len(chats) < 2 {
					break
				}
				c, err := archive.ParseCursor(archive.Cursor(chats[len(chats)-1]))
				if err != nil {
					t.Fatal(err)
				}
				after = c
				if page > 10 {
					t.Fatal("pagination does not end")
				}
			}
			want := []string{f.ids[4], f.ids[3], f.ids[2], f.ids[1], f.ids[0]}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("pages = %v, want %v", got, want)
			}
			check := func(name string, flt store.ArchiveFilter, want ...string) {
				t.Helper()
				flt.TenantID = f.a.ID
				chats, err := f.st.ArchiveChats(ctx, flt, store.ArchiveCursor{}, 100)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if g := strings.Join(ids(chats), ","); g != strings.Join(want, ",") {
					t.Errorf("%s: got %v, want %v", name, g, want)
				}
			}
			check("connector", store.ArchiveFilter{ConnectorIDs: []int64{f.a.Connectors[1]}}, f.ids[3], f.ids[1])
			check("agent", store.ArchiveFilter{AgentID: f.a.Agents[1].ID}, f.ids[2], f.ids[1])
			check("states", store.ArchiveFilter{States: []string{"queued", "active"}}, f.ids[4], f.ids[3])
			check("dates", store.ArchiveFilter{From: f.base.Add(time.Hour), To: f.base.Add(3 * time.Hour)}, f.ids[2], f.ids[1])
			check("visitor name", store.ArchiveFilter{Visitor: "MÜLLER"}, f.ids[0])
			check("visitor email", store.ArchiveFilter{Visitor: "ben@EX"}, f.ids[1])
			check("percent is literal", store.ArchiveFilter{Visitor: "100%"}, f.ids[3])
			check("underscore is literal", store.ArchiveFilter{Visitor: "Ann_"})
			check("group", store.ArchiveFilter{GroupID: -1})
			check("foreign connector", store.ArchiveFilter{ConnectorIDs: []int64{f.b.Connectors[0]}})
			check("foreign agent", store.ArchiveFilter{AgentID: f.b.Agents[0].ID})
			check("agent scope", store.ArchiveFilter{Scope: &store.ArchiveScope{UserID: f.a.Agents[0].ID}}, f.ids[3], f.ids[0])
			check("injection", store.ArchiveFilter{Visitor: "' OR 1=1 --"})
			// The first connector is in the tenant's first group.
			groups := map[int64]bool{}
			for _, k := range f.a.Connectors {
				kk, err := f.st.Connector(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				groups[kk.GroupID] = true
			}
			k0, _ := f.st.Connector(ctx, f.a.Connectors[0])
			check("group", store.ArchiveFilter{GroupID: k0.GroupID}, f.ids[4], f.ids[2], f.ids[0])
			// A supervisor of that group sees its chats and their own.
			check("supervisor scope", store.ArchiveFilter{Scope: &store.ArchiveScope{UserID: f.a.Agents[1].ID, GroupIDs: []int64{k0.GroupID}}},
				f.ids[4], f.ids[2], f.ids[1], f.ids[0])
			// Tenant B's list holds only its own chat.
			chats, err := f.st.ArchiveChats(ctx, store.ArchiveFilter{TenantID: f.b.ID}, store.ArchiveCursor{}, 100)
			if err != nil || len(chats) != 1 || chats[0].TenantID != f.b.ID {
				t.Fatalf("tenant B: %v %v", ids(chats), err)
			}
			if _, err := f.st.ArchiveChats(ctx, store.ArchiveFilter{}, store.ArchiveCursor{}, 10); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("no tenant: %v", err)
			}
		})
	}
}

func TestArchiveSearch(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, b.open(t))
			all := store.ArchiveFilter{TenantID: f.a.ID}
			search := func(q string, flt store.ArchiveFilter) []store.SearchHit {
				t.Helper()
				terms, err := archive.Terms(q)
				if err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				hits, err := f.st.SearchMessages(ctx, flt, terms, "", 50)
				if err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				for _, h := range hits {
					if h.Chat.TenantID != f.a.ID {
						t.Fatalf("%q found tenant %d's chat %s", q, h.Chat.TenantID, h.Chat.ID)
					}
				}
				return hits
			}
			hits := search("delivery", all)
			if len(hits) != 3 || hits[0].Chat.ID != f.ids[4] || hits[2].Chat.ID != f.ids[1] {
				t.Fatalf("delivery: %d hits %+v", len(hits), hits)
			}
			if s := archive.Snippet(hits[1].Message.Text, []string{"delivery"}); !strings.Contains(s, "<mark>delivery</mark>") || strings.Contains(s, "<b>") {
				t.Fatalf("snippet %q", s)
			}
			if hits := search("DELIVERY parcel", all); len(hits) != 1 || hits[0].Chat.ID != f.ids[1] {
				t.Fatalf("two words: %+v", hits)
			}
			if hits := search("delivery", store.ArchiveFilter{TenantID: f.a.ID, States: []string{"closed"}}); len(hits) != 1 {
				t.Fatalf("filtered search: %+v", hits)
			}
			if hits := search("Bestellung", all); len(hits) != 1 || hits[0].Chat.ID != f.ids[0] {
				t.Fatalf("Bestellung: %+v", hits)
			}
			// Prefixes, alone and with a word; a "*" inside a word only separates.
			if hits := search("deliv*", all); len(hits) != 3 {
				t.Fatalf("deliv*: %+v", hits)
			}
			if hits := search("parc* deliv*", all); len(hits) != 1 || hits[0].Chat.ID != f.ids[1] {
				t.Fatalf("parc* deliv*: %+v", hits)
			}
			if hits := search("Bestell*", all); len(hits) != 1 || hits[0].Chat.ID != f.ids[0] {
				t.Fatalf("Bestell*: %+v", hits)
			}
			if hits := search("deliv*ery", all); len(hits) != 0 {
				t.Fatalf("deliv*ery: %+v", hits)
			}
			if b.name == "postgres" {
				// German stemming: the plural finds the singular.
				if hits := search("Bestellungen", all); len(hits) != 1 {
					t.Fatalf("Bestellungen: %+v", hits)
				}
			} else {
				// Accents folded.
				if hits := search("casse", all); len(hits) != 1 {
					t.Fatalf("casse: %+v", hits)
				}
			}
			// Paging: one hit a page, newest first, each once.
			terms, _ := archive.Terms("delivery")
			var seen []string
			after := ""
			for range 5 {
				hits, err := f.st.SearchMessages(ctx, all, terms, after, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) == 0 {
					break
				}
				seen = append(seen, hits[0].Chat.ID)
				after, err = archive.ParseSearchCursor(archive.SearchCursor(hits[0]))
				if err != nil {
					t.Fatal(err)
				}
			}
			if strings.Join(seen, ",") != strings.Join([]string{f.ids[4], f.ids[3], f.ids[1]}, ",") {
				t.Fatalf("search pages %v", seen)
			}
			if _, err := f.st.SearchMessages(ctx, all, terms, "garbage|x", 1); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("bad cursor: %v", err)
			}
			// Whatever is typed gives results or a clear error, never a database error.
			for _, q := range []string{`"`, `delivery"`, `*`, `NEAR(delivery parcel)`, `delivery NEAR parcel`, `a OR b`, `-delivery`,
				`text:delivery`, `'; DROP TABLE messages; --`, "deliv\x00ery", "\xff\xfe", `^delivery`, `delivery AND`, `(`, `:*`, `&|!`, `deliv:*`, `'deliv':*`, `deliv:* & !parcel`, `deliv\:*`, `a<->b`, `parcel:A`, "del\tiv*\n",
				strings.Repeat("delivery ", 50), strings.Repeat("x", 10*1024), "NOT", "AND OR NOT NEAR"} {
				terms, err := archive.Terms(q)
				if err != nil {
					if !errors.Is(err, archive.ErrNoWords) && !errors.Is(err, archive.ErrQueryTooLong) && !errors.Is(err, archive.ErrTooManyWords) {
						t.Errorf("%q: %v", q, err)
					}
					continue
				}
				if _, err := f.st.SearchMessages(ctx, all, terms, "", 20); err != nil {
					t.Errorf("%q (%q): %v", q, terms, err)
				}
			}
		})
	}
}
