package acd

import "testing"

func TestStaffed(t *testing.T) {
	h := newHarness(t)
	if h.e.Staffed(1) {
		t.Fatal("an unknown connector is staffed")
	}
	h.connector(1, 10)
	h.connector(2, 20)
	if h.e.Staffed(1) {
		t.Fatal("a group without agents is staffed")
	}
	// An agent of another group staffs nothing here.
	h.agent(7, 2, 20)
	if h.e.Staffed(1) || !h.e.Staffed(2) {
		t.Fatalf("staffed(1)=%v staffed(2)=%v, want false true", h.e.Staffed(1), h.e.Staffed(2))
	}
	// Signed in, but in a status that does not allow chat, or without room for chats.
	h.apply(AgentState{Agent: 8, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: false, Connected: true})
	h.apply(AgentState{Agent: 9, Groups: []GroupID{10}, MaxChats: 0, AllowsChat: true, Connected: true})
	h.apply(AgentState{Agent: 11, Groups: []GroupID{10}, MaxChats: 2, AllowsChat: true, Connected: false})
	if h.e.Staffed(1) {
		t.Fatal("agents who cannot take chats staff the connector")
	}
	// A busy agent still staffs it: the chat waits for them.
	h.agent(12, 1, 10)
	h.request("c1", 1)
	h.apply(OfferAccepted{Chat: "c1", Agent: 12})
	if !h.e.Staffed(1) {
		t.Fatal("a busy agent does not staff the connector")
	}
	// Signing out takes the last one away.
	h.apply(AgentState{Agent: 12, Groups: []GroupID{10}, MaxChats: 1, AllowsChat: true, Connected: false})
	if h.e.Staffed(1) {
		t.Fatal("a signed-out agent still staffs the connector")
	}
}
