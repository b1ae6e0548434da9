package admin_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// TestReportPages runs the reports, the wallboard and the tag and outcome lists through a
// real server on SQLite and PostgreSQL: roles, bad filters, foreign tenants' ids, CSV.
func TestReportPages(t *testing.T) {
	for _, db := range []struct {
		name string
		pg   bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, db.pg)
			ctx := context.Background()
			tid := id(fx, "{tenant}")
			other := id(fx, "{otherTenant}")
			otherTag := must(fx.st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: other, Name: "Theirs"}))
			fx.ids["{otherTag}"] = fmt.Sprint(otherTag)

			ok := func(as, path string, want ...string) string {
				t.Helper()
				r := fx.clients[as].do(t, "GET", fx.expand(path), nil, "")
				if r.status != 200 {
					t.Fatalf("GET %s as %s: %d\n%s", path, as, r.status, excerpt(r.body))
				}
				for _, w := range want {
					if !strings.Contains(r.body, w) {
						t.Errorf("GET %s: missing %q", path, w)
					}
				}
				return r.body
			}
			status := func(as, method, path string, form url.Values, want int, body ...string) {
				t.Helper()
				r := fx.clients[as].do(t, method, fx.expand(path), form, "")
				if r.status != want {
					t.Fatalf("%s %s as %s: %d, want %d\n%s", method, path, as, r.status, want, excerpt(r.body))
				}
				for _, w := range body {
					if !strings.Contains(r.body, w) {
						t.Errorf("%s %s: missing %q in\n%s", method, path, w, excerpt(r.body))
					}
				}
			}

			// Lists: add, refuse bad names, rename, delete; only the tenant's own.
			status("admin", "POST", "/admin/labels/tags", url.Values{"name": {"  Billing  "}}, 303)
			status("admin", "POST", "/admin/labels/tags", url.Values{"name": {"=HYPERLINK(\"http://evil\")"}}, 303)
			status("admin", "POST", "/admin/labels/outcomes", url.Values{"name": {"Sold"}}, 303)
			status("admin", "POST", "/admin/labels/tags", url.Values{"name": {"Billing"}}, 422, "There is already a tag with this name.")
			status("admin", "POST", "/admin/labels/tags", url.Values{"name": {"   "}}, 422, "A name is required.")
			status("admin", "POST", "/admin/labels/tags", url.Values{"name": {"bad\x00name"}}, 422, "characters that cannot be shown")
			status("admin", "POST", "/admin/labels/tags", url.Values{"name": {strings.Repeat("x", store.MaxLabelName+1)}}, 422, "longer than 60")
			status("admin", "POST", "/admin/labels/colours", url.Values{"name": {"x"}}, 404)
			status("supervisor", "POST", "/admin/labels/tags", url.Values{"name": {"Nope"}}, 403)
			status("admin", "POST", "/admin/labels/tags/{otherTag}", url.Values{"name": {"Mine now"}}, 404)
			status("admin", "POST", "/admin/labels/tags/{otherTag}/delete", url.Values{}, 404)
			if l := must(fx.st.Labels(ctx, store.LabelTag, other)); len(l) != 1 || l[0].Name != "Theirs" {
				t.Fatalf("the other tenant's tags changed: %+v", l)
			}
			tags := must(fx.st.Labels(ctx, store.LabelTag, tid))
			if len(tags) != 2 || tags[0].Name != "=HYPERLINK(\"http://evil\")" || tags[1].Name != "Billing" {
				t.Fatalf("tags = %+v", tags)
			}
			evil, billing := tags[0].ID, tags[1].ID
			status("admin", "POST", fmt.Sprintf("/admin/labels/tags/%d", billing), url.Values{"name": {"Invoices"}, "sort": {"-1"}}, 422, "Enter a whole number from 0 to 10000")
			status("admin", "POST", "/admin/labels/settings", url.Values{"answer_target": {"0"}}, 422, "Enter a whole number from 1 to 86400")
			status("admin", "POST", "/admin/labels/settings", url.Values{"answer_target": {"20"}, "outcome_required": {"on"}}, 303)
			if rs := must(fx.st.ReportSettingsOf(ctx, tid)); !rs.OutcomeRequired || rs.AnswerTarget != 20*time.Second {
				t.Fatalf("report settings = %+v", rs)
			}
			ok("admin", "/admin/labels", "Tags &amp; outcomes", "Billing", "Sold")

			// One answered chat today, tagged with the hostile name.
			now := time.Now().UTC().Truncate(time.Second)
			acc, closed := now.Add(-50*time.Second), now.Add(-10*time.Second)
			chat := store.Chat{ID: store.NewChatID(), TenantID: tid, ConnectorID: id(fx, "{conn}"), State: "closed", VisitorName: "V",
				CreatedAt: now.Add(-time.Minute), AcceptedAt: &acc, FirstReplyAt: &acc, ClosedAt: &closed, CloseCause: "agent", AgentID: id(fx, "{anna}")}
			if err := fx.st.Commit(ctx, store.Write{Chat: &chat}); err != nil {
				t.Fatal(err)
			}
			if err := fx.st.SetChatTags(ctx, tid, chat.ID, []int64{evil}, 0, now); err != nil {
				t.Fatal(err)
			}
			if err := fx.st.SetChatTags(ctx, other, chat.ID, nil, 0, now); err == nil {
				t.Error("another tenant changed this tenant's chat's tags")
			}
			if err := fx.st.SetChatTags(ctx, tid, chat.ID, []int64{otherTag}, 0, now); err == nil {
				t.Error("a chat got another tenant's tag")
			}

			// The report, and its refusals.
			page := ok("supervisor", "/admin/reports", "<h1>Reports</h1>", "chats requested", `<title id="chart-waits-t">`,
				`<desc id="chart-heatmap-d">`, "as a table", "/admin/reports/waits.csv?", "answered within 20 s")
			if !strings.Contains(page, `<strong>1</strong> chats requested`) {
				t.Errorf("the report does not count today's chat:\n%s", excerpt(page))
			}
			status("agent", "GET", "/admin/reports", nil, 403)
			status("supervisor", "GET", "/admin/reports?connector={otherConn}", nil, 422, "Choose one of the list.")
			status("supervisor", "GET", "/admin/reports?tag={otherTag}", nil, 422, "Choose one of the list.")
			status("supervisor", "GET", "/admin/reports?tag=1%27%20OR%20%271%27=%271", nil, 422, "Choose one of the list.")
			status("supervisor", "GET", "/admin/reports?from=2026-13-45", nil, 422, "Enter a date like")
			status("supervisor", "GET", "/admin/reports?from=2026-12-05&to=2026-12-01", nil, 422, "The last day must not be before the first.")
			status("supervisor", "GET", "/admin/reports?from=2001-01-01&to=2026-01-01", nil, 422, "at most two years")
			status("supervisor", "GET", "/admin/reports?target=99999999999999999999", nil, 422, "Enter a whole number")
			status("supervisor", "GET", "/admin/reports/secrets.csv", nil, 404)
			status("supervisor", "GET", "/admin/reports/summary.csv?connector={otherConn}", nil, 422)

			// CSV: the figures, and a hostile name kept from being a formula.
			r := fx.clients["supervisor"].do(t, "GET", "/admin/reports/summary.csv", nil, "")
			rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
			if r.status != 200 || err != nil || len(rows) < 3 || rows[1][0] != "requested" || rows[1][1] != "1" || rows[2][1] != "1" {
				t.Fatalf("summary.csv: %d %v %q", r.status, err, r.body)
			}
			r = fx.clients["supervisor"].do(t, "GET", "/admin/reports/tags.csv", nil, "")
			if rows, err = csv.NewReader(strings.NewReader(r.body)).ReadAll(); err != nil || len(rows) != 2 || rows[1][1] != `'=HYPERLINK("http://evil")` || rows[1][2] != "1" {
				t.Fatalf("tags.csv: %v %q", err, r.body)
			}
			r = fx.clients["supervisor"].do(t, "GET", "/admin/reports/heatmap.csv", nil, "")
			if rows, err = csv.NewReader(strings.NewReader(r.body)).ReadAll(); err != nil || len(rows) != 1+7*24 {
				t.Fatalf("heatmap.csv: %v, %d rows", err, len(rows))
			}

			// The wallboard: live, today's figures.
			ok("supervisor", "/admin/wallboard", `data-refresh="5"`, "longest wait", "answered within 20 s today", "1 of 1 chats", "Nobody is waiting.")
			status("agent", "GET", "/admin/wallboard", nil, 403)

			// Deleting a tag takes it off its chats.
			status("admin", "POST", fmt.Sprintf("/admin/labels/tags/%d/delete", evil), url.Values{}, 303)
			if ids := must(fx.st.ChatTags(ctx, tid, chat.ID)); len(ids) != 0 {
				t.Errorf("a deleted tag stays on its chat: %v", ids)
			}
		})
	}
}
