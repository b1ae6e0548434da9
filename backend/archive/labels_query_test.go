package archive_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/archive"
	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/survey"
)

// TestArchiveLabelFilters filters by rating, tag, outcome and contact on both databases,
// with tenant B's rating field, tags, outcome and contact standing by to leak in.
func TestArchiveLabelFilters(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := b.open(t)
			setup, err := history.MakeSetup(ctx, st, history.Config{Tenants: 2, AgentsPerTenant: 1, ConnectorsPerTenant: 1})
			if err != nil {
				t.Fatal(err)
			}
			ta, tb := setup.Tenants[0], setup.Tenants[1]
			rating := func(tenant, connector int64, name string) {
				t.Helper()
				_, err := st.CreateSurveyField(ctx, store.SurveyField{TenantID: tenant, ConnectorID: connector, Kind: store.SurveyPostChat,
					Field: survey.Field{Name: name, Type: survey.TypeRating, Prompt: "How was it?", ValidateLow: 1, ValidateHigh: 10}})
				if err != nil {
					t.Fatal(err)
				}
			}
			rating(ta.ID, ta.Connectors[0], "Stars")
			rating(tb.ID, tb.Connectors[0], "Score")
			label := func(kind store.LabelKind, tenant int64, name string) int64 {
				t.Helper()
				id, err := st.SaveLabel(ctx, kind, store.Label{TenantID: tenant, Name: name})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			t1, t2, tB := label(store.LabelTag, ta.ID, "billing"), label(store.LabelTag, ta.ID, "shipping"), label(store.LabelTag, tb.ID, "billing")
			o1, o2, oB := label(store.LabelOutcome, ta.ID, "solved"), label(store.LabelOutcome, ta.ID, "sold"), label(store.LabelOutcome, tb.ID, "solved")

			base := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
			var h store.History
			add := func(tn history.TenantSetup, id, email string, outcome int64, fields map[string]string) store.Chat {
				at := base.Add(time.Duration(len(h.Chats)) * time.Minute)
				c := store.Chat{ID: id, TenantID: tn.ID, ConnectorID: tn.Connectors[0], State: "closed", VisitorName: id,
					VisitorEmail: email, Lang: "en", CreatedAt: at, ClosedAt: &at, OutcomeID: outcome, Fields: fields, LastSeq: 1, LastVisitorSeq: 1}
				h.Chats = append(h.Chats, c)
				h.Messages = append(h.Messages, store.Message{ChatID: id, Seq: 1, Role: "visitor", Name: id, Text: "refund please", At: at})
				h.Events = append(h.Events, store.Event{ChatID: id, Seq: 1, VisitorSeq: 1, Type: "message", Data: []byte(`{"role":"visitor","text":"refund please"}`), At: at})
				return c
			}
			chats := []store.Chat{
				add(ta, "r1", "kim@example.com", o1, map[string]string{"Stars": "1"}),
				add(ta, "r2", "kim@example.com", o2, map[string]string{"Stars": "2", "Comment": "5"}),
				add(ta, "r5", "lee@example.com", 0, map[string]string{"Stars": "5"}),
				add(ta, "r10", "", 0, map[string]string{"Stars": "10"}),
				// Tenant B's field name and odd answers are no rating of tenant A.
				add(ta, "rx", "", 0, map[string]string{"Score": "1", "Stars": "1.5"}),
				add(ta, "rnone", "", 0, nil),
				add(tb, "b1", "kim@example.com", oB, map[string]string{"Score": "1", "Stars": "1"}),
			}
			if err := st.ImportHistory(ctx, h); err != nil {
				t.Fatal(err)
			}
			for _, c := range chats {
				if err := st.LinkChat(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			at := base.Add(time.Hour)
			for chat, tags := range map[string][]int64{"r1": {t1}, "r2": {t1, t2}, "r5": {t2}} {
				if err := st.SetChatTags(ctx, ta.ID, chat, tags, ta.Agents[0].ID, at); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.SetChatTags(ctx, tb.ID, "b1", []int64{tB}, 0, at); err != nil {
				t.Fatal(err)
			}
			// A foreign tenant's tag cannot be put on a chat either.
			if err := st.SetChatTags(ctx, ta.ID, "r10", []int64{tB}, 0, at); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("foreign tag set: %v", err)
			}
			contactOf := func(tenant int64, chat string) int64 {
				t.Helper()
				cc, err := st.ChatContact(ctx, tenant, chat)
				if err != nil || cc.ContactID == 0 {
					t.Fatalf("contact of %s: %+v %v", chat, cc, err)
				}
				return cc.ContactID
			}
			kim, kimB := contactOf(ta.ID, "r1"), contactOf(tb.ID, "b1")

			check := func(name string, flt store.ArchiveFilter, want ...string) {
				t.Helper()
				flt.TenantID = ta.ID
				got, err := st.ArchiveChats(ctx, flt, store.ArchiveCursor{}, 100)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if g := strings.Join(ids(got), ","); g != strings.Join(want, ",") {
					t.Errorf("%s: list %v, want %v", name, g, want)
				}
				// The search applies the same filter.
				terms, _ := archive.Terms("refund")
				hits, err := st.SearchMessages(ctx, flt, terms, "", 100)
				if err != nil {
					t.Fatalf("%s: search: %v", name, err)
				}
				var hitIDs []string
				for _, h := range hits {
					hitIDs = append(hitIDs, h.Chat.ID)
				}
				if g := strings.Join(hitIDs, ","); g != strings.Join(want, ",") {
					t.Errorf("%s: search %v, want %v", name, g, want)
				}
			}
			check("rated 2 or lower", store.ArchiveFilter{RatingMax: 2}, "r2", "r1")
			check("rated 2 to 5", store.ArchiveFilter{RatingMin: 2, RatingMax: 5}, "r5", "r2")
			check("rated 10", store.ArchiveFilter{RatingMin: 10}, "r10")
			check("rated 1", store.ArchiveFilter{RatingMin: 1, RatingMax: 1}, "r1")
			check("rated at all", store.ArchiveFilter{RatingMin: 1}, "r10", "r5", "r2", "r1")
			check("empty range", store.ArchiveFilter{RatingMin: 6, RatingMax: 5})
			check("huge rating", store.ArchiveFilter{RatingMax: 1 << 40}, "r10", "r5", "r2", "r1")
			check("tag", store.ArchiveFilter{TagIDs: []int64{t1}}, "r2", "r1")
			check("either tag", store.ArchiveFilter{TagIDs: []int64{t1, t2}}, "r5", "r2", "r1")
			check("foreign tag", store.ArchiveFilter{TagIDs: []int64{tB}})
			check("unknown tag", store.ArchiveFilter{TagIDs: []int64{1 << 62}})
			check("outcome", store.ArchiveFilter{OutcomeIDs: []int64{o1}}, "r1")
			check("outcomes", store.ArchiveFilter{OutcomeIDs: []int64{o1, o2}}, "r2", "r1")
			check("foreign outcome", store.ArchiveFilter{OutcomeIDs: []int64{oB}})
			check("contact", store.ArchiveFilter{ContactID: kim}, "r2", "r1")
			check("foreign contact", store.ArchiveFilter{ContactID: kimB})
			check("all together", store.ArchiveFilter{ContactID: kim, TagIDs: []int64{t2}, RatingMax: 2, OutcomeIDs: []int64{o2}}, "r2")
			check("agent scope and tag", store.ArchiveFilter{TagIDs: []int64{t1}, Scope: &store.ArchiveScope{UserID: ta.Agents[0].ID}})

			// Tenant B sees its own tag's chat, and tenant A's rating field is not its.
			got, err := st.ArchiveChats(ctx, store.ArchiveFilter{TenantID: tb.ID, TagIDs: []int64{tB}, RatingMax: 1}, store.ArchiveCursor{}, 10)
			if err != nil || strings.Join(ids(got), ",") != "b1" {
				t.Fatalf("tenant B: %v %v", ids(got), err)
			}
		})
	}
}
