package admin

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/push"
	"github.com/parleychat/parley/backend/store"
)

// The Web Push delivery log: the tenant's newest pushes to agents' browsers (package push
// sends them from the store's push outbox) with their state, filterable by state and kind; a
// failed push still within its TTL can be sent again, and an administrator can send a test
// to one of their own browsers.

// pushLogShown is how many of the newest pushes the log lists.
const pushLogShown = 200

// PushWaker wakes the Web Push workers, so that a test or a replay goes out at once;
// *push.Sender has it.
type PushWaker interface{ Wake() }

// pushStates are the states the log filters by.
var pushStates = []option{
	{"", "All states"},
	{store.PushPending, "Waiting or retrying"},
	{store.PushSent, "Sent"},
	{store.PushExpired, "Expired"},
	{store.PushFailed, "Failed"},
	{store.PushGone, "Subscription gone"},
}

// pushKinds are the kinds of push.
var pushKinds = []option{
	{"", "All kinds"},
	{push.KindOffer, "Chat offer"},
	{push.KindMessage, "Visitor message"},
	{push.KindTest, "Test"},
}

// pushLogData is the log with its filter, the agents' names, and the signed-in person's own
// subscriptions to test.
type pushLogData struct {
	List   []store.PushDelivery
	Names  map[int64]string
	Own    []store.PushSubscription
	Filter *Form
	Now    time.Time
}

// stateLabel is a push's state as the log shows it: a pending push is waiting or retrying.
func pushStateLabel(d store.PushDelivery) string {
	switch {
	case d.Retrying():
		return msgKey("Retrying")
	case d.State == store.PushPending:
		return msgKey("Waiting")
	}
	return optionLabel(pushStates, d.State)
}

// pushBadge is the badge class of a push's state.
func pushBadge(state string) string {
	switch state {
	case store.PushSent:
		return "on"
	case store.PushFailed, store.PushGone:
		return "off"
	}
	return "warn"
}

// replayable reports whether d may be sent again: failed, its TTL not passed, and not sent
// again before (a push is sent again once).
func (d pushLogData) replayable(x store.PushDelivery) bool {
	return x.State == store.PushFailed && x.ReplayedBy == 0 && x.ExpiresAt.After(d.Now)
}

// pushHost is the push service of a subscription, which tells browsers apart
// (fcm.googleapis.com, updates.push.services.mozilla.com, web.push.apple.com).
func pushHost(s store.PushSubscription) string {
	if u, err := url.Parse(s.Endpoint); err == nil {
		return u.Host
	}
	return ""
}

func (h *handlers) pushLog(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s := current(c)
	f := newForm(nil)
	for _, k := range []string{"state", "kind"} {
		f.Set(k, c.Query(k))
	}
	list, err := h.st.PushLog(ctx, s.Tenant.ID, store.PushLogFilter{State: f.Get("state"), Kind: f.Get("kind")}, pushLogShown)
	if err != nil {
		return err
	}
	users, err := h.st.Users(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name + " (" + u.Login + ")"
	}
	own, err := h.st.PushSubscriptions(ctx, s.User.ID)
	if err != nil {
		return err
	}
	d := pushLogData{List: list, Names: names, Own: own, Filter: f, Now: time.Now()}
	return render(c, fiber.StatusOK, pushLogPage(h.page(c, "Push delivery log", "pushlog"), d, zoneOf(ctx)))
}

// pushTest writes a test push to one of the signed-in person's own subscriptions.
func (h *handlers) pushTest(c *fiber.Ctx) error {
	s := current(c)
	id, _ := strconv.ParseInt(c.FormValue("subscription"), 10, 64)
	if _, err := h.st.EnqueuePushTest(c.UserContext(), s.Tenant.ID, s.User.ID, id, time.Now().Add(push.TestTTL)); err != nil {
		return h.notFound(c, err)
	}
	h.wakePush()
	return saved(c, "/admin/push/log")
}

// pushReplay sends a failed push again, as a new entry of the log; a push sent again before
// is not sent once more (the store returns its replay), so a double click rings once.
func (h *handlers) pushReplay(c *fiber.Ctx) error {
	_, err := h.st.ReplayPush(c.UserContext(), current(c).Tenant.ID, paramID(c, "id"), time.Now())
	var re *store.RuleError
	if errors.As(err, &re) {
		return h.fail(c, fiber.StatusUnprocessableEntity, re.Message)
	}
	if err != nil {
		return h.notFound(c, err)
	}
	h.wakePush()
	return saved(c, "/admin/push/log")
}

func (h *handlers) wakePush() {
	if h.opts.Push != nil {
		h.opts.Push.Wake()
	}
}
