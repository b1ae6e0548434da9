package admin

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/egress"
	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/webhook"
)

// The Webhooks pages: a tenant's endpoints (URL, events, enabled; the secret shown once when
// it is made), a test delivery, and the delivery log with its filters and a replay of any
// delivery. Package webhook delivers; the store writes deliveries with the chat events.

// webhookLogShown is how many of the newest deliveries the log lists.
const webhookLogShown = 200

// webhookKinds are the events an endpoint may choose, with their labels.
var webhookKinds = []option{
	{hookevent.ChatRequested, "Chat requested"},
	{hookevent.ChatAssigned, "Chat assigned to an agent"},
	{hookevent.ChatMessage, "Message in a chat"},
	{hookevent.ChatClosed, "Chat closed"},
	{hookevent.MessageLeft, "Message left"},
	{hookevent.ChatRated, "Chat rated"},
	{hookevent.SurveySubmitted, "Survey answered"},
}

// webhookLogKinds are the kinds the log filters by: the events and the tests.
var webhookLogKinds = append([]option{{"", "All events"}}, append(webhookKinds[:len(webhookKinds):len(webhookKinds)], option{hookevent.Test, "Test"})...)

var webhookStates = []option{
	{"", "All states"},
	{store.WebhookPending, "Pending"},
	{store.WebhookDelivered, "Delivered"},
	{store.WebhookFailed, "Failed"},
}

// webhooksData is the endpoints page.
type webhooksData struct {
	Endpoints []store.WebhookEndpoint
	// New is the form of a new endpoint.
	New *Form
	// Secret is a secret just made for endpoint SecretFor, shown this once.
	Secret    string
	SecretFor int64
}

func endpointForm(e store.WebhookEndpoint) *Form {
	f := newForm(nil)
	f.Set("url", e.URL)
	f.SetBool("enabled", e.Enabled)
	for _, k := range e.Events {
		f.Values.Add("events", k)
	}
	return f
}

func (h *handlers) webhooksPage(c *fiber.Ctx, status int, d webhooksData) error {
	list, err := h.st.WebhookEndpoints(c.UserContext(), current(c).Tenant.ID)
	if err != nil {
		return err
	}
	d.Endpoints = list
	if d.New == nil {
		d.New = endpointForm(store.WebhookEndpoint{Enabled: true, Events: hookevent.Kinds})
	}
	return render(c, status, webhooksPage(h.page(c, "Webhooks", "webhooks"), d))
}

// webhookEditPage shows one endpoint's form and its actions.
func (h *handlers) webhookEditPage(c *fiber.Ctx, status int, f *Form) error {
	e, err := h.st.WebhookEndpoint(c.UserContext(), current(c).Tenant.ID, paramID(c, "id"))
	if err != nil {
		return h.notFound(c, err)
	}
	if f == nil {
		f = endpointForm(e)
	}
	return render(c, status, webhookEditPage(h.page(c, "Webhook endpoint", "webhooks"), e, f))
}

func (h *handlers) webhookEdit(c *fiber.Ctx) error { return h.webhookEditPage(c, fiber.StatusOK, nil) }

func (h *handlers) webhooks(c *fiber.Ctx) error {
	return h.webhooksPage(c, fiber.StatusOK, webhooksData{})
}

// endpointFrom reads an endpoint's form and checks its address; f carries what is wrong.
func (h *handlers) endpointFrom(c *fiber.Ctx, f *Form) store.WebhookEndpoint {
	e := store.WebhookEndpoint{TenantID: current(c).Tenant.ID, URL: f.Get("url"), Events: f.All("events"), Enabled: f.Checked("enabled")}
	if err := e.Validate(); err != nil {
		f.storeError(err)
		return e
	}
	if err := egress.CheckURL(c.UserContext(), e.URL, h.webhooksPrivate()); err != nil {
		if errors.Is(err, egress.ErrForbiddenAddress) {
			f.errorf("url", "This address belongs to a private or local network, which webhooks may not call. Ask the operator to allow it (PARLEY_WEBHOOK_ALLOW_PRIVATE) if the receiver runs there.")
		} else {
			f.errorf("url", "The host name cannot be resolved.")
		}
	}
	return e
}

func (h *handlers) webhooksPrivate() bool {
	return h.opts.Webhooks != nil && h.opts.Webhooks.AllowPrivate()
}

func (h *handlers) webhookCreate(c *fiber.Ctx) error {
	f := newForm(formValues(c))
	e := h.endpointFrom(c, f)
	if f.OK() {
		made, err := h.st.CreateWebhookEndpoint(c.UserContext(), e)
		if err == nil {
			return h.webhooksPage(c, fiber.StatusOK, webhooksData{Secret: made.Secret, SecretFor: made.ID})
		}
		if !f.storeError(err) {
			return err
		}
	}
	return h.webhooksPage(c, fiber.StatusUnprocessableEntity, webhooksData{New: f})
}

func (h *handlers) webhookSave(c *fiber.Ctx) error {
	id := paramID(c, "id")
	f := newForm(formValues(c))
	e := h.endpointFrom(c, f)
	e.ID = id
	if f.OK() {
		_, err := h.st.UpdateWebhookEndpoint(c.UserContext(), e)
		if errors.Is(err, store.ErrNotFound) {
			return h.notFound(c, err)
		}
		if err == nil {
			return saved(c, "/admin/webhooks/"+i64(id))
		}
		if !f.storeError(err) {
			return err
		}
	}
	return h.webhookEditPage(c, fiber.StatusUnprocessableEntity, f)
}

func (h *handlers) webhookSecret(c *fiber.Ctx) error {
	id := paramID(c, "id")
	secret, err := h.st.ResetWebhookSecret(c.UserContext(), current(c).Tenant.ID, id)
	if err != nil {
		return h.notFound(c, err)
	}
	return h.webhooksPage(c, fiber.StatusOK, webhooksData{Secret: secret, SecretFor: id})
}

func (h *handlers) webhookDelete(c *fiber.Ctx) error {
	if err := h.st.DeleteWebhookEndpoint(c.UserContext(), current(c).Tenant.ID, paramID(c, "id")); err != nil {
		return h.notFound(c, err)
	}
	return saved(c, "/admin/webhooks")
}

// webhookTest writes a test delivery and shows the log of the endpoint, where it appears.
func (h *handlers) webhookTest(c *fiber.Ctx) error {
	id := paramID(c, "id")
	if _, err := webhook.Test(c.UserContext(), h.st, current(c).Tenant.ID, id); err != nil {
		return h.notFound(c, err)
	}
	h.wakeWebhooks()
	return saved(c, "/admin/webhooks/log?endpoint="+i64(id))
}

func (h *handlers) wakeWebhooks() {
	if h.opts.Webhooks != nil {
		h.opts.Webhooks.Wake()
	}
}

// webhookLogData is the delivery log with its filter.
type webhookLogData struct {
	List      []store.WebhookDelivery
	Endpoints []store.WebhookEndpoint
	Filter    *Form
}

// url is the address of endpoint id, for the log's rows.
func (d webhookLogData) url(id int64) string {
	for _, e := range d.Endpoints {
		if e.ID == id {
			return e.URL
		}
	}
	return ""
}

func (d webhookLogData) endpointOptions() []option {
	out := []option{{"", "All endpoints"}}
	for _, e := range d.Endpoints {
		out = append(out, option{i64(e.ID), e.URL})
	}
	return out
}

func (h *handlers) webhookLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid := current(c).Tenant.ID
	f := newForm(nil)
	for _, k := range []string{"endpoint", "state", "kind", "chat"} {
		f.Set(k, c.Query(k))
	}
	ep, _ := strconv.ParseInt(f.Get("endpoint"), 10, 64)
	list, err := h.st.WebhookLog(ctx, tid, store.WebhookLogFilter{EndpointID: ep, State: f.Get("state"), Kind: f.Get("kind"), ChatID: f.Get("chat")}, webhookLogShown)
	if err != nil {
		return err
	}
	eps, err := h.st.WebhookEndpoints(ctx, tid)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, webhookLogPage(h.page(c, "Webhook delivery log", "webhooklog"), webhookLogData{List: list, Endpoints: eps, Filter: f}, zoneOf(c.UserContext())))
}

// webhookReplay sends a delivery again, as a new entry of the log.
func (h *handlers) webhookReplay(c *fiber.Ctx) error {
	d, err := h.st.ReplayWebhookDelivery(c.UserContext(), current(c).Tenant.ID, paramID(c, "id"))
	if err != nil {
		return h.notFound(c, err)
	}
	h.wakeWebhooks()
	return saved(c, "/admin/webhooks/log?endpoint="+i64(d.EndpointID))
}

// response shows the last attempt's status and how long the answer took; nothing when it got
// no answer.
func response(d store.WebhookDelivery) string {
	if d.ResponseCode == 0 {
		return ""
	}
	return strconv.Itoa(d.ResponseCode) + " · " + strconv.FormatInt(d.Latency.Milliseconds(), 10) + " ms"
}

// webhookBadge is the badge class of a delivery's state.
func webhookBadge(state string) string {
	switch state {
	case store.WebhookDelivered:
		return "on"
	case store.WebhookFailed:
		return "off"
	}
	return "warn"
}
