package admin_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/history"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// TestReportsInChromium fills the demo tenant with two weeks of generated chats, then opens
// the reports, the wallboard (with a visitor waiting) and the tag and outcome lists in
// Chromium: every chart is an SVG with a title and description and a table beside it, axe-core
// finds no serious or critical violation, the filter works from the keyboard, and a
// screenshot of each page is kept for review.
func TestReportsInChromium(t *testing.T) {
	browsertest.ChromiumPath(t)
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	st := env.Server.Store()
	tid := env.Demo.TenantID
	tenant := must(st.Tenant(ctx, tid))
	ts := history.TenantSetup{ID: tid, Lang: tenant.DefaultLang, Connectors: []int64{env.Demo.ConnectorID}}
	for _, n := range []string{"Billing", "Delivery", "Returns", "Bug report"} {
		ts.Tags = append(ts.Tags, must(st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: tid, Name: n})))
	}
	for _, n := range []string{"Solved", "Sale", "Escalated"} {
		ts.Outcomes = append(ts.Outcomes, must(st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: tid, Name: n})))
	}
	_ = must(st.CreateSurveyField(ctx, store.SurveyField{TenantID: tid, ConnectorID: env.Demo.ConnectorID, Kind: store.SurveyPostChat,
		Field: survey.Field{Name: history.RatingField, Type: survey.TypeRating, Prompt: "How did we do?", ValidateLow: -1, ValidateHigh: 5}}))
	for _, u := range env.Demo.Users {
		if u.Role == store.RoleAgent {
			a := must(st.UserByLogin(ctx, u.Login))
			ts.Agents = append(ts.Agents, history.Agent{ID: a.ID, Name: a.Name})
		}
	}
	plan, err := history.NewPlan(history.Options{Seed: 7, Chats: 1500, Messages: 6000, Days: 14, End: time.Now(), Contacts: -1},
		history.Setup{Tenants: []history.TenantSetup{ts}})
	if err != nil {
		t.Fatal(err)
	}
	if err := history.Fill(ctx, st, plan, 0, nil); err != nil {
		t.Fatal(err)
	}

	// A visitor waiting (offered to Anna, who lets it ring) for the wallboard.
	env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Wanda", Question: "Is my order on its way?"}); err != nil {
		t.Fatal(err)
	}

	admin := env.DemoUser(t, "admin", 0)
	b := browsertest.New(t, browsertest.Options{Name: "reports", Width: 1360, Height: 900, Lang: "en-US", AcceptLanguage: "en-US,en",
		WaitAcrossNavigation: true, ClickScroll: "center", FullPage: true})
	open(t, b, env.URL+"/admin/")
	b.WaitFor("the sign-in form", `!!document.getElementById('f-login')`)
	fill(t, b, map[string]string{"f-login": admin.Login, "f-password": admin.Password})
	b.Click(`document.querySelector('button[type=submit]')`)
	b.WaitFor("the connectors page", `location.pathname === '/admin/connectors' && document.readyState === 'complete'`)

	open(t, b, env.URL+"/admin/reports")
	b.WaitFor("the charts", `document.querySelectorAll('figure.chart svg[role=img]').length >= 5`)
	for _, id := range []string{"chart-waits", "chart-concurrency", "chart-agents", "chart-ratings", "chart-tags", "chart-outcomes", "chart-heatmap"} {
		b.WaitFor(id+" with its title, description and table", `(() => { const s = document.querySelector('svg[aria-labelledby="`+id+`-t `+id+`-d"]');
			return !!s && !!s.querySelector('title') && !!s.querySelector('desc') && !!s.closest('figure').querySelector('details table'); })()`)
	}
	requested := browsertest.Eval[string](b, `document.querySelector('.stats .stat strong').textContent`)
	if requested == "0" || requested == "" {
		t.Fatalf("the report counts %q requested chats over the generated week", requested)
	}
	b.AssertAccessible("reports")
	b.Screenshot("reports")

	// Narrow to a tag with the keyboard: focus the tag list, pick, submit with Enter.
	b.TabTo("#f-tag", 60)
	b.AssertFocusVisible("the tag filter")
	fill(t, b, map[string]string{"f-tag": i64s(ts.Tags[0])})
	b.TabTo(`form[action="/admin/reports"] button[type=submit]`, 10)
	b.Do(chromedp.KeyEvent("\r"))
	b.WaitFor("the tagged report", `location.search.includes('tag=`+i64s(ts.Tags[0])+`') && document.readyState === 'complete' && !!document.querySelector('figure.chart')`)
	tagged := browsertest.Eval[string](b, `document.querySelector('.stats .stat strong').textContent`)
	if tagged == requested {
		t.Errorf("filtering by a tag kept all %s chats", tagged)
	}

	// A bad date comes back next to its field.
	open(t, b, env.URL+"/admin/reports?from=yesterday")
	b.WaitFor("the date error", `!!document.querySelector('#f-from-err') && document.querySelector('#f-from').getAttribute('aria-invalid') === 'true'`)
	b.AssertAccessible("reports-error")

	open(t, b, env.URL+"/admin/wallboard")
	b.WaitFor("the wallboard", `document.querySelector('main .wall') && document.querySelector('main .wall .stat strong').textContent === '1'`)
	b.AssertAccessible("wallboard")
	b.Screenshot("wallboard")

	open(t, b, env.URL+"/admin/labels")
	b.WaitFor("the lists", `document.querySelectorAll('main table.list tbody tr').length === 7`)
	b.AssertAccessible("labels")
	b.Screenshot("labels")
	// The refused filter answers 422, which the browser logs; nothing else may fail.
	b.AssertNoConsoleErrors("status of 422")
}

func i64s(n int64) string { return strconv.FormatInt(n, 10) }
