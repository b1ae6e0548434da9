package acd

import (
	"testing"
	"time"
)

// accepted makes chat id accepted by agent a on connector k.
func (h *harness) accepted(id ChatID, k ConnectorID, a AgentID) {
	h.t.Helper()
	h.request(id, k)
	h.wantState(id, Offered, a)
	h.apply(OfferAccepted{Chat: id, Agent: a})
	h.apply(FirstReply{Chat: id, Agent: a})
	h.wantState(id, Handling, a)
}

func (h *harness) slots(a AgentID) int { return h.e.agents[a].load }

func TestTransferToAgentHandsOverOnAccept(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.agent(2, 2, 20) // not even in the chat's group: an agent target is chosen by name
	ds := h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 2})
	h.wantRouting(ds, TransferOffer{Chat: "c1", Agent: 2, From: 1, Expires: t0.Add(30 * time.Second)})
	// Until the handover the owner keeps the chat, and the offer holds a slot of agent 2.
	h.wantState("c1", Handling, 1)
	if h.slots(1) != 1 || h.slots(2) != 1 {
		t.Fatalf("loads %d %d during the transfer", h.slots(1), h.slots(2))
	}
	h.now = h.now.Add(5 * time.Second)
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 2}), TransferDone{Chat: "c1", From: 1, To: 2})
	h.wantState("c1", Handling, 2)
	if h.slots(1) != 0 || h.slots(2) != 1 {
		t.Fatalf("loads %d %d after the handover", h.slots(1), h.slots(2))
	}
	// The transfer's wait is over: nothing fires later.
	h.wantRouting(h.advance(time.Hour))
	// A second accept does nothing.
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 2}))
}

func TestTransferTimesOutAndOwnerKeepsChat(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.agent(2, 2, 10)
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 2, Wait: 10 * time.Second}),
		TransferOffer{Chat: "c1", Agent: 2, From: 1, Expires: t0.Add(10 * time.Second)})
	h.wantRouting(h.advance(9 * time.Second))
	h.wantRouting(h.advance(time.Second),
		RevokeOffer{Chat: "c1", Agent: 2, Reason: RevokeTimeout},
		TransferFailed{Chat: "c1", Owner: 1, Reason: TransferTimeout})
	h.wantState("c1", Handling, 1)
	if h.slots(1) != 1 || h.slots(2) != 0 {
		t.Fatalf("loads %d %d after the failure", h.slots(1), h.slots(2))
	}
	// A late accept changes nothing.
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 2}))
	h.wantState("c1", Handling, 1)
}

func TestTransferToBusyAgentWaitsForSlot(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.agent(2, 1, 20)
	h.connector(2, 20)
	h.accepted("c2", 2, 2)
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 2}))
	h.now = h.now.Add(5 * time.Second)
	h.wantRouting(h.apply(ChatClosed{Chat: "c2"}), TransferOffer{Chat: "c1", Agent: 2, From: 1, Expires: t0.Add(30 * time.Second)})
}

func TestTransferRefusals(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.connector(2, 10, func(c *ConnectorConfig) { c.OutOfService = true })
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.request("q", 1) // offered to 1, not accepted
	for _, tc := range []struct {
		ev   TransferRequested
		want TransferFailReason
	}{
		{TransferRequested{Chat: "c1", By: 2, ToAgent: 3}, TransferNotOwner},
		{TransferRequested{Chat: "q", By: 1, ToAgent: 3}, TransferNotOwner},
		{TransferRequested{Chat: "nope", By: 1, ToAgent: 3}, TransferNotOwner},
		{TransferRequested{Chat: "c1", By: 1, ToAgent: 1}, TransferSelf},
		{TransferRequested{Chat: "c1", By: 1}, TransferUnknownTarget},
		{TransferRequested{Chat: "c1", By: 1, ToAgent: 3, ToGroup: 10}, TransferUnknownTarget},
		{TransferRequested{Chat: "c1", By: 1, ToGroup: 99}, TransferUnknownTarget},
		{TransferRequested{Chat: "c1", By: 1, ToConnector: 99}, TransferUnknownTarget},
		{TransferRequested{Chat: "c1", By: 1, ToConnector: 2}, TransferTargetClosed},
	} {
		ds := h.apply(tc.ev)
		f := all[TransferFailed](ds)
		if len(f) != 1 || f[0].Reason != tc.want || len(routing(ds)) != 1 {
			t.Fatalf("%+v: %s, want %s", tc.ev, show(ds), tc.want)
		}
	}
	// A second transfer while one is pending is refused; the first stands.
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 3}))
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 4}), TransferFailed{Chat: "c1", Owner: 1, Reason: TransferBusy})
	h.wantRouting(h.agent(3, 1, 10), TransferOffer{Chat: "c1", Agent: 3, From: 1, Expires: t0.Add(30 * time.Second)})
}

func TestTransferToGroupFollowsStrategyAndDeclines(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.apply(GroupConfig{Group: 20, Strategy: LongestIdle})
	h.agent(3, 2, 20)
	h.now = h.now.Add(time.Second)
	h.agent(2, 2, 20, 10)
	// Never offered to its owner, though the owner is idle in no group of the target.
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToGroup: 20}),
		TransferOffer{Chat: "c1", Agent: 3, From: 1, Expires: t0.Add(31 * time.Second)})
	h.wantRouting(h.apply(OfferDeclined{Chat: "c1", Agent: 3}),
		TransferOffer{Chat: "c1", Agent: 2, From: 1, Expires: t0.Add(31 * time.Second)})
	// Agent 2 declines too: nobody is left; the transfer waits and then fails.
	h.wantRouting(h.apply(OfferDeclined{Chat: "c1", Agent: 2}))
	h.wantState("c1", Handling, 1)
	h.wantRouting(h.advance(30*time.Second), TransferFailed{Chat: "c1", Owner: 1, Reason: TransferTimeout})
	if h.slots(1) != 1 || h.slots(2) != 0 || h.slots(3) != 0 {
		t.Fatalf("loads %d %d %d", h.slots(1), h.slots(2), h.slots(3))
	}
}

func TestTransferToAgentDeclinedFails(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.agent(2, 2, 10)
	h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 2})
	h.wantRouting(h.apply(OfferDeclined{Chat: "c1", Agent: 2}), TransferFailed{Chat: "c1", Owner: 1, Reason: TransferDeclined})
	h.wantState("c1", Handling, 1)
}

func TestTransferKeepsPlaceAmongWaitingChats(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("old", 1, 1) // requested at t0
	h.agent(2, 1, 20)
	h.connector(2, 20)
	h.accepted("busy", 2, 2)
	h.now = h.now.Add(time.Minute)
	h.request("newer", 2) // waits in group 20, requested after "old"
	h.apply(TransferRequested{Chat: "old", By: 1, ToGroup: 20, Wait: time.Hour})
	// Agent 2's slot frees: the transferred chat, requested earlier, goes first.
	h.wantRouting(h.apply(ChatClosed{Chat: "busy"}), TransferOffer{Chat: "old", Agent: 2, From: 1, Expires: h.now.Add(time.Hour)})
	h.wantRouting(h.apply(OfferAccepted{Chat: "old", Agent: 2}), TransferDone{Chat: "old", From: 1, To: 2})
	if ri, _ := h.e.ChatInfo("old"); !ri.RequestedAt.Equal(t0) {
		t.Fatalf("requested at %v", ri.RequestedAt)
	}

	// The other way round: an older waiting chat goes before a newer transferred one.
	h2 := newHarness(t)
	h2.connector(2, 20)
	h2.request("older", 2) // nobody staffed yet
	h2.now = h2.now.Add(time.Minute)
	h2.connector(1, 10)
	h2.agent(1, 2, 10)
	h2.accepted("newer", 1, 1)
	h2.apply(TransferRequested{Chat: "newer", By: 1, ToGroup: 20, Wait: time.Hour})
	h2.wantRouting(h2.agent(2, 1, 20), Offer{Chat: "older", Agent: 2})
}

func TestTransferToConnectorMovesChat(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.connector(2, 20, func(c *ConnectorConfig) {
		c.Skills[0] = SkillReq{Skill: "fr", Min: 2}
		c.ConnectWait = 45 * time.Second
	})
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.apply(AgentState{Agent: 2, Groups: []GroupID{20}, MaxChats: 2, AllowsChat: true, Connected: true})
	h.now = h.now.Add(time.Second)
	h.apply(AgentState{Agent: 3, Groups: []GroupID{20}, MaxChats: 2, AllowsChat: true, Connected: true, Skills: map[string]int{"fr": 3}})
	// Agent 2 idles longer but lacks the connector's skill.
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToConnector: 2}),
		TransferOffer{Chat: "c1", Agent: 3, From: 1, Expires: h.now.Add(45 * time.Second)})
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 3}), TransferDone{Chat: "c1", From: 1, To: 3})
	if info, _ := h.e.ChatInfo("c1"); info.Connector != 2 {
		t.Fatalf("connector %d", info.Connector)
	}
	if h.e.connectors[1].load != 0 || h.e.connectors[2].load != 1 {
		t.Fatalf("connector loads %d %d", h.e.connectors[1].load, h.e.connectors[2].load)
	}
}

func TestTransferEndsWithChatAndOwner(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.agent(2, 2, 20)
	h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 2})
	h.wantRouting(h.apply(ChatClosed{Chat: "c1"}),
		RevokeOffer{Chat: "c1", Agent: 2, Reason: RevokeClosed},
		TransferFailed{Chat: "c1", Owner: 1, Reason: TransferChatClosed})
	if h.slots(1) != 0 || h.slots(2) != 0 {
		t.Fatalf("loads %d %d", h.slots(1), h.slots(2))
	}

	// The owner's connection drops: the transfer goes on, and completes.
	h.accepted("c2", 1, 1)
	h.apply(TransferRequested{Chat: "c2", By: 1, ToAgent: 2})
	h.apply(AgentDisconnected{Agent: 1})
	h.wantRouting(h.apply(OfferAccepted{Chat: "c2", Agent: 2}), TransferDone{Chat: "c2", From: 1, To: 2})

	// The owner does not come back: the transfer ends and the chat is queued again, at its place.
	h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: true})
	h.accepted("c3", 1, 1)
	h.apply(AgentState{Agent: 2, Groups: []GroupID{20}, MaxChats: 1, AllowsChat: true, Connected: true}) // full: c2
	h.apply(TransferRequested{Chat: "c3", By: 1, ToAgent: 2})
	h.apply(AgentDisconnected{Agent: 1})
	h.wantRouting(h.apply(AgentGone{Agent: 1}),
		TransferFailed{Chat: "c3", Owner: 1, Reason: TransferRequeued},
		Requeued{Chat: "c3", FromAgent: 1, Reason: RequeueAgentGone})

	// The agent offered the transfer stops taking chats: the offer is withdrawn, the transfer waits.
	h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: true})
	h.wantState("c3", Offered, 1)
	h.apply(OfferAccepted{Chat: "c3", Agent: 1})
	h.apply(ChatClosed{Chat: "c2"})
	h.wantRouting(h.apply(TransferRequested{Chat: "c3", By: 1, ToAgent: 2}), TransferOffer{Chat: "c3", Agent: 2, From: 1, Expires: h.now.Add(30 * time.Second)})
	h.wantRouting(h.apply(AgentState{Agent: 2, Groups: []GroupID{20}, MaxChats: 1, AllowsChat: false, Connected: true}),
		RevokeOffer{Chat: "c3", Agent: 2, Reason: RevokeAgentStatus})
	h.wantRouting(h.apply(AgentState{Agent: 2, Groups: []GroupID{20}, MaxChats: 1, AllowsChat: true, Connected: true}),
		TransferOffer{Chat: "c3", Agent: 2, From: 1, Expires: h.now.Add(30 * time.Second)})
	// The owner withdraws it.
	h.wantRouting(h.apply(TransferCanceled{Chat: "c3", By: 1}),
		RevokeOffer{Chat: "c3", Agent: 2, Reason: RevokeReason(TransferWithdrawn)},
		TransferFailed{Chat: "c3", Owner: 1, Reason: TransferWithdrawn})
}

func TestParticipantsUseCapacityObserversDoNot(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.agent(1, 2, 10)
	h.accepted("c1", 1, 1)
	h.apply(AgentState{Agent: 2, Groups: []GroupID{20}, MaxChats: 1, AllowsChat: true, Connected: true})
	h.connector(2, 20)
	// An observer (nothing is sent for them) leaves agent 2 free; as a participant they are full.
	h.apply(ParticipantJoined{Chat: "c1", Agent: 2})
	h.apply(ParticipantJoined{Chat: "c1", Agent: 2}) // told twice: one slot
	if h.slots(2) != 1 {
		t.Fatalf("participant load %d", h.slots(2))
	}
	h.wantRouting(h.request("c2", 2))
	h.wantState("c2", Queued, 0)
	// Becoming an observer again frees the slot: the waiting chat comes.
	h.wantRouting(h.apply(ParticipantLeft{Chat: "c1", Agent: 2}), Offer{Chat: "c2", Agent: 2})
	h.apply(OfferDeclined{Chat: "c2", Agent: 2})
	h.apply(ChatClosed{Chat: "c2"})
	if h.slots(2) != 0 {
		t.Fatalf("load %d", h.slots(2))
	}
	// The owner never counts twice.
	h.apply(ParticipantJoined{Chat: "c1", Agent: 1})
	if h.slots(1) != 1 {
		t.Fatalf("owner load %d", h.slots(1))
	}

	// A full participant can be handed the chat: their slot becomes the owner's.
	h.apply(ParticipantJoined{Chat: "c1", Agent: 2})
	h.wantRouting(h.apply(TransferRequested{Chat: "c1", By: 1, ToAgent: 2}), TransferOffer{Chat: "c1", Agent: 2, From: 1, Expires: h.now.Add(30 * time.Second)})
	if h.slots(2) != 1 {
		t.Fatalf("load during the offer %d", h.slots(2))
	}
	h.wantRouting(h.apply(OfferAccepted{Chat: "c1", Agent: 2}), TransferDone{Chat: "c1", From: 1, To: 2})
	if h.slots(1) != 0 || h.slots(2) != 1 {
		t.Fatalf("loads after the handover %d %d", h.slots(1), h.slots(2))
	}
	// The chat ends: every slot is free.
	h.apply(ParticipantJoined{Chat: "c1", Agent: 1})
	h.apply(ChatClosed{Chat: "c1"})
	if h.slots(1) != 0 || h.slots(2) != 0 {
		t.Fatalf("loads after the close %d %d", h.slots(1), h.slots(2))
	}
}
