package acdbus

import (
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/acd"
)

// TestEveryDecisionTravels: every decision and event of the engine crosses the wire intact.
func TestEveryDecisionTravels(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ds := []acd.Decision{acd.Offer{Chat: "c", Agent: 1, Expires: at}, acd.RevokeOffer{Chat: "c", Agent: 1, Reason: acd.RevokeTimeout},
		acd.Assigned{Chat: "c", Agent: 2}, acd.Requeued{Chat: "c", FromAgent: 2, Reason: "x"}, acd.QueueUpdate{Chat: "c", Position: 1, Of: 2, EstimatedWait: time.Minute},
		acd.QueueUpdates{Group: 3, Updates: []acd.QueueUpdate{{Chat: "c", Position: 1, Of: 1}}}, acd.QueueMessage{Chat: "c", Position: 1, Of: 1},
		acd.WaitingMessage{Chat: "c", Which: acd.Waiting1}, acd.CloseNoAgent{Chat: "c"}, acd.Refused{Chat: "c", Reason: "closed"},
		acd.SetAgentStatus{Agent: 1, Status: 4}, acd.TakenOver{Chat: "c", Agent: 1, From: 2}, acd.TransferOffer{Chat: "c", Agent: 1, From: 2, Expires: at},
		acd.TransferDone{Chat: "c", From: 1, To: 2}, acd.TransferFailed{Chat: "c", Owner: 1, Reason: acd.TransferTimeout}}
	if len(ds) != len(decisions) {
		t.Fatalf("%d decisions tested, %d travel", len(ds), len(decisions))
	}
	back, err := decodeDecisions(encodeDecisions(ds))
	if err != nil || !reflect.DeepEqual(back, ds) {
		t.Fatalf("decisions came back as %+v (%v)", back, err)
	}
	evs := []acd.Event{acd.AgentState{Agent: 1, Groups: []acd.GroupID{2}, Skills: map[string]int{"en": 3}, MaxChats: 2, AllowsChat: true, Connected: true},
		acd.AgentDisconnected{Agent: 1}, acd.AgentGone{Agent: 1}, acd.ChatRequested{Chat: "c", Connector: 2, RequestedAt: at, Target: acd.Target{Department: "d"}},
		acd.ChatRestored{Chat: "c", Connector: 2, RequestedAt: at, Agent: 1, AcceptedAt: at}, acd.OfferAccepted{Chat: "c", Agent: 1},
		acd.OfferDeclined{Chat: "c", Agent: 1}, acd.FirstReply{Chat: "c", Agent: 1}, acd.ChatClosed{Chat: "c"}, acd.Takeover{Chat: "c", Agent: 1, From: 2},
		acd.TransferRequested{Chat: "c", By: 1, ToAgent: 2, Wait: time.Second}, acd.TransferCanceled{Chat: "c", By: 1},
		acd.ParticipantJoined{Chat: "c", Agent: 1}, acd.ParticipantLeft{Chat: "c", Agent: 1}}
	if len(evs) != len(events) {
		t.Fatalf("%d events tested, %d travel", len(evs), len(events))
	}
	for _, ev := range evs {
		w, err := encodeEvent(ev, 7)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeEvent(w)
		if err != nil || !reflect.DeepEqual(back, ev) || w.Apply != 7 {
			t.Fatalf("%T came back as %+v (%v)", ev, back, err)
		}
	}
}
