package admin

import (
	"cmp"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/report"
)

// wallboardRefresh is how often the wallboard updates itself (admin.js, as the live overview).
const wallboardRefresh = 5

// queueRow is the queue of one connector and group on the wallboard.
type queueRow struct {
	Connector, Group string
	Waiting          int
	Longest          time.Duration
}

// statusCount is how many agents are in one state.
type statusCount struct {
	Name  string
	Count int
}

// wallboardData is what a wall screen shows a supervisor's team.
type wallboardData struct {
	At           time.Time
	Loc          *time.Location
	Waiting      int
	Longest      time.Duration
	Queues       []queueRow
	Ready        int
	Statuses     []statusCount
	Today        report.Summary
	AnswerTarget time.Duration
}

// wallboard answers GET /admin/wallboard: the live queue, agents by status and today's
// service level, in large type for a wall screen.
func (h *handlers) wallboard(c *fiber.Ctx) error {
	d, err := h.wallboardData(c, time.Now())
	if err != nil {
		return err
	}
	p := h.page(c, "Wallboard", "wallboard")
	p.Refresh = wallboardRefresh
	return render(c, fiber.StatusOK, wallboardPage(p, d))
}

func (h *handlers) wallboardData(c *fiber.Ctx, now time.Time) (wallboardData, error) {
	ov, err := h.overviewData(c)
	if err != nil {
		return wallboardData{}, err
	}
	t := current(c).Tenant
	d := wallboardData{At: ov.At, Loc: tenantLoc(t)}
	byQueue := map[[2]string]*queueRow{}
	for _, w := range ov.Waiting {
		k := [2]string{w.Connector, w.Group}
		q := byQueue[k]
		if q == nil {
			q = &queueRow{Connector: w.Connector, Group: w.Group}
			byQueue[k] = q
		}
		q.Waiting++
		q.Longest = max(q.Longest, w.Waited)
		d.Waiting++
		d.Longest = max(d.Longest, w.Waited)
	}
	for _, q := range byQueue {
		d.Queues = append(d.Queues, *q)
	}
	slices.SortFunc(d.Queues, func(a, b queueRow) int {
		return cmp.Or(cmp.Compare(b.Longest, a.Longest), cmp.Compare(a.Connector, b.Connector), cmp.Compare(a.Group, b.Group))
	})
	counts := map[string]int{}
	for _, a := range ov.Agents {
		name := a.Status
		switch {
		case !a.Connected:
			name = "Offline"
		case name == "":
			name = "No status"
		}
		counts[name]++
		if a.Ready {
			d.Ready++
		}
	}
	for name, n := range counts {
		d.Statuses = append(d.Statuses, statusCount{name, n})
	}
	slices.SortFunc(d.Statuses, func(a, b statusCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })

	rs, err := h.st.ReportSettingsOf(c.UserContext(), t.ID)
	if err != nil {
		return wallboardData{}, err
	}
	d.AnswerTarget = rs.AnswerTarget
	db, err := h.reportsDB()
	if err != nil {
		return wallboardData{}, err
	}
	today := now.In(d.Loc)
	from, to := report.Days(today, today, d.Loc)
	d.Today, err = db.Summarize(c.UserContext(), report.Filter{TenantID: t.ID, From: from, To: to, Loc: d.Loc, AnswerTarget: rs.AnswerTarget})
	if err != nil {
		return wallboardData{}, err
	}
	return d, nil
}
