package archive_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
)

// A word thousands of messages contain, searched with and without a narrow chat filter (a
// visitor, an agent), on both databases: PostgreSQL then reads the messages newest first, or
// starts from the filter's few chats, instead of going through the word index. Every way
// must find exactly the filter's share of the unfiltered hits, in the same order, page after
// page. The bounds of "common" and "narrow" are lowered, so that a small history tries every
// plan.
func TestSearchCommonWordWithNarrowFilter(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := store.Config{DataDir: t.TempDir(), SearchDenseMatches: 300, SearchFewChats: 100}
			if b.name == "postgres" {
				cfg = store.Config{DatabaseURL: pgtest.URL(t), SearchDenseMatches: 300, SearchFewChats: 100}
			}
			st, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			setup, err := history.MakeSetup(ctx, st, history.Config{Tenants: 1, AgentsPerTenant: 20, ConnectorsPerTenant: 1})
			if err != nil {
				t.Fatal(err)
			}
			p, err := history.NewPlan(history.Options{Seed: 3, Chats: 1000, Messages: 10000, End: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Contacts: -1}, setup)
			if err != nil {
				t.Fatal(err)
			}
			if err := history.Fill(ctx, st, p, 0, nil); err != nil {
				t.Fatal(err)
			}
			tenant := setup.Tenants[0]
			// Without statistics PostgreSQL's search counts the matches to pick its plan;
			// after ANALYZE it reads them from the statistics of the word column. Both
			// must find the same.
			for _, analyzed := range []bool{false, true} {
				if analyzed {
					if err := st.Analyze(ctx); err != nil {
						t.Fatal(err)
					}
				}
				t.Run(fmt.Sprintf("analyzed=%v", analyzed), func(t *testing.T) { searchCommonWord(t, st, tenant) })
			}
			if b.name != "postgres" {
				return
			}
			// Two words each common alone, which the statistics cannot tell apart from two
			// words that never come together: PostgreSQL's search counts their matches, and
			// finds what a store that always goes through the word index finds, page after
			// page.
			open := func(dense int) *store.Store {
				cfg.SearchDenseMatches = dense
				s, err := store.Open(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
			doubtful, reference := open(100), open(1<<30)
			// A prefix alone, which the statistics tell common, and with a word.
			for _, words := range [][]string{{"password", "reset"}, {"password", "delivery"}, {"deliv*"}, {"pass*", "reset"}} {
				f := store.ArchiveFilter{TenantID: tenant.ID}
				want := searchPages(t, reference, f, words, 50)
				got := searchPages(t, doubtful, f, words, 50)
				if len(words) > 1 && words[1] == "reset" && len(want) < 100 || len(want) == 0 {
					t.Fatalf("%v: %d hits, too few to page", words, len(want))
				}
				if !slices.Equal(got, want) {
					t.Errorf("%v: %d hits, want %d (first %v, want %v)", words, len(got), len(want), first(got), first(want))
				}
			}
		})
	}
}

// searchCommonWord checks the hits of a common word under narrow filters against the
// unfiltered hits.
func searchCommonWord(t *testing.T, st *store.Store, tenant history.TenantSetup) {
	t.Helper()
	all := searchAll(t, st, store.ArchiveFilter{TenantID: tenant.ID}, "order")
	if len(all) < 600 {
		t.Fatalf("%d messages say order: too few to search a common word", len(all))
	}
	agent := tenant.Agents[3].ID
	for name, c := range map[string]struct {
		f    store.ArchiveFilter
		keep func(store.SearchHit) bool
	}{
		"visitor": {store.ArchiveFilter{TenantID: tenant.ID, Visitor: "müller"},
			func(h store.SearchHit) bool { return strings.Contains(strings.ToLower(h.Chat.VisitorName), "müller") }},
		"agent": {store.ArchiveFilter{TenantID: tenant.ID, AgentID: agent},
			func(h store.SearchHit) bool { return h.Chat.AgentID == agent }},
		"agent and month": {store.ArchiveFilter{TenantID: tenant.ID, AgentID: agent, From: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
			func(h store.SearchHit) bool {
				return h.Chat.AgentID == agent && h.Chat.CreatedAt.Month() == time.June && h.Chat.CreatedAt.Year() == 2026
			}},
	} {
		var want []string
		for _, h := range all {
			if c.keep(h) {
				want = append(want, key(h))
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s: the history has nothing to find", name)
		}
		var got []string
		for _, h := range searchAll(t, st, c.f, "order") {
			got = append(got, key(h))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d hits, want %d (first %v, want %v)", name, len(got), len(want), first(got), first(want))
		}
	}
}

// searchAll pages through every hit of word under f, 200 at a time.
func searchAll(t *testing.T, st *store.Store, f store.ArchiveFilter, word string) []store.SearchHit {
	t.Helper()
	var out []store.SearchHit
	after := ""
	for {
		hits, err := st.SearchMessages(context.Background(), f, []string{word}, after, 200)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hits...)
		if len(hits) < 200 {
			return out
		}
		after = hits[len(hits)-1].Next
	}
}

func key(h store.SearchHit) string { return fmt.Sprintf("%s/%d", h.Message.ChatID, h.Message.Seq) }

func first(s []string) []string { return s[:min(3, len(s))] }

// searchPages pages through every hit of words under f, page at a time, as keys.
func searchPages(t *testing.T, st *store.Store, f store.ArchiveFilter, words []string, page int) []string {
	t.Helper()
	var out []string
	after := ""
	for {
		hits, err := st.SearchMessages(context.Background(), f, words, after, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			out = append(out, key(h))
		}
		if len(hits) < page {
			return out
		}
		after = hits[len(hits)-1].Next
	}
}
