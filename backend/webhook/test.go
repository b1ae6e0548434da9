package webhook

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleychat/parley/backend/hookevent"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
)

// TestStore is what [Test] writes to; *store.Store has it.
type TestStore interface {
	EnqueueWebhookTest(ctx context.Context, tenantID, endpointID int64, eventID string, body []byte) (store.WebhookDelivery, error)
}

// Test writes a test delivery to one of a tenant's endpoints (the admin pages' "send a
// test"), due at once: a body of type "test" with its own idempotency id and no chat. It goes
// through the outbox like any delivery, so its outcome shows in the delivery log.
func Test(ctx context.Context, st TestStore, tenantID, endpointID int64) (store.WebhookDelivery, error) {
	id := "evt_test_" + token.New(12)
	body, err := json.Marshal(hookevent.Payload{ID: id, Type: hookevent.Test, Created: time.Now().UTC(), TenantID: tenantID,
		Data: json.RawMessage(`{"message":"This is a test delivery from Parley."}`)})
	if err != nil {
		return store.WebhookDelivery{}, err
	}
	return st.EnqueueWebhookTest(ctx, tenantID, endpointID, id, body)
}
