package admin

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/audit"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
)

// The WhatsApp log: the tenant's newest agent lines to WhatsApp customers (package tyntec
// sends them from the store's WhatsApp outbox) with what became of them, and the newest
// inbound messages (received, duplicate or refused), filterable by state. A failed line can be
// sent again, and an administrator can send a test message to a typed number through the
// same outbox.

// whatsappLogShown is how many of the newest lines the log lists.
const whatsappLogShown = 200

// WhatsAppWaker wakes the WhatsApp outbox worker, so that a test or a line sent again goes
// out at once; *tyntec.Worker has it.
type WhatsAppWaker interface{ Wake() }

// whatsappStates are the states the log filters by: the outbound lines' and the inbound
// messages'.
var whatsappStates = []option{
	{"", "All states"},
	{store.WhatsAppPending, "Waiting"},
	{store.WhatsAppRetrying, "Retrying"},
	{store.WhatsAppSent, "Sent"},
	{store.WhatsAppDelivered, "Delivered"},
	{store.WhatsAppRead, "Read"},
	{store.WhatsAppFailed, "Failed"},
	{store.WhatsAppReceived, "Received"},
	{store.WhatsAppDuplicate, "Duplicate"},
	{store.WhatsAppRefused, "Refused: not the connector's number"},
}

// inboundState reports whether a filter state is an inbound message's.
func inboundState(state string) bool {
	return state == store.WhatsAppReceived || state == store.WhatsAppDuplicate || state == store.WhatsAppRefused
}

// whatsappKinds are the kinds of line the log tells apart.
var whatsappKinds = []option{
	{"text", "Text"},
	{"media", "Media"},
	{"template", "Template"},
	{"test", "Test message"},
	{"other", "Other"},
}

// whatsappEntry is one row of the log: an outbound line or an inbound message.
type whatsappEntry struct {
	At  time.Time
	Out *store.WhatsAppOut
	In  *store.WhatsAppIn
}

// whatsappLogData is the log with its filter, the tenant's connectors (for their names) and
// the test form.
type whatsappLogData struct {
	List       []whatsappEntry
	Connectors map[int64]store.Connector
	ConnOpts   []option
	Filter     *Form
	Test       *Form
}

// kind tells a line's kind from its body: a test is a test, a file is media, a line asking
// for a template (tyntec.TemplatePrefix) is a template, anything else text.
func (d whatsappLogData) kind(x store.WhatsAppOut) string {
	if x.Test {
		return "test"
	}
	var m struct {
		Text string          `json:"text"`
		File json.RawMessage `json:"file"`
	}
	_ = json.Unmarshal(x.Body, &m)
	if len(m.File) > 0 && string(m.File) != "null" {
		return "media"
	}
	if _, ok, _ := tyntec.TemplateLine(m.Text, nil); ok {
		return "template"
	}
	return "text"
}

// inKind is the kind of an inbound message, from TynTec's content type.
func inKind(x store.WhatsAppIn) string {
	switch x.Kind {
	case tyntec.ContentText:
		return "text"
	case tyntec.ContentMedia, tyntec.ContentImage, tyntec.ContentDocument, tyntec.ContentVideo, tyntec.ContentAudio:
		return "media"
	}
	return "other"
}

// whatsappBadge is the badge class of a line's or message's state.
func whatsappBadge(state string) string {
	switch state {
	case store.WhatsAppSent, store.WhatsAppDelivered, store.WhatsAppRead, store.WhatsAppReceived:
		return "on"
	case store.WhatsAppFailed, store.WhatsAppRefused:
		return "off"
	}
	return "warn"
}

// sendAgain reports whether a line may be sent again: it failed.
func sendAgain(x store.WhatsAppOut) bool { return x.LogState() == store.WhatsAppFailed }

// lastDigits shows a customer's number by its last four digits only.
var lastDigits = audit.LastDigits

func (h *handlers) whatsappLog(c *fiber.Ctx) error {
	test := newForm(nil)
	test.Set("connector", c.Query("connector"))
	return h.whatsappLogShow(c, fiber.StatusOK, test)
}

// whatsappLogShow renders the log with the test form f.
func (h *handlers) whatsappLogShow(c *fiber.Ctx, status int, test *Form) error {
	ctx := c.UserContext()
	s := current(c)
	f := newForm(nil)
	f.Set("state", c.Query("state"))
	if !validOption(whatsappStates, f.Get("state")) {
		f.Set("state", "")
	}
	state := f.Get("state")
	var list []whatsappEntry
	if !inboundState(state) {
		out, err := h.st.WhatsAppLog(ctx, s.Tenant.ID, state, whatsappLogShown)
		if err != nil {
			return err
		}
		for i := range out {
			list = append(list, whatsappEntry{At: out[i].CreatedAt, Out: &out[i]})
		}
	}
	if state == "" || inboundState(state) {
		in, err := h.st.WhatsAppInboundLog(ctx, s.Tenant.ID, state, whatsappLogShown)
		if err != nil {
			return err
		}
		for i := range in {
			list = append(list, whatsappEntry{At: in[i].CreatedAt, In: &in[i]})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].At.After(list[j].At) })
	if len(list) > whatsappLogShown {
		list = list[:whatsappLogShown]
	}
	conns, err := h.st.Connectors(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	byID := make(map[int64]store.Connector, len(conns))
	var opts []option
	for _, cn := range conns {
		byID[cn.ID] = cn
		opts = append(opts, option{i64(cn.ID), cn.Name})
	}
	d := whatsappLogData{List: list, Connectors: byID, ConnOpts: opts, Filter: f, Test: test}
	return render(c, status, whatsappLogPage(h.page(c, "WhatsApp delivery log", "whatsapplog"), d, zoneOf(ctx)))
}

// whatsappSendAgain puts a failed line back in the outbox. Clicking it while the line is on
// its way, after it was sent, or twice changes nothing.
func (h *handlers) whatsappSendAgain(c *fiber.Ctx) error {
	_, again, err := h.st.SendWhatsAppAgain(c.UserContext(), current(c).Tenant.ID, paramID(c, "id"), time.Now())
	if err != nil {
		return h.notFound(c, err)
	}
	if again {
		h.wakeWhatsApp()
	}
	return saved(c, "/admin/whatsapp/log")
}

// whatsappTestWait bounds how long a test waits for TynTec's answer before the page shows the
// log (where the test's outcome appears when it comes).
const whatsappTestWait = 10 * time.Second

// whatsappTest sends a test message from a connector to a typed number through the outbox and
// waits for TynTec's answer, so that a key TynTec refuses shows on the form.
func (h *handlers) whatsappTest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	f := newForm(nil)
	f.Set("connector", c.FormValue("connector"))
	f.Set("customer_phone", strings.TrimSpace(c.FormValue("customer_phone")))
	conn, err := h.st.Connector(ctx, int64(f.Int("connector", 1, 1<<53, 0)))
	if errors.Is(err, store.ErrNotFound) || (err == nil && conn.TenantID != s.Tenant.ID) {
		f.errorf("connector", "Choose a connector.")
	} else if err != nil {
		return err
	}
	phone, perr := tyntec.Phone(strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", "/", "").Replace(f.Get("customer_phone")))
	if perr != nil || !strings.HasPrefix(f.Get("customer_phone"), "+") {
		f.errorf("customer_phone", "Enter the number in international form with its country code, such as +49 170 1234567.")
	}
	if f.Err("connector") == "" {
		switch {
		case !conn.WhatsAppEnabled || conn.WhatsAppNumber == "":
			f.errorf("connector", "WhatsApp is switched off on this connector. Switch it on and give its number in the connector's settings.")
		case conn.WhatsAppAPIKey == "":
			f.errorf("connector", "This connector has no TynTec API key. Enter it in the connector's settings.")
		}
	}
	if !f.OK() {
		return h.whatsappLogShow(c, fiber.StatusUnprocessableEntity, f)
	}
	line, err := h.st.EnqueueWhatsAppTest(ctx, s.Tenant.ID, conn.ID, phone, tr(ctx, "This is a test message from Parley's admin pages."))
	if err != nil {
		return h.notFound(c, err)
	}
	if h.opts.WhatsApp == nil {
		return saved(c, "/admin/whatsapp/log")
	}
	h.wakeWhatsApp()
	if line, err = h.awaitWhatsApp(ctx, s.Tenant.ID, line.ID); err != nil {
		return err
	}
	if line.State == store.WhatsAppFailed && tyntec.Unauthorized(line.LastError) {
		f.errorf("connector", "TynTec refused this connector's API key (HTTP 401). Check the key in the connector's settings.")
		return h.whatsappLogShow(c, fiber.StatusUnprocessableEntity, f)
	}
	return saved(c, "/admin/whatsapp/log")
}

// awaitWhatsApp waits, up to whatsappTestWait, until the worker recorded the outcome of an
// attempt at a line, and returns the line as it is then.
func (h *handlers) awaitWhatsApp(ctx context.Context, tenantID, id int64) (store.WhatsAppOut, error) {
	deadline := time.Now().Add(whatsappTestWait)
	pause := 25 * time.Millisecond // doubling to 400 ms: a quick answer shows at once, a slow one costs few reads
	for {
		line, err := h.st.WhatsAppLine(ctx, tenantID, id)
		if err != nil || line.State != store.WhatsAppPending || line.LastError != "" || time.Now().After(deadline) {
			return line, err
		}
		select {
		case <-ctx.Done():
			return line, nil
		case <-time.After(pause):
		}
		pause = min(2*pause, 400*time.Millisecond)
	}
}

func (h *handlers) wakeWhatsApp() {
	if h.opts.WhatsApp != nil {
		h.opts.WhatsApp.Wake()
	}
}
