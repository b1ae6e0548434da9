package admin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/jtel"
	"github.com/parleychat/parley/backend/origin"
	"github.com/parleychat/parley/backend/store"
)

// overviewRefresh is how often the live overview updates itself (admin.js).
const overviewRefresh = 5

// agentRow is one agent of the live overview.
type agentRow struct {
	Name      string
	Status    string
	Connected bool
	Ready     bool // connected, in a status that allows chat, with capacity
	Offered   int
	Active    int
	MaxChats  int
	Idle      time.Duration
}

// waitingRow is one waiting chat of the live overview.
type waitingRow struct {
	Chat      string
	Connector string
	Group     string
	Offered   string // agent offered to
	Position  int
	Of        int
	Waited    time.Duration
	Estimated time.Duration // -1 unknown
}

// overviewData is the live overview of one tenant.
type overviewData struct {
	At      time.Time
	Agents  []agentRow
	Waiting []waitingRow
}

func (h *handlers) overview(c *fiber.Ctx) error {
	d, err := h.overviewData(c)
	if err != nil {
		return err
	}
	p := h.page(c, "Live overview", "overview")
	p.Refresh = overviewRefresh
	return render(c, fiber.StatusOK, overviewPage(p, d))
}

// overviewData joins the routing snapshot with the tenant's names, keeping only the
// tenant's agents and chats (the engine serves every tenant).
func (h *handlers) overviewData(c *fiber.Ctx) (overviewData, error) {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	users, err := h.st.Users(ctx, tid)
	if err != nil {
		return overviewData{}, err
	}
	conns, err := h.st.Connectors(ctx, tid)
	if err != nil {
		return overviewData{}, err
	}
	groups, err := h.st.Groups(ctx, tid)
	if err != nil {
		return overviewData{}, err
	}
	statuses, err := h.st.Statuses(ctx, tid)
	if err != nil {
		return overviewData{}, err
	}
	byUser := map[int64]store.User{}
	for _, u := range users {
		byUser[u.ID] = u
	}
	connNames := map[int64]string{}
	for _, cn := range conns {
		connNames[cn.ID] = cn.Name
	}
	gnames, snames := groupNames(groups), statusNames(statuses)
	snap := h.rt.Snapshot()
	d := overviewData{At: snap.At}
	for _, a := range snap.Agents {
		u, ok := byUser[int64(a.Agent)]
		if !ok {
			continue
		}
		r := agentRow{Name: u.Name, Status: snames[u.StatusID], Connected: a.Connected, Offered: a.Offered, Active: a.Active,
			MaxChats: a.MaxChats, Ready: a.Connected && a.AllowsChat && a.Offered+a.Active < a.MaxChats}
		if !a.IdleSince.IsZero() && a.Offered+a.Active == 0 {
			r.Idle = snap.At.Sub(a.IdleSince)
		}
		d.Agents = append(d.Agents, r)
	}
	for _, w := range snap.Waiting {
		name, ok := connNames[int64(w.Connector)]
		if !ok {
			continue
		}
		r := waitingRow{Chat: string(w.Chat), Connector: name, Group: gnames[int64(w.Group)], Position: w.Position, Of: w.Of,
			Waited: w.Waited, Estimated: w.EstimatedWait}
		if w.State == acd.Offered {
			r.Offered = byUser[int64(w.Agent)].Name
		}
		d.Waiting = append(d.Waiting, r)
	}
	return d, nil
}

// decision is one routing log entry as the JSON API shows it.
type decision struct {
	At     time.Time `json:"at"`
	Agent  int64     `json:"agent,omitempty"`
	Name   string    `json:"agent_name,omitempty"`
	Event  string    `json:"event"`
	Detail string    `json:"detail,omitempty"`
}

// decisions answers GET /admin/api/chats/:id/decisions: why the chat went (or did not go)
// to each agent. Only chats of the supervisor's tenant are shown.
func (h *handlers) decisions(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := strings.Clone(c.Params("id"))
	ch, err := h.st.Chat(ctx, id)
	if err != nil || ch.TenantID != current(c).Tenant.ID {
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "no such chat in this tenant"})
	}
	users, err := h.st.Users(ctx, ch.TenantID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	out := []decision{}
	for _, e := range h.rt.Explain(id) {
		out = append(out, decision{At: e.At, Agent: int64(e.Agent), Name: names[int64(e.Agent)], Event: e.Event, Detail: e.Detail})
	}
	return c.JSON(fiber.Map{"chat": id, "decisions": out})
}

// ---- embed code ----

var langCodeRE = regexp.MustCompile(`^[a-z]{2}$`)

// embedOptions are the snippet options the generator offers, read from the query so that the
// form works without JavaScript (GET) and the preview gets the same.
type embedOptions struct {
	Position, Lang, Color       string
	ShowWaitTime, HideAgentName string // "", "on" or "off": "" keeps the connector's setting
	Prefetch                    bool
	Errors                      map[string]string
}

// readEmbedOptions reads the generator's options; the position defaults to the connector's
// widget setting, so the snippet puts the launcher where the connector says.
func readEmbedOptions(c *fiber.Ctx, conn store.Connector) (embedOptions, *Form) {
	f := newForm(url.Values{})
	for _, k := range []string{"position", "lang", "color", "show_wait_time", "hide_agent_name", "prefetch"} {
		if v := c.Query(k); v != "" {
			f.Set(k, strings.Clone(v))
		}
	}
	if f.Get("position") == "" {
		if tb, err := store.ParseToolbox(conn.Toolbox); err == nil {
			f.Set("position", tb.Position)
		}
	}
	o := embedOptions{Position: f.Get("position"), Lang: f.Get("lang"), Color: f.Get("color"),
		ShowWaitTime: f.Get("show_wait_time"), HideAgentName: f.Get("hide_agent_name"), Prefetch: f.Checked("prefetch")}
	if o.Position != "" && !validOption(positionOptions, o.Position) {
		f.Errors["position"] = "Choose one of the six positions."
		o.Position = ""
	}
	if o.Lang != "" && !langCodeRE.MatchString(o.Lang) {
		f.Errors["lang"] = "A two-letter language code like de, or empty for the browser's language."
		o.Lang = ""
	}
	if o.Color != "" && !colorRE.MatchString(o.Color) {
		f.Errors["color"] = "A colour like #4f46e5."
		o.Color = ""
	}
	for _, p := range []*string{&o.ShowWaitTime, &o.HideAgentName} {
		if *p != "on" && *p != "off" {
			*p = ""
		}
	}
	return o, f
}

// config is the widget configuration beyond the tag's attributes (window.parleyConfig).
func (o embedOptions) config() map[string]any {
	m := map[string]any{}
	if o.Color != "" {
		m["color"] = o.Color
	}
	if o.ShowWaitTime != "" {
		m["showWaitTime"] = o.ShowWaitTime == "on"
	}
	if o.HideAgentName != "" {
		m["hideAgentName"] = o.HideAgentName == "on"
	}
	if o.Prefetch {
		m["prefetch"] = true
	}
	return m
}

// configScript is the inline script that sets window.parleyConfig, "" when nothing is set.
// JSON from encoding/json escapes <, > and &, so it cannot close the script element.
func (o embedOptions) configScript() string {
	m := o.config()
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return "window.parleyConfig = " + string(b) + ";"
}

// Snippet is the HTML a website owner pastes into their pages.
func (o embedOptions) Snippet(base, hash string) string {
	var b strings.Builder
	if s := o.configScript(); s != "" {
		b.WriteString("<script>" + s + "</script>\n")
	}
	fmt.Fprintf(&b, `<script src="%s/widget.js" data-connector="%s"`, base, hash)
	if o.Position != "" && o.Position != store.ToolboxPositions[0] {
		fmt.Fprintf(&b, ` data-position="%s"`, o.Position)
	}
	if o.Lang != "" {
		fmt.Fprintf(&b, ` data-lang="%s"`, o.Lang)
	}
	b.WriteString(" async></script>")
	return b.String()
}

// embedData is what the embed page shows.
type embedData struct {
	Conn    store.Connector
	Snippet string
	// JTel is the same connector's embed code in jtel's form (JTEL.initChat), for pages
	// written for jtel.
	JTel       string
	PreviewURL string
	// Blocked says that the connector's allowed origins leave out this server, so the
	// preview cannot show the widget.
	Blocked string
}

func (h *handlers) embed(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	o, f := readEmbedOptions(c, conn)
	base := c.BaseURL()
	d := embedData{Conn: conn, Snippet: o.Snippet(base, conn.Hash), JTel: jtel.Snippet(base, conn.Hash),
		PreviewURL: "/admin/connectors/" + i64(conn.ID) + "/preview?" + string(c.Request().URI().QueryString())}
	if !origin.Allowed(conn.AllowedOrigins, base) {
		d.Blocked = base
	}
	p := h.page(c, tr(c.UserContext(), "Embed code of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	return render(c, fiber.StatusOK, embedPage(p, d, f))
}

// preview serves a page that embeds the widget exactly as the snippet does, shown in an
// iframe on the embed page. Its one inline script is allowed by its hash.
func (h *handlers) preview(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	o, _ := readEmbedOptions(c, conn)
	script := o.configScript()
	csp := "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
	if script != "" {
		sum := sha256.Sum256([]byte(script))
		csp += " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	csp += "; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; object-src 'none'"
	c.Set(fiber.HeaderContentSecurityPolicy, csp)
	return render(c, fiber.StatusOK, previewPage(conn, o, script))
}

// fmtDur shows a duration the way a supervisor reads it: "45 s", "3 min 05 s".
func fmtDur(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	s := int(d.Round(time.Second) / time.Second)
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	if s < 3600 {
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	return fmt.Sprintf("%d h %02d min", s/3600, s/60%60)
}
