package acd

import "testing"

func TestStaffed(t *testing.T) {
	h := newHarness(t)
	if h.e.Staffed(1, Target{}) {
		t.Fatal("an unknown connector is staffed")
	}
	h.connector(1, 10)
	h.connector(2, 20)
	if h.e.Staffed(1, Target{}) {
		t.Fatal("a group without agents is staffed")
	}
	// An agent of another group staffs nothing here.
	h.agent(7, 2, 20)
	if h.e.Staffed(1, Target{}) || !h.e.Staffed(2, Target{}) {
		t.Fatalf("staffed(1)=%v staffed(2)=%v, want false true", h.e.Staffed(1, Target{}), h.e.Staffed(2, Target{}))
	}
	// Signed in, but in a status that does not allow chat, or without room for chats.
	h.apply(AgentState{Agent: 8, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: false, Connected: true})
	h.apply(AgentState{Agent: 9, Groups: []GroupID{10}, MaxChats: 0, AllowsChat: true, Connected: true})
	h.apply(AgentState{Agent: 11, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: false})
	if h.e.Staffed(1, Target{}) {
		t.Fatal("agents who cannot take chats staff the connector")
	}
	// A busy agent still staffs it: the chat waits for them.
	h.agent(12, 1, 10)
	h.request("c1", 1)
	h.apply(OfferAccepted{Chat: "c1", Agent: 12})
	if !h.e.Staffed(1, Target{}) {
		t.Fatal("a busy agent does not staff the connector")
	}
	// Signing out takes the last one away.
	h.apply(AgentState{Agent: 12, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: false})
	if h.e.Staffed(1, Target{}) {
		t.Fatal("a signed-out agent still staffs the connector")
	}
}

func TestStaffedForTarget(t *testing.T) {
	h := newHarness(t)
	h.connector(1, 10)
	h.deptAgent(1, "Sales")
	h.apply(AgentState{Agent: 2, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: false, Connected: true})
	for _, c := range []struct {
		t    Target
		want bool
	}{
		{Target{}, true},
		{Target{Department: " sales "}, true},
		{Target{Department: "Support"}, false}, // agent 1 is of another department
		{Target{Agent: 1}, true},
		{Target{Agent: 2}, false}, // signed in, in a status without chats
		{Target{Agent: 3}, false}, // nobody the engine knows
		{Target{Agent: 1, Department: "Support"}, false},
	} {
		if got := h.e.Staffed(1, c.t); got != c.want {
			t.Errorf("Staffed for %+v = %v, want %v", c.t, got, c.want)
		}
	}
	h.deptAgent(2, "")
	if !h.e.Staffed(1, Target{Department: "Support"}) || !h.e.Staffed(1, Target{Agent: 2}) {
		t.Fatal("an agent of no department does not staff a department's chat, or the operator asked for is not counted")
	}
}
