package acdbus

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/parleychat/parley/backend/acd"
)

// wireEvent is an engine event on its way to the leader: its type's name, its fields, and,
// for an event whose sender waits for its decisions (Apply), the sender's number for it.
type wireEvent struct {
	Type  string          `json:"t"`
	Body  json.RawMessage `json:"b"`
	Apply uint64          `json:"a,omitempty"`
}

// batch is what a node sends the leader at once: its next events, numbered so that a batch
// sent again (its answer was lost) is applied once.
type batch struct {
	Node   string      `json:"node"`
	Seq    uint64      `json:"seq"`
	Events []wireEvent `json:"events"`
}

// batchAnswer is the leader's answer to a batch; not OK while it rebuilds the queue.
type batchAnswer struct {
	OK   bool  `json:"ok"`
	Term int64 `json:"term"`
}

// wireDecisions are the decisions of one event (or of the engine's timers), sent by the
// leader to every node under its term. Lead opens a term: the nodes drop the offers of the
// term before and announce their chats and agents. Node and Apply name the event whose
// sender waits.
type wireDecisions struct {
	Term  int64          `json:"term"`
	Seq   uint64         `json:"seq"`
	Lead  bool           `json:"lead,omitempty"`
	Node  string         `json:"node,omitempty"`
	Apply uint64         `json:"a,omitempty"`
	Ds    []wireDecision `json:"ds,omitempty"`
	// Only, when set, is the one node that carries the decisions out: the standing offers
	// of an agent whose app connected to it.
	Only string `json:"only,omitempty"`
}

type wireDecision struct {
	Type string          `json:"t"`
	Body json.RawMessage `json:"b"`
}

// query asks the leader's engine; Kind says what.
type query struct {
	Kind      string          `json:"kind"`
	Connector acd.ConnectorID `json:"connector,omitempty"`
	Chat      acd.ChatID      `json:"chat,omitempty"`
	Target    acd.Target      `json:"target"`
}

// The kinds of query.
const (
	qQueue    = "queue"
	qChat     = "chat"
	qExplain  = "explain"
	qSnapshot = "snapshot"
	qStaffed  = "staffed"
)

func decodeAs[T any](raw json.RawMessage) (any, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// events are the engine events that travel between nodes. Connector and group settings do
// not: every node hears of a settings change, and the leader reads them from the database.
var events = map[string]func(json.RawMessage) (any, error){
	"AgentState": decodeAs[acd.AgentState], "AgentDisconnected": decodeAs[acd.AgentDisconnected], "AgentGone": decodeAs[acd.AgentGone],
	"ChatRequested": decodeAs[acd.ChatRequested], "ChatRestored": decodeAs[acd.ChatRestored], "OfferAccepted": decodeAs[acd.OfferAccepted],
	"OfferDeclined": decodeAs[acd.OfferDeclined], "FirstReply": decodeAs[acd.FirstReply], "ChatClosed": decodeAs[acd.ChatClosed],
	"Takeover": decodeAs[acd.Takeover], "TransferRequested": decodeAs[acd.TransferRequested], "TransferCanceled": decodeAs[acd.TransferCanceled],
	"ParticipantJoined": decodeAs[acd.ParticipantJoined], "ParticipantLeft": decodeAs[acd.ParticipantLeft],
}

// decisions are every decision of the engine.
var decisions = map[string]func(json.RawMessage) (any, error){
	"Offer": decodeAs[acd.Offer], "RevokeOffer": decodeAs[acd.RevokeOffer], "Assigned": decodeAs[acd.Assigned], "Requeued": decodeAs[acd.Requeued],
	"QueueUpdate": decodeAs[acd.QueueUpdate], "QueueUpdates": decodeAs[acd.QueueUpdates], "QueueMessage": decodeAs[acd.QueueMessage],
	"WaitingMessage": decodeAs[acd.WaitingMessage], "CloseNoAgent": decodeAs[acd.CloseNoAgent], "Refused": decodeAs[acd.Refused],
	"SetAgentStatus": decodeAs[acd.SetAgentStatus], "TakenOver": decodeAs[acd.TakenOver], "TransferOffer": decodeAs[acd.TransferOffer],
	"TransferDone": decodeAs[acd.TransferDone], "TransferFailed": decodeAs[acd.TransferFailed],
}

// typeName is the name v's type travels under.
func typeName(v any) string { return reflect.TypeOf(v).Name() }

func encodeEvent(ev acd.Event, apply uint64) (wireEvent, error) {
	name := typeName(ev)
	if events[name] == nil {
		return wireEvent{}, fmt.Errorf("acdbus: event %s does not travel", name)
	}
	b, err := json.Marshal(ev)
	return wireEvent{Type: name, Body: b, Apply: apply}, err
}

func decodeEvent(w wireEvent) (acd.Event, error) {
	dec := events[w.Type]
	if dec == nil {
		return nil, fmt.Errorf("acdbus: unknown event %q", w.Type)
	}
	v, err := dec(w.Body)
	if err != nil {
		return nil, err
	}
	return v.(acd.Event), nil
}

func encodeDecisions(ds []acd.Decision) []wireDecision {
	out := make([]wireDecision, 0, len(ds))
	for _, d := range ds {
		b, _ := json.Marshal(d) // plain values: cannot fail
		out = append(out, wireDecision{Type: typeName(d), Body: b})
	}
	return out
}

func decodeDecisions(ws []wireDecision) ([]acd.Decision, error) {
	out := make([]acd.Decision, 0, len(ws))
	for _, w := range ws {
		dec := decisions[w.Type]
		if dec == nil {
			return nil, fmt.Errorf("acdbus: unknown decision %q", w.Type)
		}
		v, err := dec(w.Body)
		if err != nil {
			return nil, err
		}
		out = append(out, v.(acd.Decision))
	}
	return out, nil
}
