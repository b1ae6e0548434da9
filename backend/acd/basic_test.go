package acd

import (
	"testing"
	"time"
)

func TestOfferGoesToFreeAgent(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(7, 2, 10)
	ds := h.request("c1", 1)
	h.wantRouting(ds, Offer{Chat: "c1", Agent: 7})
	if o := all[Offer](ds)[0]; !o.Expires.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("expires %v", o.Expires)
	}
	if q := updates(ds); len(q) != 1 || q[0].Position != 1 || q[0].Of != 1 {
		t.Fatalf("queue updates %+v", q)
	}
	h.wantState("c1", Offered, 7)
}

func TestAcceptAssigns(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(7, 2, 10)
	h.request("c1", 1)
	h.now = h.now.Add(5 * time.Second)
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 7}), Assigned{Chat: "c1", Agent: 7})
	h.wantState("c1", Accepted, 7)
	h.apply(FirstReply{Chat: "c1", Agent: 7})
	h.wantState("c1", Handling, 7)
	// Accepting twice, or by someone else, does nothing.
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 7}))
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 8}))
}

func TestDeclineGoesToNextAgent(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 1, 10)
	h.now = h.now.Add(time.Second)
	h.agent(2, 1, 10)
	h.wantRouting(h.request("c1", 1), Offer{Chat: "c1", Agent: 1}) // longest idle
	h.wantRouting(h.apply(OfferDeclined{Chat: "c1", Agent: 1}), Offer{Chat: "c1", Agent: 2})
	// Agent 2 declines too: agent 1 is staffed and declined, agent 2 declined: nobody
	// else, so it goes back to the longest idle of the two.
	ds := h.apply(OfferDeclined{Chat: "c1", Agent: 2})
	if len(all[Offer](ds)) != 1 {
		t.Fatalf("want one re-offer when only decliners remain:\n%s", show(ds))
	}
}

func TestConnectWaitTimeoutOffersNextAgent(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 1, 10)
	h.now = h.now.Add(time.Second)
	h.agent(2, 1, 10)
	h.request("c1", 1)
	dl, ok := h.e.NextDeadline()
	if !ok || !dl.Equal(h.now.Add(30*time.Second)) {
		t.Fatalf("deadline %v %v", dl, ok)
	}
	h.wantRouting(h.advance(29 * time.Second))
	h.wantRouting(h.advance(time.Second),
		RevokeOffer{Chat: "c1", Agent: 1, Reason: RevokeTimeout},
		Offer{Chat: "c1", Agent: 2})
	// A late accept by agent 1 is ignored.
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 1}))
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 2}), Assigned{Chat: "c1", Agent: 2})
}

func TestLateTickStillExpiresBeforeAccept(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 1, 10)
	h.request("c1", 1)
	h.now = h.now.Add(time.Minute) // no Tick at the deadline
	ds := h.apply(OfferAccepted{Chat: "c1", Agent: 1})
	// The offer lapsed first, so the accept is too late. Agent 1 is the only one, so
	// the chat is offered to them again.
	h.wantRouting(ds, RevokeOffer{Chat: "c1", Agent: 1, Reason: RevokeTimeout}, Offer{Chat: "c1", Agent: 1})
}

func TestChatClosed(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 1, 10)
	h.request("c1", 1)
	h.request("c2", 1) // waits: agent 1 is full
	h.wantState("c2", Queued, 0)
	// Closing an offered chat revokes the offer and frees the slot for c2.
	h.wantRouting(h.apply(ChatClosed{Chat: "c1"}),
		RevokeOffer{Chat: "c1", Agent: 1, Reason: RevokeClosed},
		Offer{Chat: "c2", Agent: 1})
	if _, ok := h.e.ChatInfo("c1"); ok {
		t.Fatal("closed chat still known")
	}
	h.apply(OfferAccepted{Chat: "c2", Agent: 1})
	h.request("c3", 1)
	h.request("c4", 1)
	h.wantRouting(h.apply(ChatClosed{Chat: "c4"})) // closed while queued
	// Closing an active chat frees the slot.
	h.wantRouting(h.apply(ChatClosed{Chat: "c2"}), Offer{Chat: "c3", Agent: 1})
	h.wantRouting(h.apply(ChatClosed{Chat: "nope"}))
}

func TestAgentGoneRequeuesAtOriginalPlace(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.request("a", 1)
	h.apply(OfferAccepted{Chat: "a", Agent: 1})
	h.now = h.now.Add(time.Second)
	h.request("b", 1) // offered to 1, pending
	h.now = h.now.Add(time.Second)
	h.request("c", 1) // waits
	h.now = h.now.Add(time.Second)
	h.apply(AgentDisconnected{Agent: 1})
	h.request("d", 1)
	h.wantState("b", Offered, 1) // nothing happens on disconnect alone
	h.wantState("a", Accepted, 1)
	h.now = h.now.Add(time.Second)
	h.wantRouting(h.apply(AgentGone{Agent: 1}),
		Requeued{Chat: "a", FromAgent: 1, Reason: RequeueAgentGone},
		RevokeOffer{Chat: "b", Agent: 1, Reason: RevokeAgentGone})
	for i, id := range []ChatID{"a", "b", "c", "d"} {
		info, _ := h.e.ChatInfo(id)
		if info.State != Queued || info.Position != i+1 || info.Of != 4 {
			t.Fatalf("%s: %+v, want queued at %d of 4", id, info, i+1)
		}
	}
	// A new agent gets them in original order.
	ds := h.agent(2, 4, 10)
	h.wantRouting(ds, Offer{Chat: "a", Agent: 2}, Offer{Chat: "b", Agent: 2}, Offer{Chat: "c", Agent: 2}, Offer{Chat: "d", Agent: 2})
}

func TestReconnectKeepsEverything(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.request("a", 1)
	h.apply(OfferAccepted{Chat: "a", Agent: 1})
	h.apply(AgentDisconnected{Agent: 1})
	h.request("b", 1)
	h.wantState("b", Queued, 0)
	h.wantRouting(h.agent(1, 2, 10), Offer{Chat: "b", Agent: 1})
	h.wantState("a", Accepted, 1)
}

func TestNextDeadline(t *testing.T) {
	h := newHarness(t)
	if _, ok := h.e.NextDeadline(); ok {
		t.Fatal("deadline on empty engine")
	}
	h.connector(1, 10, func(c *ConnectorConfig) { c.FreeAgentSearch = 2 * time.Minute })
	h.request("c1", 1)
	dl, ok := h.e.NextDeadline()
	if !ok || !dl.Equal(t0.Add(time.Minute)) { // the first queue message
		t.Fatalf("deadline %v", dl)
	}
	h.apply(ChatClosed{Chat: "c1"})
	if _, ok := h.e.NextDeadline(); ok {
		t.Fatal("deadline after the only chat closed")
	}
}

func TestRefused(t *testing.T) {
	h := newHarness(t)
	h.wantRouting(h.request("x", 99), Refused{Chat: "x", Reason: RefusedUnknownConnector})
	h.connector(1, 10, func(c *ConnectorConfig) { c.OutOfService = true })
	h.wantRouting(h.request("y", 1), Refused{Chat: "y", Reason: RefusedOutOfService})
	if qi := h.e.QueueInfo(1, h.now); qi.Open {
		t.Fatal("out of service connector open")
	}
}

func TestDuplicateRequestIgnored(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.request("a", 1)
	if ds := h.request("a", 1); len(ds) != 0 {
		t.Fatalf("duplicate request:\n%s", show(ds))
	}
}

func TestUnsupportedEventPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a pointer event was accepted")
		}
	}()
	New().Apply(t0, &ChatClosed{Chat: "x"})
}

func TestSnapshot(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(2, 2, 10)
	h.request("a", 1)
	h.apply(OfferAccepted{Chat: "a", Agent: 2})
	h.request("b", 1)
	h.now = h.now.Add(time.Second)
	h.request("c", 1)
	h.now = h.now.Add(time.Second)
	s := h.e.Snapshot(h.now)
	if len(s.Agents) != 1 || s.Agents[0].Active != 1 || s.Agents[0].Offered != 1 || s.Agents[0].MaxChats != 2 {
		t.Fatalf("agents %+v", s.Agents)
	}
	if len(s.Waiting) != 2 || s.Waiting[0].Chat != "b" || s.Waiting[0].State != Offered || s.Waiting[0].Agent != 2 ||
		s.Waiting[1].Chat != "c" || s.Waiting[1].Position != 2 || s.Waiting[1].Waited != time.Second {
		t.Fatalf("waiting %+v", s.Waiting)
	}
	if n := h.e.Counts(); n != (Counts{Chats: 3, Waiting: 2, Agents: 1}) {
		t.Fatalf("counts %+v", n)
	}
}
