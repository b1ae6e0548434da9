package routing

import (
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/store"
)

// The router applies submitted events in order on its goroutine, hands the decisions to the
// executor, and fires the engine's timers when the clock reaches them: an offer nobody accepts
// is revoked after the connector's connect wait.
func TestRouterRunsTheEngineOnItsClock(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	var (
		mu  sync.Mutex
		got []acd.Decision
	)
	r := New(clk, func(ds []acd.Decision) { mu.Lock(); got = append(got, ds...); mu.Unlock() }, nil)
	defer r.Close()
	r.Submit(GroupConfig(store.ACDGroup{ID: 1, Strategy: store.StrategyLongestIdle}))
	r.Submit(ConnectorConfig(store.Connector{ID: 1, GroupID: 1, ConnectWait: 30 * time.Second, AnswerTime: time.Minute, FreeAgentSearch: 5 * time.Minute}, time.UTC))
	r.Submit(AgentState(store.User{ID: 7, Active: true, MaxChats: 2, Groups: []int64{1}, StatusID: 3},
		[]store.AgentStatus{{ID: 3, AllowsChat: true}}, true))
	r.Submit(acd.ChatRequested{Chat: "c1", Connector: 1})
	r.Do(func(*acd.Engine) {}) // everything submitted has been applied
	offered := func() (offer, revoke int) {
		mu.Lock()
		defer mu.Unlock()
		for _, d := range got {
			switch d.(type) {
			case acd.Offer:
				offer++
			case acd.RevokeOffer:
				revoke++
			}
		}
		return
	}
	if o, rv := offered(); o != 1 || rv != 0 {
		t.Fatalf("after the request: %d offers, %d revokes", o, rv)
	}
	clk.Advance(29 * time.Second)
	r.Do(func(*acd.Engine) {})
	if _, rv := offered(); rv != 0 {
		t.Fatal("revoked before the connect wait")
	}
	clk.Advance(2 * time.Second)
	r.Do(func(*acd.Engine) {})
	if _, rv := offered(); rv != 1 {
		t.Fatal("not revoked after the connect wait")
	}
	if info := r.QueueInfo(1); !info.Open {
		t.Fatalf("queue info %+v", info)
	}
}

// Close answers what is still queued and stops the goroutine.
func TestRouterClose(t *testing.T) {
	r := New(clock.Real{}, func([]acd.Decision) {}, nil)
	r.Close()
	if ds := r.Apply(acd.Tick{}); ds != nil {
		t.Fatalf("apply after close: %v", ds)
	}
	r.Close()
}
