package admin

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/tyntec"
)

// The WhatsApp delivery log: the tenant's newest agent lines to WhatsApp customers (package
// tyntec sends them from the store's WhatsApp outbox) with what became of them, filterable by
// state. The store keeps no way to queue a failed line again, so the log has no "Send again".

// whatsappLogShown is how many of the newest lines the log lists.
const whatsappLogShown = 200

// whatsappStates are the states the log filters by.
var whatsappStates = []option{
	{"", "All states"},
	{store.WhatsAppPending, "Waiting"},
	{store.WhatsAppRetrying, "Retrying"},
	{store.WhatsAppSent, "Sent"},
	{store.WhatsAppDelivered, "Delivered"},
	{store.WhatsAppRead, "Read"},
	{store.WhatsAppFailed, "Failed"},
}

// whatsappKinds are the kinds of line the log tells apart.
var whatsappKinds = []option{
	{"text", "Text"},
	{"media", "Media"},
	{"template", "Template"},
}

// whatsappLogData is the log with its filter and the tenant's connectors (for their names).
type whatsappLogData struct {
	List       []store.WhatsAppOut
	Connectors map[int64]store.Connector
	Filter     *Form
}

// kind tells a line's kind from its body: a file is media, a line asking for a template
// (tyntec.TemplatePrefix) is a template, anything else text.
func (d whatsappLogData) kind(x store.WhatsAppOut) string {
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

// whatsappBadge is the badge class of a line's state.
func whatsappBadge(state string) string {
	switch state {
	case store.WhatsAppSent, store.WhatsAppDelivered, store.WhatsAppRead:
		return "on"
	case store.WhatsAppFailed:
		return "off"
	}
	return "warn"
}

// lastDigits shows a customer's number by its last four digits only: enough to tell customers
// apart in a log that every administrator may read.
func lastDigits(phone string) string {
	var digits []rune
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) > 4 {
		digits = digits[len(digits)-4:]
	}
	return "…" + string(digits)
}

func (h *handlers) whatsappLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	f := newForm(nil)
	f.Set("state", c.Query("state"))
	if !validOption(whatsappStates, f.Get("state")) {
		f.Set("state", "")
	}
	list, err := h.st.WhatsAppLog(ctx, s.Tenant.ID, f.Get("state"), whatsappLogShown)
	if err != nil {
		return err
	}
	conns, err := h.st.Connectors(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	byID := make(map[int64]store.Connector, len(conns))
	for _, cn := range conns {
		byID[cn.ID] = cn
	}
	d := whatsappLogData{List: list, Connectors: byID, Filter: f}
	return render(c, fiber.StatusOK, whatsappLogPage(h.page(c, "WhatsApp delivery log", "whatsapplog"), d, zoneOf(ctx)))
}
