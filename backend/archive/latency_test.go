package archive_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/history/benchdb"
)

// The search latency report (make bench): with ARCHIVE_REPORT=1 it fills a database with
// generated history (ARCHIVE_CHATS chats, ten messages each; 100,000 unless set), or reuses
// the one an earlier run made (package benchdb; SQLite's under ARCHIVE_CACHE, default
// build/bench-history), runs a set of searches an agent or
// administrator would type, a page of 50 hits each, and prints the 95th percentile as
// search_p95_ms_sqlite and search_p95_ms_postgres.
func TestSearchLatencyReport(t *testing.T) {
	if os.Getenv("ARCHIVE_REPORT") == "" {
		t.Skip("set ARCHIVE_REPORT=1 (make bench)")
	}
	chats := 100000
	if s := os.Getenv("ARCHIVE_CHATS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("ARCHIVE_CHATS=%q", s)
		}
		chats = n
	}
	ctx := context.Background()
	cache, admin := benchdb.Places()
	for _, db := range []string{"sqlite", "postgres"} {
		url := ""
		if db == "postgres" {
			url = admin
		}
		st, err := benchdb.Open(ctx, benchdb.Standard(chats), cache, url, func(s string) { t.Logf("%s: %s", db, s) })
		if err != nil {
			t.Fatal(err)
		}
		tenants, err := st.Tenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var took []time.Duration
		for _, tn := range tenants {
			for _, q := range benchQueries {
				var each []time.Duration
				form, err := archive.ParseFilter(q, tn.ID, time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				terms, err := archive.Terms(form.Query)
				if err != nil {
					t.Fatal(err)
				}
				for range 3 {
					began := time.Now()
					hits, err := st.SearchMessages(ctx, form.Filter, terms, "", 50)
					if err != nil {
						t.Fatalf("%v: %v", q, err)
					}
					for _, h := range hits {
						_ = archive.Snippet(h.Message.Text, terms)
					}
					each = append(each, time.Since(began))
				}
				took = append(took, each...)
				slices.Sort(each)
				// The median of each search, so that runs on a busy machine can be compared
				// search by search.
				t.Logf("%s tenant %d %s: median %.1f ms", db, tn.ID, q.Encode(), float64(each[len(each)/2].Microseconds())/1000)
			}
		}
		st.Close()
		slices.Sort(took)
		p95 := took[(len(took)*95+99)/100-1]
		fmt.Printf("search_p95_ms_%s %.1f\n", db, float64(p95.Microseconds())/1000)
	}
}

// benchQueries are searches as people type them: common and rare words in the three
// languages, two-word searches, prefixes, and searches narrowed by date or state.
var benchQueries = []url.Values{
	{"q": {"delivery"}}, {"q": {"refund"}}, {"q": {"password reset"}}, {"q": {"invoice pdf"}},
	{"q": {"Bestellung"}}, {"q": {"Lieferadresse"}}, {"q": {"Rechnung doppelt"}}, {"q": {"commande"}},
	{"q": {"remboursement"}}, {"q": {"colis lundi"}}, {"q": {"jacket"}}, {"q": {"warranty printer"}},
	{"q": {"SPRING20"}}, {"q": {"deliv*"}}, {"q": {"xylophone"}}, {"q": {"the"}},
	{"q": {"parcel"}, "from": {"2026-11-01"}, "to": {"2026-11-30"}},
	{"q": {"refund"}, "state": {"closed"}, "from": {"2026-06-01"}},
	{"q": {"Abonnement kündigen"}, "visitor": {"müller"}},
}
