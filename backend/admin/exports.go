package admin

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/egress"
	"github.com/parleychat/parley/backend/reportexport"
	"github.com/parleychat/parley/backend/store"
)

// The Report export tab of a connector (jtel's REST settings: token post, report export
// post, XML template), its "send a test", and the export log with a replay of any export.
// Package reportexport sends; the store writes an export with every close.

// exportLogShown is how many of the newest exports the log lists.
const exportLogShown = 200

var exportStates = []option{
	{"", "All states"},
	{store.ExportPending, "Pending"},
	{store.ExportDelivered, "Delivered"},
	{store.ExportFailed, "Failed"},
}

// exportFields are the form's field names by the settings' field names, which the
// validation's errors name.
var exportFields = map[string]string{"TokenURL": "token_url", "TokenHeader": "token_header", "TokenBody": "token_body",
	"ExportURL": "export_url", "ExportHeader": "export_header", "ExportBody": "export_body", "XMLTemplate": "xml_template"}

func exportForm(set store.ReportExport) *Form {
	f := newForm(nil)
	f.SetBool("enabled", set.Enabled)
	f.Set("token_url", set.TokenURL)
	f.Set("token_header", set.TokenHeader)
	f.Set("token_body", set.TokenBody)
	f.Set("export_url", set.ExportURL)
	f.Set("export_header", set.ExportHeader)
	f.Set("export_body", set.ExportBody)
	f.Set("xml_template", set.XMLTemplate)
	return f
}

func (h *handlers) exportRender(c *fiber.Ctx, status int, conn store.Connector, f *Form) error {
	p := h.page(c, tr(c.UserContext(), "Report export of {0}", conn.Name), "connectors")
	p.Back, p.BackLabel = "/admin/connectors/"+i64(conn.ID), conn.Name
	return render(c, status, exportPage(p, conn, f))
}

func (h *handlers) exportEdit(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	set, found, err := h.st.ReportExport(c.UserContext(), conn.TenantID, conn.ID)
	if err != nil {
		return h.notFound(c, err)
	}
	if !found {
		set = reportexport.Defaults()
	}
	return h.exportRender(c, fiber.StatusOK, conn, exportForm(set))
}

func (h *handlers) exportsPrivate() bool {
	return h.opts.ReportExports != nil && h.opts.ReportExports.AllowPrivate()
}

func (h *handlers) exportSave(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	set := store.ReportExport{ConnectorID: conn.ID, TenantID: conn.TenantID, Enabled: f.Checked("enabled"),
		TokenURL: f.Get("token_url"), TokenHeader: f.Get("token_header"), TokenBody: f.Get("token_body"),
		ExportURL: f.Get("export_url"), ExportHeader: f.Get("export_header"), ExportBody: f.Get("export_body"), XMLTemplate: f.Get("xml_template")}
	var se *reportexport.SettingError
	if err := reportexport.Validate(&set); errors.As(err, &se) {
		msg := se.Message // reportexport's sentences, translated in adminmsg
		f.errorf(exportFields[se.Field], msg, se.Args...)
	} else if err != nil {
		return err
	}
	for _, u := range []struct{ name, url string }{{"token_url", set.TokenURL}, {"export_url", set.ExportURL}} {
		if u.url == "" || f.Err(u.name) != "" || reportexport.Uses(u.url, "") {
			continue
		}
		if err := egress.CheckURL(c.UserContext(), u.url, h.exportsPrivate()); errors.Is(err, egress.ErrForbiddenAddress) {
			f.errorf(u.name, "This address belongs to a private or local network, which Parley may not call. Ask the operator to allow it (PARLEY_WEBHOOK_ALLOW_PRIVATE) if the service runs there.")
		} else if err != nil {
			f.errorf(u.name, "The host name cannot be resolved.")
		}
	}
	if f.OK() {
		_, err := h.st.SaveReportExport(c.UserContext(), set)
		if err == nil {
			return saved(c, "/admin/connectors/"+i64(conn.ID)+"/export")
		}
		if !f.storeError(err) {
			return err
		}
	}
	return h.exportRender(c, fiber.StatusUnprocessableEntity, conn, f)
}

// exportTest writes a test export and shows the connector's log, where it appears.
func (h *handlers) exportTest(c *fiber.Ctx) error {
	conn, err := h.tenantConnector(c)
	if err != nil {
		return h.notFound(c, err)
	}
	if _, err := h.st.EnqueueReportExportTest(c.UserContext(), conn.TenantID, conn.ID); err != nil {
		return h.notFound(c, err)
	}
	h.wakeExports()
	return saved(c, "/admin/exports/log?connector="+i64(conn.ID))
}

func (h *handlers) wakeExports() {
	if h.opts.ReportExports != nil {
		h.opts.ReportExports.Wake()
	}
}

// exportLogData is the export log with its filter.
type exportLogData struct {
	List       []store.ExportDelivery
	Connectors []store.Connector
	Filter     *Form
}

// name is the name of connector id, for the log's rows.
func (d exportLogData) name(id int64) string {
	for _, c := range d.Connectors {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

func (d exportLogData) connectorOptions() []option {
	out := []option{{"", "All connectors"}}
	for _, c := range d.Connectors {
		out = append(out, option{i64(c.ID), c.Name})
	}
	return out
}

func (h *handlers) exportLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	f := newForm(nil)
	for _, k := range []string{"connector", "state", "chat"} {
		f.Set(k, c.Query(k))
	}
	conn, _ := strconv.ParseInt(f.Get("connector"), 10, 64)
	list, err := h.st.ReportExportLog(ctx, tid, store.ExportLogFilter{ConnectorID: conn, State: f.Get("state"), ChatID: f.Get("chat")}, exportLogShown)
	if err != nil {
		return err
	}
	conns, err := h.st.Connectors(ctx, tid)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, exportLogPage(h.page(c, "Report export log", "connectors"), exportLogData{List: list, Connectors: conns, Filter: f}, zoneOf(ctx)))
}

// exportReplay sends an export again, as a new entry of the log.
func (h *handlers) exportReplay(c *fiber.Ctx) error {
	d, err := h.st.ReplayReportExport(c.UserContext(), current(c).Tenant.ID, paramID(c, "id"))
	if err != nil {
		return h.notFound(c, err)
	}
	h.wakeExports()
	return saved(c, "/admin/exports/log?connector="+i64(d.ConnectorID))
}

// exportResponse shows the last post's status and how long the attempt took.
func exportResponse(d store.ExportDelivery) string {
	if d.ResponseCode == 0 {
		return ""
	}
	return strconv.Itoa(d.ResponseCode) + " · " + strconv.FormatInt(d.Latency.Milliseconds(), 10) + " ms"
}
