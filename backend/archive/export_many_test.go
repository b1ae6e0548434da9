package archive_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/store"
)

// manyChats imports n closed chats of tenant A (tagged by their number: every second one
// "even", every third one "third") and a tagged chat of tenant B, and returns tenant A's
// export names with a counter of tag reads.
func manyChats(tb testing.TB, st *store.Store, n int) (store.ArchiveFilter, archive.Names, *int) {
	tb.Helper()
	ctx := context.Background()
	setup, err := history.MakeSetup(ctx, st, history.Config{Tenants: 2, AgentsPerTenant: 1, ConnectorsPerTenant: 1})
	if err != nil {
		tb.Fatal(err)
	}
	ta, tbn := setup.Tenants[0], setup.Tenants[1]
	label := func(tenant int64, name string) int64 {
		id, err := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: tenant, Name: name})
		if err != nil {
			tb.Fatal(err)
		}
		return id
	}
	even, third, foreign := label(ta.ID, "even"), label(ta.ID, "third"), label(tbn.ID, "even")
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var h store.History
	for i := range n + 1 {
		tn, id := ta, fmt.Sprintf("many-%05d", i)
		if i == n {
			tn, id = tbn, "other-tenant"
		}
		at := base.Add(time.Duration(i) * time.Minute)
		h.Chats = append(h.Chats, store.Chat{ID: id, TenantID: tn.ID, ConnectorID: tn.Connectors[0], State: "closed", VisitorName: id,
			Lang: "en", CreatedAt: at, ClosedAt: &at, LastSeq: 0})
	}
	if err := st.ImportHistory(ctx, h); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		var tags []int64
		if i%2 == 0 {
			tags = append(tags, even)
		}
		if i%3 == 0 {
			tags = append(tags, third)
		}
		if len(tags) > 0 {
			if err := st.SetChatTags(ctx, ta.ID, fmt.Sprintf("many-%05d", i), tags, 0, base); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := st.SetChatTags(ctx, tbn.ID, "other-tenant", []int64{foreign}, 0, base); err != nil {
		tb.Fatal(err)
	}
	reads := new(int)
	names := archive.Names{Tags: map[int64]string{even: "even", third: "third"},
		ChatTags: func(ids []string) (map[string][]int64, error) {
			*reads++
			return st.TagsOfChats(ctx, ta.ID, ids)
		}}
	return store.ArchiveFilter{TenantID: ta.ID}, names, reads
}

// TestExportManyChats exports 1,201 chats (three pages) as CSV and JSON on both databases:
// every chat once, newest first, each with its own tags and never another tenant's, and the
// tags read once per page, not once per chat.
func TestExportManyChats(t *testing.T) {
	const n = 2*store.ArchivePage + 201
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := b.open(t)
			filter, names, reads := manyChats(t, st, n)
			each := func(fn func([]store.Chat) error) error { return st.EachArchivePage(ctx, filter, fn) }
			var out bytes.Buffer
			if err := archive.WriteCSV(&out, each, names); err != nil {
				t.Fatal(err)
			}
			if *reads != 3 {
				t.Fatalf("the tags of %d chats were read %d times, want once per page (3)", n, *reads)
			}
			recs, err := csv.NewReader(&out).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != n+1 {
				t.Fatalf("%d rows, want %d and the header", len(recs)-1, n)
			}
			for k, rec := range recs[1:] {
				i := n - 1 - k // newest first
				if want := fmt.Sprintf("many-%05d", i); rec[0] != want {
					t.Fatalf("row %d is %s, want %s", k, rec[0], want)
				}
				var want []string
				if i%2 == 0 {
					want = append(want, "even")
				}
				if i%3 == 0 {
					want = append(want, "third")
				}
				if got := rec[13]; got != strings.Join(want, "; ") {
					t.Fatalf("chat %s: tags %q, want %q", rec[0], got, strings.Join(want, "; "))
				}
			}
			*reads = 0
			var js bytes.Buffer
			if err := archive.WriteJSON(&js, each, names); err != nil {
				t.Fatal(err)
			}
			if *reads != 3 || strings.Count(js.String(), `"id":`) != n || strings.Contains(js.String(), "other-tenant") {
				t.Fatalf("json: %d tag reads, %d chats", *reads, strings.Count(js.String(), `"id":`))
			}
			// Another tenant's chat ids have no tags here, and a page too big is refused.
			if got, err := st.TagsOfChats(ctx, filter.TenantID, []string{"other-tenant"}); err != nil || len(got) != 0 {
				t.Fatalf("another tenant's chat: %v %v", got, err)
			}
			if _, err := st.TagsOfChats(ctx, filter.TenantID, make([]string, store.ArchivePage+1)); err == nil {
				t.Fatal("a page of too many chats was read")
			}
		})
	}
}

// BenchmarkExportTags exports 2,000 tagged chats as CSV from SQLite and reports the tag
// reads (queries) per export: 4, one per page of 500.
func BenchmarkExportTags(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	filter, names, reads := manyChats(b, st, 2000)
	each := func(fn func([]store.Chat) error) error { return st.EachArchivePage(ctx, filter, fn) }
	*reads = 0
	b.ResetTimer()
	for range b.N {
		var out bytes.Buffer
		if err := archive.WriteCSV(&out, each, names); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(*reads)/float64(b.N), "tag-queries/op")
}
