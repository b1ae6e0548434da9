package chat

import (
	"sync"

	"github.com/parleychat/parley/backend/realtime"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// connState is what the service keeps per connection.
type connState struct {
	mu        sync.Mutex
	connected bool
	// visitor connections
	session   string
	connector store.Connector
	lang      string
	page      string
	referrer  string
	userAgent string
	visitorID string
	preChat   []protocol.SurveyField
	postChat  []protocol.SurveyField
	perIP     int // the tenant's limit of open chats from one address; 0 = none
	leftCount int // messages left on this connection, bounded against floods
	// agent connections
	user store.User

	subs map[string]*subscription
}

// connOf returns the service's state of a connection, set in Open.
func connOf(c *realtime.Conn) *connState {
	st, _ := c.State().(*connState)
	if st == nil {
		// Open always sets it; a nil here would be a wiring error, so fail loudly in tests.
		panic("chat: connection without state")
	}
	return st
}

// setSub records the subscription of a chat, returning the one it replaces.
func (cs *connState) setSub(chatID string, sub *subscription) *subscription {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	old := cs.subs[chatID]
	cs.subs[chatID] = sub
	return old
}

// dropSub forgets a chat's subscription if it is still sub.
func (cs *connState) dropSub(chatID string, sub *subscription) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.subs[chatID] == sub {
		delete(cs.subs, chatID)
	}
}

// sub returns the connection's subscription of a chat.
func (cs *connState) sub(chatID string) *subscription {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.subs[chatID]
}

// allSubs returns a copy of the connection's subscriptions.
func (cs *connState) allSubs() map[string]*subscription {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make(map[string]*subscription, len(cs.subs))
	for k, v := range cs.subs {
		out[k] = v
	}
	return out
}
