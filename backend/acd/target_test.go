package acd

import (
	"testing"
	"time"
)

// deptAgent makes a connected agent of department dept in group 10, with one slot.
func (h *harness) deptAgent(id AgentID, dept string) []Decision {
	return h.apply(AgentState{Agent: id, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: true, Department: dept})
}

func (h *harness) requestFor(chat ChatID, t Target) []Decision {
	return h.apply(ChatRequested{Chat: chat, Connector: 1, RequestedAt: h.now, Target: t})
}

func TestTargetDepartment(t *testing.T) {
	t.Run("only that department or none", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		h.deptAgent(1, "Sales")
		h.deptAgent(2, "Support")
		// Agent 1 has been idle longest, but the chat asks for support (in another case).
		h.wantRouting(h.requestFor("a", Target{Department: " SUPPORT "}), Offer{Chat: "a", Agent: 2})
		h.wantExplain("a", 1, "department Sales is not the one the chat asks for")
		h.wantRouting(h.requestFor("b", Target{Department: "support"}))
		h.wantState("b", Queued, 0)
		// An agent of no department takes any department's chat.
		h.wantRouting(h.deptAgent(3, ""), Offer{Chat: "b", Agent: 3})
	})
	t.Run("a department nobody has waits for agents of none", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, func(c *ConnectorConfig) { c.FreeAgentSearch = time.Minute; c.ConnectWait = 0 })
		h.deptAgent(1, "Sales")
		h.wantRouting(h.requestFor("a", Target{Department: "Billing"}))
		h.wantRouting(h.advance(time.Minute), CloseNoAgent{Chat: "a"})
	})
	t.Run("a chat without department goes to every department", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		h.deptAgent(1, "Sales")
		h.wantRouting(h.request("a", 1), Offer{Chat: "a", Agent: 1})
	})
	t.Run("a waiting chat does not hold back the next one another department may take", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		h.requestFor("support", Target{Department: "Support"})
		h.now = h.now.Add(time.Second)
		h.request("any", 1)
		h.wantRouting(h.deptAgent(1, "Sales"), Offer{Chat: "any", Agent: 1})
		h.wantState("support", Queued, 0)
	})
	t.Run("an agent changing department is routed again", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10)
		h.deptAgent(1, "Sales")
		h.wantRouting(h.requestFor("a", Target{Department: "Support"}))
		h.wantRouting(h.deptAgent(1, "support"), Offer{Chat: "a", Agent: 1})
	})
}

func TestTargetAgent(t *testing.T) {
	search := func(c *ConnectorConfig) { c.FreeAgentSearch = 2 * time.Minute; c.ConnectWait = 20 * time.Second }
	t.Run("only that agent", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.deptAgent(1, "")
		h.deptAgent(2, "")
		h.wantRouting(h.requestFor("a", Target{Agent: 2}), Offer{Chat: "a", Agent: 2})
		h.wantExplain("a", 1, "not the agent the chat asks for")
	})
	t.Run("waits for the agent within the free agent search", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.deptAgent(1, "")
		h.apply(AgentState{Agent: 2, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: false, Connected: true})
		h.wantRouting(h.requestFor("a", Target{Agent: 2}))
		h.now = h.now.Add(time.Minute)
		h.wantRouting(h.deptAgent(2, ""), Offer{Chat: "a", Agent: 2})
	})
	t.Run("the normal end when the agent never comes", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.deptAgent(1, "")
		h.wantRouting(h.requestFor("a", Target{Agent: 7}))
		h.wantRouting(h.advance(2*time.Minute), CloseNoAgent{Chat: "a"})
	})
	t.Run("a busy agent gets it when a slot frees", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.deptAgent(1, "")
		h.deptAgent(2, "")
		h.request("first", 1) // to 1, the longest idle
		h.requestFor("second", Target{Agent: 1})
		h.wantState("second", Queued, 0)
		h.request("third", 1)
		h.wantState("third", Offered, 2) // the waiting targeted chat does not hold others back
		h.wantRouting(h.apply(ChatClosed{Chat: "first"}), RevokeOffer{Chat: "first", Agent: 1, Reason: RevokeClosed}, Offer{Chat: "second", Agent: 1})
	})
	t.Run("a lapsed offer comes back to the same agent", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.deptAgent(1, "")
		h.deptAgent(2, "")
		h.requestFor("a", Target{Agent: 2})
		h.wantRouting(h.advance(20*time.Second), RevokeOffer{Chat: "a", Agent: 2, Reason: RevokeTimeout}, Offer{Chat: "a", Agent: 2})
	})
	t.Run("department and agent both apply", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search)
		h.deptAgent(1, "Sales")
		h.wantRouting(h.requestFor("a", Target{Agent: 1, Department: "Support"}))
		h.wantRouting(h.deptAgent(1, ""), Offer{Chat: "a", Agent: 1})
	})
	t.Run("skills still apply", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search, func(c *ConnectorConfig) { c.Skills[0] = SkillReq{Skill: "fr", Min: 2} })
		h.deptAgent(1, "")
		h.wantRouting(h.requestFor("a", Target{Agent: 1}))
		h.wantRouting(h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: true, Skills: map[string]int{"fr": 2}}),
			Offer{Chat: "a", Agent: 1})
	})
	t.Run("requeued after the answer time, it waits for the same agent", func(t *testing.T) {
		h := newHarness(t)
		h.connector(1, 10, search, func(c *ConnectorConfig) { c.AnswerTime = 30 * time.Second })
		h.deptAgent(1, "")
		h.deptAgent(2, "")
		h.requestFor("a", Target{Agent: 1})
		h.apply(OfferAccepted{Chat: "a", Agent: 1})
		h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: false, Connected: true})
		h.wantRouting(h.advance(30*time.Second), Requeued{Chat: "a", FromAgent: 1, Reason: RequeueAnswerTimeout})
		h.wantState("a", Queued, 0)
		h.wantRouting(h.deptAgent(1, ""), Offer{Chat: "a", Agent: 1})
	})
}

func TestTargetSurvivesRestore(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.deptAgent(1, "Sales")
	h.apply(ChatRestored{Chat: "a", Connector: 1, RequestedAt: h.now.Add(-time.Minute), Target: Target{Department: "Support"}})
	h.apply(ChatRestored{Chat: "b", Connector: 1, RequestedAt: h.now.Add(-time.Minute), Target: Target{Agent: 2}})
	h.wantState("a", Queued, 0)
	h.wantState("b", Queued, 0)
	h.wantRouting(h.deptAgent(2, "Support"), Offer{Chat: "a", Agent: 2})
	h.apply(OfferAccepted{Chat: "a", Agent: 2})
	h.apply(ChatClosed{Chat: "a"})
	h.wantState("b", Offered, 2)
}

func TestTargetAndTransfers(t *testing.T) {
	setup := func(t *testing.T) *harness {
		h := newHarness(t)
		h.connector(1, 10, func(c *ConnectorConfig) { c.FreeAgentSearch = time.Minute })
		h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: true, Department: "Sales"})
		h.requestFor("a", Target{Agent: 1, Department: "sales"})
		h.apply(OfferAccepted{Chat: "a", Agent: 1})
		h.now = h.now.Add(time.Second)
		h.deptAgent(2, "Support")
		h.deptAgent(3, "")
		h.wantState("a", Accepted, 1)
		return h
	}
	t.Run("to a group: the department applies", func(t *testing.T) {
		h := setup(t)
		// Agent 2 is idle longest but of another department.
		h.wantRouting(h.apply(TransferRequested{Chat: "a", By: 1, ToGroup: 10}), TransferOffer{Chat: "a", Agent: 3, From: 1, Expires: h.now.Add(30 * time.Second)})
	})
	t.Run("to an agent: the owner's choice", func(t *testing.T) {
		h := setup(t)
		h.wantRouting(h.apply(TransferRequested{Chat: "a", By: 1, ToAgent: 2}), TransferOffer{Chat: "a", Agent: 2, From: 1, Expires: h.now.Add(30 * time.Second)})
	})
	t.Run("after the handover the chat asks for no agent", func(t *testing.T) {
		h := setup(t)
		h.apply(TransferRequested{Chat: "a", By: 1, ToAgent: 3})
		h.wantRouting(h.apply(OfferAccepted{Chat: "a", Agent: 3}), TransferDone{Chat: "a", From: 1, To: 3})
		// Agent 1 pauses and agent 3 leaves: back in the queue, the chat goes to anyone of its
		// department, no longer only to agent 1.
		h.apply(AgentState{Agent: 1, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: false, Connected: true, Department: "Sales"})
		h.apply(AgentDisconnected{Agent: 3})
		h.wantRouting(h.apply(AgentGone{Agent: 3}), Requeued{Chat: "a", FromAgent: 3, Reason: RequeueAgentGone})
		h.wantState("a", Queued, 0)
		h.wantRouting(h.deptAgent(4, "SALES"), Offer{Chat: "a", Agent: 4})
	})
}
