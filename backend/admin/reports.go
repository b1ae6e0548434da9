package admin

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/store"
)

// registerReports mounts the reports, the wallboard and the tag and outcome lists.
func (h *handlers) registerReports(g fiber.Router, sup, adm fiber.Handler) {
	g.Get("/reports", sup, h.reports)
	g.Get("/reports/:chart.csv", sup, h.reportCSV)
	g.Get("/wallboard", sup, h.wallboard)
	g.Get("/labels", adm, h.labels)
	g.Post("/labels/settings", adm, h.labelSettingsSave)
	g.Post("/labels/:kind", adm, h.labelCreate)
	g.Post("/labels/:kind/:id", adm, h.labelSave)
	g.Post("/labels/:kind/:id/delete", adm, h.labelDelete)
}

// reportChoices are what the report's filter form offers: the tenant's connectors, groups,
// agents, tags and outcomes.
type reportChoices struct {
	Connectors, Groups, Agents, Tags, Outcomes []option
}

// reportData is one rendered report.
type reportData struct {
	Form    *Form
	Choices reportChoices
	Query   string // the filter as a query string, for the CSV links
	Loc     *time.Location
	Report  report.Report
	Charts  []barChart
	Heat    heatmap
	Agents  []report.AgentRow
	Ran     bool
}

// tenantLoc is the tenant's time zone, UTC when it names none this server knows.
func tenantLoc(t store.Tenant) *time.Location {
	if loc, err := time.LoadLocation(t.TimeZone); err == nil && t.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// reportFilter reads the filter from the query string; problems are recorded on the form and
// the defaults used instead: the last seven days including today, the tenant's answer target.
func (h *handlers) reportFilter(c *fiber.Ctx, now time.Time) (report.Filter, *Form, reportChoices, error) {
	ctx := c.UserContext()
	t := current(c).Tenant
	loc := tenantLoc(t)
	f := newForm(url.Values{})
	for _, k := range []string{"from", "to", "connector", "group", "agent", "tag", "outcome", "target"} {
		if v := strings.TrimSpace(c.Query(k)); v != "" {
			f.Set(k, strings.Clone(v))
		}
	}
	rs, err := h.st.ReportSettingsOf(ctx, t.ID)
	if err != nil {
		return report.Filter{}, nil, reportChoices{}, err
	}
	today := now.In(loc)
	day := func(name string, def time.Time) time.Time {
		v := f.Get(name)
		if v == "" {
			f.Set(name, def.Format(time.DateOnly))
			return def
		}
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil || d.Year() < 2000 || d.Year() > 2200 {
			f.Errors[name] = "Enter a date like " + today.Format(time.DateOnly) + "."
			f.Set(name, def.Format(time.DateOnly))
			return def
		}
		return d
	}
	first := day("from", today.AddDate(0, 0, -6))
	last := day("to", today)
	from, to := report.Days(first, last, loc)
	if !to.After(from) {
		f.Errors["to"] = "The last day must not be before the first."
		from, to = report.Days(today.AddDate(0, 0, -6), today, loc)
	} else if to.Sub(from) > report.MaxRange {
		f.Errors["to"] = "A report covers at most two years."
		from, to = report.Days(today.AddDate(0, 0, -6), today, loc)
	}
	target := f.Int("target", 1, int(store.MaxAnswerTarget/time.Second), int(rs.AnswerTarget/time.Second))
	if f.Get("target") == "" {
		f.Set("target", strconv.Itoa(target))
	}
	rf := report.Filter{TenantID: t.ID, From: from, To: to, Loc: loc, AnswerTarget: time.Duration(target) * time.Second}
	ch, err := h.reportChoices(c)
	if err != nil {
		return report.Filter{}, nil, reportChoices{}, err
	}
	// An id that is not among the tenant's own is refused rather than silently matching
	// nothing: someone changed the address by hand, or the entry was deleted.
	for _, d := range []struct {
		name string
		dst  *int64
		opts []option
	}{{"connector", &rf.ConnectorID, ch.Connectors}, {"group", &rf.GroupID, ch.Groups}, {"agent", &rf.AgentID, ch.Agents},
		{"tag", &rf.TagID, ch.Tags}, {"outcome", &rf.OutcomeID, ch.Outcomes}} {
		v := f.Get(d.name)
		if v == "" {
			continue
		}
		if !validOption(d.opts, v) {
			f.Errors[d.name] = "Choose one of the list."
			f.Values.Del(d.name)
			continue
		}
		*d.dst, _ = strconv.ParseInt(v, 10, 64)
	}
	return rf, f, ch, nil
}

func (h *handlers) reportChoices(c *fiber.Ctx) (reportChoices, error) {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	var ch reportChoices
	conns, err := h.st.Connectors(ctx, tid)
	if err != nil {
		return ch, err
	}
	for _, k := range conns {
		ch.Connectors = append(ch.Connectors, option{i64(k.ID), k.Name})
	}
	groups, err := h.st.Groups(ctx, tid)
	if err != nil {
		return ch, err
	}
	for _, g := range groups {
		ch.Groups = append(ch.Groups, option{i64(g.ID), g.Name})
	}
	users, err := h.st.Users(ctx, tid)
	if err != nil {
		return ch, err
	}
	for _, u := range users {
		if u.Role == store.RoleAgent || u.Role == store.RoleSupervisor || u.Role == store.RoleAdmin {
			ch.Agents = append(ch.Agents, option{i64(u.ID), u.Name})
		}
	}
	for _, l := range []struct {
		kind store.LabelKind
		dst  *[]option
	}{{store.LabelTag, &ch.Tags}, {store.LabelOutcome, &ch.Outcomes}} {
		list, err := h.st.Labels(ctx, l.kind, tid)
		if err != nil {
			return ch, err
		}
		for _, x := range list {
			*l.dst = append(*l.dst, option{i64(x.ID), x.Name})
		}
	}
	return ch, nil
}

// reportsDB is the report queries over the store's read pool.
func (h *handlers) reportsDB() (*report.DB, error) {
	db, err := h.st.ReadDB()
	if err != nil {
		return nil, err
	}
	return report.New(db, h.st.Dialect()), nil
}

// runReport reads the filter and computes the report.
func (h *handlers) runReport(c *fiber.Ctx) (reportData, error) {
	rf, f, ch, err := h.reportFilter(c, time.Now())
	if err != nil {
		return reportData{}, err
	}
	d := reportData{Form: f, Choices: ch, Loc: rf.Loc}
	q := url.Values{}
	for k, v := range f.Values {
		if len(v) > 0 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	d.Query = q.Encode()
	db, err := h.reportsDB()
	if err != nil {
		return reportData{}, err
	}
	if d.Report, err = db.Run(c.UserContext(), rf); err != nil {
		return reportData{}, err
	}
	d.Ran = true
	d.Agents = d.Report.Agents
	d.Charts, d.Heat = reportCharts(c.UserContext(), d)
	return d, nil
}

func (h *handlers) reports(c *fiber.Ctx) error {
	d, err := h.runReport(c)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if !d.Form.OK() {
		status = fiber.StatusUnprocessableEntity
	}
	return render(c, status, reportsPage(h.page(c, "Reports", "reports"), d))
}

// reportCharts lays out the report's charts, each with its CSV link, in the request's
// language: titles, descriptions, axis labels and the heatmap's weekdays in the language's
// order.
func reportCharts(ctx context.Context, d reportData) ([]barChart, heatmap) {
	r := d.Report
	p := printerOf(ctx)
	count := func(v float64) string { return p.Int(int64(math.Round(v))) }
	chats := tr(ctx, "Chats")
	csvLink := func(name string) string { return "/admin/reports/" + name + ".csv?" + d.Query }
	var names []string
	var vals []float64
	for _, b := range r.WaitHistogram {
		names, vals = append(names, b.Label()), append(vals, float64(b.Count))
	}
	waits := newBarChart("chart-waits", tr(ctx, "Waiting time of answered chats"),
		tr(ctx, "Answered chats by how long the visitor waited. Median {0} s, 90th percentile {1} s.", decimalIn(ctx, r.Wait.P50), decimalIn(ctx, r.Wait.P90)),
		chats, csvLink("waits"), names, vals, count)

	names, vals = nil, nil
	hourly := r.Step < 24*time.Hour
	for _, pt := range r.Concurrency {
		at := pt.At.In(d.Loc)
		label := p.DayMonth(at)
		if hourly {
			label = p.ShortWeekday(at.Weekday()) + " " + p.Time(at, false)
		}
		names, vals = append(names, label), append(vals, float64(pt.Max))
	}
	concDesc := tr(ctx, "The most chats agents handled at once in each day of the range.")
	if hourly {
		concDesc = tr(ctx, "The most chats agents handled at once in each hour of the range.")
	}
	conc := newBarChart("chart-concurrency", tr(ctx, "Chats at the same time"), concDesc, chats, csvLink("concurrency"), names, vals, count)

	names, vals = nil, nil
	for _, a := range r.Agents {
		names, vals = append(names, orDash(a.Name)), append(vals, float64(a.Answered))
	}
	agents := newBarChart("chart-agents", tr(ctx, "Chats per agent"), tr(ctx, "Answered chats by the agent who handled them last."),
		chats, csvLink("agents"), names, vals, count)

	names, vals = nil, nil
	for _, c := range r.Ratings {
		names, vals = append(names, c.Name+" ★"), append(vals, float64(c.Count))
	}
	ratings := newBarChart("chart-ratings", tr(ctx, "Post-chat ratings"), tr(ctx, "Chats by the rating the visitor gave after the chat."),
		chats, csvLink("ratings"), names, vals, count)

	counts := func(id, title, desc, csvName string, cs []report.Count) barChart {
		var names []string
		var vals []float64
		for _, c := range cs {
			names, vals = append(names, c.Name), append(vals, float64(c.Count))
		}
		return newBarChart(id, title, desc, chats, csvLink(csvName), names, vals, count)
	}
	tags := counts("chart-tags", tr(ctx, "Tags"), tr(ctx, "Chats by the tags agents put on them; a chat may have several."), "tags", r.Tags)
	outcomes := counts("chart-outcomes", tr(ctx, "Outcomes"), tr(ctx, "Chats by the outcome picked when they were closed."), "outcomes", r.Outcomes)

	heat := newHeatmap(p, "chart-heatmap", tr(ctx, "Requests by weekday and hour"),
		tr(ctx, "Chats requested in each hour of each weekday, in the tenant's time zone ({0}). Darker cells had more.", d.Loc.String()),
		csvLink("heatmap"), r.Heatmap)
	return []barChart{waits, conc, agents, ratings, tags, outcomes}, heat
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet: a name an admin typed
// (a tag, an agent's name) may start with =, +, - or @.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// reportCSV answers GET /admin/reports/:chart.csv with one chart's data.
func (h *handlers) reportCSV(c *fiber.Ctx) error {
	chart := strings.Clone(c.Params("chart"))
	d, err := h.runReport(c)
	if err != nil {
		return err
	}
	if !d.Form.OK() {
		return h.fail(c, fiber.StatusUnprocessableEntity, "The report's filter is not valid: open the report, correct it and download again.")
	}
	r := d.Report
	var rows [][]string
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	switch chart {
	case "summary":
		s := r.Summary
		rows = [][]string{{"figure", "value"},
			{"requested", itoa(s.Requested)}, {"answered", itoa(s.Answered)}, {"abandoned", itoa(s.Abandoned)},
			{"not_answered", itoa(s.Unanswered)}, {"missed", itoa(s.Missed)}, {"missed_offers", itoa(s.MissedOffers)},
			{"left_messages", itoa(s.LeftMessages)}, {"answered_in_target", itoa(s.InTarget)},
			{"answer_target_seconds", f0(r.Filter.AnswerTarget.Seconds())}, {"service_level", num(s.ServiceLevel())},
			{"wait_p50_seconds", num(r.Wait.P50)}, {"wait_p90_seconds", num(r.Wait.P90)}, {"wait_avg_seconds", num(r.Wait.Avg)},
			{"first_response_p50_seconds", num(r.FirstResponse.P50)}, {"first_response_avg_seconds", num(r.FirstResponse.Avg)},
			{"handling_p50_seconds", num(r.Handling.P50)}, {"handling_avg_seconds", num(r.Handling.Avg)}}
	case "waits":
		rows = [][]string{{"from_seconds", "to_seconds", "chats"}}
		for _, b := range r.WaitHistogram {
			to := ""
			if b.To != 0 {
				to = itoa(b.To)
			}
			rows = append(rows, []string{itoa(b.From), to, itoa(b.Count)})
		}
	case "concurrency":
		rows = [][]string{{"start", "max_chats", "chats_at_end"}}
		for _, p := range r.Concurrency {
			rows = append(rows, []string{p.At.In(d.Loc).Format(time.RFC3339), itoa(p.Max), itoa(p.End)})
		}
	case "agents":
		rows = [][]string{{"agent_id", "agent", "answered", "handling_avg_seconds", "rating_avg", "ratings"}}
		for _, a := range r.Agents {
			rows = append(rows, []string{i64(a.AgentID), csvSafe(a.Name), itoa(a.Answered), num(a.Handling), num(a.Rating), itoa(a.Ratings)})
		}
	case "ratings", "tags", "outcomes":
		cs := map[string][]report.Count{"ratings": r.Ratings, "tags": r.Tags, "outcomes": r.Outcomes}[chart]
		rows = [][]string{{"id", strings.TrimSuffix(chart, "s"), "chats"}}
		for _, x := range cs {
			rows = append(rows, []string{i64(x.ID), csvSafe(x.Name), itoa(x.Count)})
		}
	case "heatmap":
		rows = [][]string{{"weekday", "hour", "chats"}}
		for _, wd := range isoWeek {
			for hour := 0; hour < 24; hour++ {
				rows = append(rows, []string{wd.String(), itoa(hour), itoa(r.Heatmap[wd][hour])})
			}
		}
	default:
		return h.fail(c, fiber.StatusNotFound, "There is no such chart. Open Reports and use a chart's CSV link.")
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		return errors.Join(errors.New("admin: report csv"), err)
	}
	name := fmt.Sprintf("parley-%s-%s-%s.csv", chart, d.Form.Get("from"), d.Form.Get("to"))
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.SendString(b.String())
}
