package admin

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/origin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
)

// e164RE is an international phone number: +, country code, up to 15 digits.
var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// maxSeconds bounds every timeout field (one day).
const maxSeconds = 86400

// weekdayLabels name store.Weekdays for people, in the same order.
var weekdayLabels = [7]string{msgKey("Sunday"), msgKey("Monday"), msgKey("Tuesday"), msgKey("Wednesday"), msgKey("Thursday"), msgKey("Friday"), msgKey("Saturday")}

// weekOrder lists the weekdays Monday first, as the form shows them.
var weekOrder = []int{1, 2, 3, 4, 5, 6, 0}

var positionOptions = []option{
	{"bottom-right", "Bottom right"}, {"bottom-left", "Bottom left"}, {"top-right", "Top right"},
	{"top-left", "Top left"}, {"center-right", "Centre right"}, {"center-left", "Centre left"},
}

// connectorData is what the connector page shows besides the form.
type connectorData struct {
	Conn      store.Connector
	Groups    []store.ACDGroup
	HasAPIKey bool
	// WebhookURL is where TynTec is to send the connector's WhatsApp messages and status
	// reports; "" until WhatsApp was switched on.
	WebhookURL string
}

func (h *handlers) connectors(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	list, err := h.st.Connectors(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	groups, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, connectorsPage(h.page(c, "Connectors", "connectors"), list, groupNames(groups)))
}

// tenantConnector loads a connector of the current tenant; another tenant's is not found.
func (h *handlers) tenantConnector(c *fiber.Ctx) (store.Connector, error) {
	conn, err := h.st.Connector(c.UserContext(), paramID(c, "id"))
	if err == nil && conn.TenantID != current(c).Tenant.ID {
		err = store.ErrNotFound
	}
	return conn, err
}

func sec(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// connectorForm fills the form from a saved connector.
func connectorForm(conn store.Connector) *Form {
	f := newForm(nil)
	f.Set("name", conn.Name)
	f.Set("title", conn.Title)
	f.Set("group_id", i64(conn.GroupID))
	f.Set("max_chats_all", itoa(conn.MaxChatsAll))
	f.Set("priority", itoa(conn.Priority))
	f.Set("connect_wait", sec(conn.ConnectWait))
	f.Set("answer_time", sec(conn.AnswerTime))
	f.Set("free_agent_search", sec(conn.FreeAgentSearch))
	for i, sk := range conn.Skills {
		n := itoa(i + 1)
		f.Set("skill"+n, sk.Skill)
		if sk.Skill != "" {
			f.Set("skill"+n+"_min", itoa(sk.Min))
			f.Set("skill"+n+"_ignore", sec(sk.IgnoreAfter))
		}
	}
	f.Set("ignore_skills_after", sec(conn.IgnoreSkillsAfter))
	f.SetBool("ignore_if_none_skilled", conn.IgnoreSkillsIfNoneSkilled)
	f.Set("allowed_origins", strings.Join(conn.AllowedOrigins, "\n"))
	f.SetBool("out_of_service", conn.OutOfService)
	f.Set("reconnect_window", sec(conn.ReconnectWindow))
	f.Set("waiting1", sec(conn.Waiting1))
	f.Set("waiting2", sec(conn.Waiting2))
	f.Set("waiting_final", sec(conn.WaitingFinal))

	if hours, err := store.ParseOpeningHours(conn.OpeningHours); err == nil && hours != nil {
		f.SetBool("hours_enabled", true)
		for _, day := range store.Weekdays {
			f.Set("hours_"+day, strings.Join(hours.Days[day], ", "))
		}
		f.Set("closed_dates", strings.Join(hours.Closed, "\n"))
	}
	tb, err := store.ParseToolbox(conn.Toolbox)
	if err != nil {
		tb = store.DefaultToolbox()
	}
	f.Set("position", tb.Position)
	f.SetBool("show_wait_time", tb.ShowWaitTime)
	f.SetBool("hide_agent_name", tb.HideAgentName)
	f.SetBool("leave_message", tb.LeaveMessage)
	f.Set("idle_timeout", itoa(tb.IdleTimeout))
	f.Set("idle_warning", itoa(tb.IdleWarning))
	f.Set("max_message_length", itoa(tb.MaxMessageLength))
	f.SetBool("write_first", tb.WriteFirst)
	f.SetBool("preview", tb.Preview)
	f.Set("max_wait", itoa(tb.MaxWait))

	f.SetBool("visitor_presence", conn.VisitorPresence)
	f.SetBool("whatsapp_enabled", conn.WhatsAppEnabled)
	f.Set("whatsapp_number", conn.WhatsAppNumber)
	f.Set("whatsapp_templates", conn.WhatsAppTemplates)
	return f
}

func (h *handlers) connectorPage(c *fiber.Ctx, status int, conn store.Connector, f *Form) error {
	groups, err := h.st.Groups(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	title := msgKey("New connector")
	if conn.ID != 0 {
		title = conn.Name
	}
	p := h.page(c, title, "connectors")
	p.Back, p.BackLabel = "/admin/connectors", "Connectors"
	d := connectorData{Conn: conn, Groups: groups, HasAPIKey: conn.WhatsAppAPIKey != ""}
	if conn.WhatsAppSecret != "" && conn.Hash != "" {
		d.WebhookURL = tyntec.WebhookURL(c.BaseURL(), conn)
	}
	return render(c, status, connectorPage(p, d, f))
}

func (h *handlers) connectorNew(c *fiber.Ctx) error {
	conn := store.Connector{ConnectWait: store.DefaultConnectWait, AnswerTime: store.DefaultAnswerTime,
		FreeAgentSearch: store.DefaultFreeAgentSearch, ReconnectWindow: store.DefaultReconnectWindow}
	if groups, err := h.st.Groups(c.UserContext(), current(c).Tenant.ID); err == nil && len(groups) > 0 {
		conn.GroupID = groups[0].ID
	}
	f := connectorForm(conn)
	f.Set("name", "")
	return h.connectorPage(c, fiber.StatusOK, store.Connector{}, f)
}

func (h *handlers) connectorEdit(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	return h.connectorPage(c, fiber.StatusOK, conn, connectorForm(conn))
}

// seconds reads a timeout field in whole seconds.
func (f *Form) seconds(name string, def time.Duration) time.Duration {
	return time.Duration(f.Int(name, 0, maxSeconds, int(def/time.Second))) * time.Second
}

// parseConnector reads the connector form into conn (keeping what the form does not edit),
// recording every problem next to its field.
func parseConnector(f *Form, conn *store.Connector, groups []store.ACDGroup) {
	conn.Name = strings.TrimSpace(f.Get("name"))
	conn.Title = strings.TrimSpace(f.Get("title"))
	if conn.Name == "" {
		f.Errors["name"] = "Enter a name, e.g. Website chat."
	} else if len([]rune(conn.Name)) > 100 {
		f.Errors["name"] = "At most 100 characters."
	}
	if len([]rune(conn.Title)) > 100 {
		f.Errors["title"] = "At most 100 characters."
	}
	gid, _ := strconv.ParseInt(f.Get("group_id"), 10, 64)
	if gid != 0 && !slices.ContainsFunc(groups, func(g store.ACDGroup) bool { return g.ID == gid }) {
		f.Errors["group_id"] = "Choose a group from the list."
		gid = 0
	}
	conn.GroupID = gid
	conn.MaxChatsAll = f.Int("max_chats_all", 0, 100000, 0)
	conn.Priority = f.Int("priority", 0, 100, 0)
	conn.ConnectWait = f.seconds("connect_wait", store.DefaultConnectWait)
	conn.AnswerTime = f.seconds("answer_time", store.DefaultAnswerTime)
	conn.FreeAgentSearch = f.seconds("free_agent_search", store.DefaultFreeAgentSearch)
	for _, n := range []string{"connect_wait", "answer_time", "free_agent_search"} {
		if f.Err(n) == "" && strings.TrimSpace(f.Get(n)) == "0" {
			f.Errors[n] = "Enter at least 1 second."
		}
	}
	for i := range conn.Skills {
		n := "skill" + itoa(i+1)
		name := strings.ToLower(strings.TrimSpace(f.Get(n)))
		if name != "" && !skillRE.MatchString(name) {
			f.Errors[n] = "Skill names are lower-case letters, digits, _ . or - (e.g. english)."
		}
		conn.Skills[i] = store.SkillRequirement{Skill: name, Min: f.Int(n+"_min", 0, 100, 0), IgnoreAfter: f.seconds(n+"_ignore", 0)}
		if name == "" {
			conn.Skills[i] = store.SkillRequirement{}
		}
	}
	conn.IgnoreSkillsAfter = f.seconds("ignore_skills_after", 0)
	conn.IgnoreSkillsIfNoneSkilled = f.Checked("ignore_if_none_skilled")
	conn.OutOfService = f.Checked("out_of_service")
	conn.ReconnectWindow = f.seconds("reconnect_window", store.DefaultReconnectWindow)
	if f.Err("reconnect_window") == "" && conn.ReconnectWindow < 5*time.Second {
		f.Errors["reconnect_window"] = "Enter at least 5 seconds."
	}
	parseWaiting(f, conn)

	conn.AllowedOrigins = nil
	for _, o := range f.Lines("allowed_origins") {
		n := origin.Of(o)
		host := strings.TrimPrefix(strings.TrimPrefix(n, "https://"), "http://")
		if n == "" || strings.ContainsAny(host, " ;'\"/") || strings.Contains(host[min(1, len(host)):], "*") {
			f.errorf("allowed_origins", "{0} is not a site origin like https://shop.example.com or https://*.example.com.", strconv.Quote(o))
			continue
		}
		if !slices.Contains(conn.AllowedOrigins, n) {
			conn.AllowedOrigins = append(conn.AllowedOrigins, n)
		}
	}

	// Opening hours.
	conn.OpeningHours = nil
	if f.Checked("hours_enabled") {
		hours := store.OpeningHours{Days: map[string][]string{}}
		for _, day := range store.Weekdays {
			list := f.Lines("hours_" + day)
			if _, err := store.ParseHourRanges(list); err != nil {
				if !f.ruleError("hours_"+day, err) {
					f.errorf("hours_"+day, "Write one interval like 09:00-17:00 per line.")
				}
				continue
			}
			if len(list) > 0 {
				hours.Days[day] = list
			}
		}
		for _, d := range f.Lines("closed_dates") {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				f.errorf("closed_dates", "{0} is not a date like 2026-12-25.", strconv.Quote(d))
				continue
			}
			hours.Closed = append(hours.Closed, d)
		}
		sort.Strings(hours.Closed)
		hours.Closed = slices.Compact(hours.Closed)
		raw, _ := json.Marshal(hours)
		conn.OpeningHours = raw
	}

	// Widget options.
	tb := store.Toolbox{
		Position: f.Get("position"), ShowWaitTime: f.Checked("show_wait_time"), HideAgentName: f.Checked("hide_agent_name"),
		LeaveMessage: f.Checked("leave_message"),
		IdleTimeout:  f.Int("idle_timeout", 0, maxSeconds, 0), IdleWarning: f.Int("idle_warning", 0, maxSeconds, 0),
		MaxMessageLength: f.Int("max_message_length", 0, store.MaxMessageRunes, 0),
		WriteFirst:       f.Checked("write_first"), Preview: f.Checked("preview"),
		MaxWait: f.Int("max_wait", 0, store.MaxWaitSeconds, 0),
	}
	if !validOption(positionOptions, tb.Position) {
		f.Errors["position"] = "Choose one of the six positions."
	} else if err := tb.Validate(); err != nil && f.Err("idle_warning") == "" {
		f.Errors["idle_warning"] = "The warning must come before the idle timeout (fewer seconds), and needs a timeout."
	}
	conn.Toolbox = tb.JSON()
	conn.VisitorPresence = f.Checked("visitor_presence")

	// WhatsApp.
	conn.WhatsAppEnabled = f.Checked("whatsapp_enabled")
	conn.WhatsAppNumber = strings.ReplaceAll(strings.TrimSpace(f.Get("whatsapp_number")), " ", "")
	if key := strings.TrimSpace(f.Get("whatsapp_api_key")); key != "" {
		conn.WhatsAppAPIKey = key
	} else if f.Checked("whatsapp_api_key_clear") {
		conn.WhatsAppAPIKey = ""
	}
	f.Values.Del("whatsapp_api_key")
	if conn.WhatsAppNumber != "" && !e164RE.MatchString(conn.WhatsAppNumber) {
		f.Errors["whatsapp_number"] = "Enter the number in international E.164 form, e.g. +4930123456."
	}
	if conn.WhatsAppEnabled {
		if conn.WhatsAppNumber == "" && f.Err("whatsapp_number") == "" {
			f.Errors["whatsapp_number"] = "WhatsApp needs the number in E.164 form, e.g. +4930123456."
		}
		if conn.WhatsAppAPIKey == "" {
			f.Errors["whatsapp_api_key"] = "WhatsApp needs the TynTec API key."
		}
	}
	conn.WhatsAppTemplates = strings.TrimSpace(strings.ReplaceAll(f.Get("whatsapp_templates"), "\r\n", "\n"))
	if _, err := tyntec.ParseTemplates(conn.WhatsAppTemplates); err != nil {
		f.Errors["whatsapp_templates"] = "Write one template a line: its name, the language WhatsApp approved it in and, after a colon, the names of its parameters separated by |, e.g. \"order_update de: Name | Order number\"."
	}
}

// parseWaiting reads the times of the waiting messages (0 = never): the second comes after
// the first, the final one after both.
func parseWaiting(f *Form, conn *store.Connector) {
	conn.Waiting1 = f.seconds("waiting1", 0)
	conn.Waiting2 = f.seconds("waiting2", 0)
	conn.WaitingFinal = f.seconds("waiting_final", 0)
	if f.Err("waiting1") != "" || f.Err("waiting2") != "" || f.Err("waiting_final") != "" {
		return
	}
	w1, w2, final := conn.Waiting1, conn.Waiting2, conn.WaitingFinal
	if w1 > 0 && w2 > 0 && w2 <= w1 {
		f.Errors["waiting2"] = "The second waiting message must come after the first (more seconds), or enter 0."
	}
	if final > 0 && (final <= w1 || final <= w2) {
		f.Errors["waiting_final"] = "The final waiting message must come after the other two (more seconds), or enter 0."
	}
}

func (h *handlers) connectorSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	conn := store.Connector{TenantID: s.Tenant.ID}
	if c.Params("id") != "" {
		var err error
		if conn, err = h.tenantConnector(c); err != nil {
			return h.notFound(c, err)
		}
	}
	before := conn
	groups, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	f := newForm(formValues(c))
	parseConnector(f, &conn, groups)
	if !f.OK() {
		return h.connectorPage(c, fiber.StatusUnprocessableEntity, before, f)
	}
	if conn.ID == 0 {
		conn, err = h.st.CreateConnector(ctx, conn)
	} else {
		conn, err = h.st.UpdateConnector(ctx, conn)
	}
	if err != nil {
		if f.storeError(err) {
			return h.connectorPage(c, fiber.StatusUnprocessableEntity, before, f)
		}
		return err
	}
	h.log.Info("connector saved", "by", s.User.ID, "connector", conn.ID)
	return saved(c, "/admin/connectors/"+i64(conn.ID))
}
