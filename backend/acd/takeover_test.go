package acd

import "testing"

// load returns an agent's offered and active chats from the snapshot.
func (h *harness) load(id AgentID) (offered, active int) {
	for _, a := range h.e.Snapshot(h.now).Agents {
		if a.Agent == id {
			return a.Offered, a.Active
		}
	}
	return 0, 0
}

func TestTakeoverOfAnOfferedChat(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 1)
	h.agent(10, 2, 1)
	h.apply(AgentState{Agent: 90, MaxChats: 0, Connected: true}) // the supervisor: no groups, no capacity
	h.request("c1", 1)
	h.wantState("c1", Offered, 10)
	ds := h.apply(Takeover{Chat: "c1", Agent: 90})
	h.wantRouting(ds, RevokeOffer{Chat: "c1", Agent: 10, Reason: RevokeTakenOver}, TakenOver{Chat: "c1", Agent: 90})
	h.wantState("c1", Handling, 90)
	if o, a := h.load(10); o != 0 || a != 0 {
		t.Fatalf("the agent offered to still has %d offered, %d active", o, a)
	}
	if _, a := h.load(90); a != 1 {
		t.Fatalf("the supervisor has %d active chats", a)
	}
	if len(h.e.Snapshot(h.now).Waiting) != 0 {
		t.Fatal("the chat is still in the queue")
	}
	// The agent accepting the withdrawn offer late gets nothing.
	if ds := h.apply(OfferAccepted{Chat: "c1", Agent: 10}); len(all[Assigned](ds)) != 0 {
		t.Fatalf("a late accept after the takeover: %s", show(ds))
	}
	// The answer time does not take it back: the supervisor chose the chat.
	h.advance(h.e.connectors[1].cfg.ConnectWait * 10)
	h.wantState("c1", Handling, 90)
}

func TestTakeoverOfAQueuedChat(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 1)
	h.apply(AgentState{Agent: 90, MaxChats: 0, Connected: true})
	h.request("c1", 1)
	h.request("c2", 1)
	h.wantState("c1", Queued, 0)
	ds := h.apply(Takeover{Chat: "c1", Agent: 90, From: 10})
	if len(all[TakenOver](ds)) != 0 {
		t.Fatalf("a waiting chat was taken from an agent who does not have it: %s", show(ds))
	}
	ds = h.apply(Takeover{Chat: "c1", Agent: 90})
	if got := all[TakenOver](ds); len(got) != 1 || got[0] != (TakenOver{Chat: "c1", Agent: 90}) {
		t.Fatalf("takeover of a queued chat: %s", show(ds))
	}
	if u := updates(ds); len(u) != 1 || u[0].Chat != "c2" || u[0].Position != 1 || u[0].Of != 1 {
		t.Fatalf("the chat behind did not move up: %s", show(ds))
	}
}

func TestTakeoverOfAnActiveChatMovesTheLoad(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 1)
	h.agent(10, 1, 1)
	h.apply(AgentState{Agent: 90, MaxChats: 0, Connected: true})
	h.apply(AgentState{Agent: 91, MaxChats: 0, Connected: true})
	h.request("c1", 1)
	h.apply(OfferAccepted{Chat: "c1", Agent: 10})
	h.request("c2", 1)
	h.wantState("c2", Queued, 0) // agent 10 is full
	// Two supervisors at once: both saw agent 10; the engine takes them in turn.
	first := h.apply(Takeover{Chat: "c1", Agent: 90, From: 10})
	second := h.apply(Takeover{Chat: "c1", Agent: 91, From: 10})
	if len(all[TakenOver](first)) != 1 || len(all[TakenOver](second)) != 0 {
		t.Fatalf("racing takeovers: %s / %s", show(first), show(second))
	}
	if got := all[TakenOver](first)[0]; got.From != 10 {
		t.Fatalf("taken from %d", got.From)
	}
	// Agent 10's slot is free again: the waiting chat goes to them.
	if o := all[Offer](first); len(o) != 1 || o[0].Chat != "c2" || o[0].Agent != 10 {
		t.Fatalf("the freed slot was not used: %s", show(first))
	}
	h.wantState("c1", Handling, 90)
	// Taking one's own chat again changes nothing.
	if ds := h.apply(Takeover{Chat: "c1", Agent: 90, From: 90}); len(ds) != 0 {
		t.Fatalf("retaking one's own chat: %s", show(ds))
	}
	h.apply(ChatClosed{Chat: "c1"})
	if _, a := h.load(90); a != 0 {
		t.Fatalf("the supervisor keeps %d chats after the close", a)
	}
	if ds := h.apply(Takeover{Chat: "c1", Agent: 91}); len(ds) != 0 {
		t.Fatalf("takeover of a closed chat: %s", show(ds))
	}
}

// A supervisor taking over a chat whose owner is transferring it ends the transfer: the offer
// to the receiving agent is withdrawn and its slot freed, and a late accept of it gets nothing.
func TestTakeoverEndsAPendingTransfer(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 1)
	h.agent(10, 2, 1)
	h.accepted("c1", 1, 10)
	h.agent(11, 2, 1)
	h.apply(AgentState{Agent: 90, MaxChats: 0, Connected: true})
	ds := h.apply(TransferRequested{Chat: "c1", By: 10, ToAgent: 11})
	if len(all[TransferOffer](ds)) != 1 || h.slots(11) != 1 {
		t.Fatalf("the transfer was not offered: %s", show(ds))
	}
	ds = h.apply(Takeover{Chat: "c1", Agent: 90, From: 10})
	if got := all[TransferFailed](ds); len(got) != 1 || got[0].Reason != TransferTakenOver {
		t.Fatalf("the transfer did not end with the takeover: %s", show(ds))
	}
	if got := all[RevokeOffer](ds); len(got) != 1 || got[0].Agent != 11 {
		t.Fatalf("the transfer's offer was not withdrawn: %s", show(ds))
	}
	if got := all[TakenOver](ds); len(got) != 1 || got[0] != (TakenOver{Chat: "c1", Agent: 90, From: 10}) {
		t.Fatalf("takeover: %s", show(ds))
	}
	if h.slots(11) != 0 || h.slots(10) != 0 || h.slots(90) != 1 {
		t.Fatalf("slots after the takeover: %d %d %d", h.slots(10), h.slots(11), h.slots(90))
	}
	if ds := h.apply(OfferAccepted{Chat: "c1", Agent: 11}); len(all[Assigned](ds)) != 0 || len(all[TransferDone](ds)) != 0 {
		t.Fatalf("a late accept of the withdrawn transfer: %s", show(ds))
	}
	h.wantState("c1", Handling, 90)
}
