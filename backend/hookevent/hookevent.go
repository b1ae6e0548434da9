// Package hookevent says which of a chat's durable events a tenant's webhooks hear about and
// what they are told. It is pure: the store calls it inside the transaction that writes the
// chat's events, so that a webhook delivery is written in the same commit as what it reports
// (nothing is lost or announced that did not happen), and package webhook delivers it.
package hookevent

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// The webhook event kinds, as endpoints subscribe to them and receivers see them in "type".
const (
	// ChatRequested: a visitor asked for a chat and waits in the queue.
	ChatRequested = "chat.requested"
	// ChatAssigned: an agent took the chat (accepted an offer, a proactive invitation was
	// answered, a supervisor took it over).
	ChatAssigned = "chat.assigned"
	// ChatMessage: a line the visitor sees was written (by the visitor, an agent or the
	// system); agents' whispers are not sent.
	ChatMessage = "chat.message"
	// ChatClosed: the chat ended; "cause" says why.
	ChatClosed = "chat.closed"
	// MessageLeft: a visitor left a message when no chat could be had.
	MessageLeft = "message.left"
	// ChatRated: the visitor rated the chat (a post-chat survey with a "rating" answer).
	ChatRated = "chat.rated"
	// SurveySubmitted: the visitor answered the post-chat survey.
	SurveySubmitted = "survey.submitted"
	// Test is the admin pages' "send a test"; no endpoint subscribes to it.
	Test = "test"
)

// Kinds lists the kinds an endpoint may subscribe to, in the order the admin pages show them.
var Kinds = []string{ChatRequested, ChatAssigned, ChatMessage, ChatClosed, MessageLeft, ChatRated, SurveySubmitted}

// Known reports whether kind is one of [Kinds].
func Known(kind string) bool {
	for _, k := range Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Event is a durable chat event as the store numbered it.
type Event struct {
	TenantID   int64
	ChatID     string
	Seq        uint64
	Type       string
	Data       json.RawMessage
	AgentsOnly bool
	At         time.Time
}

// Classify returns the webhook kinds e is reported as (most often none, at most two: a
// rating is also a survey). Events only agents see (whispers, notes, direct chats between
// agents, observers joining) are never reported.
func Classify(e Event) []string {
	if e.AgentsOnly {
		return nil
	}
	switch protocol.Type(e.Type) {
	case protocol.TypeChatState:
		var s protocol.ChatState
		if json.Unmarshal(e.Data, &s) != nil {
			return nil
		}
		switch {
		case s.State == protocol.StateQueued && s.Cause == "":
			return []string{ChatRequested}
		case s.State == protocol.StateActive:
			return []string{ChatAssigned}
		case s.State == protocol.StateClosed && s.Cause == protocol.CauseLeftMessage:
			return []string{MessageLeft}
		case s.State == protocol.StateClosed:
			return []string{ChatClosed}
		}
	case protocol.TypeMessage:
		var m protocol.Message
		if json.Unmarshal(e.Data, &m) != nil || m.Internal {
			return nil
		}
		return []string{ChatMessage}
	case protocol.TypeFieldSet:
		var f protocol.FieldSet
		if json.Unmarshal(e.Data, &f) != nil || f.Survey != "post" {
			return nil
		}
		if _, ok := f.Fields["rating"]; ok {
			return []string{SurveySubmitted, ChatRated}
		}
		return []string{SurveySubmitted}
	}
	return nil
}

// ID is the idempotency id of the report of e as kind: the same for every endpoint and every
// attempt, and the same if the event were reported again, so a receiver that remembers the
// ids it handled handles each report once.
func ID(e Event, kind string) string {
	return fmt.Sprintf("evt_%s_%d_%s", e.ChatID, e.Seq, kind)
}

// Payload is the JSON body a receiver gets.
type Payload struct {
	// ID is the idempotency id (see [ID]); it is also sent as the Parley-Event-Id header.
	ID   string `json:"id"`
	Type string `json:"type"`
	// Created is when the event happened.
	Created  time.Time `json:"created"`
	TenantID int64     `json:"tenant_id"`
	ChatID   string    `json:"chat_id,omitempty"`
	// Seq is the event's number in its chat's log.
	Seq uint64 `json:"seq,omitempty"`
	// Data is the chat event as Parley's chat protocol writes it (shared/protocol/README.md).
	Data json.RawMessage `json:"data"`
}

// Body returns the JSON body reporting e as kind.
func Body(e Event, kind string) ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return json.Marshal(Payload{ID: ID(e, kind), Type: kind, Created: e.At.UTC(), TenantID: e.TenantID, ChatID: e.ChatID, Seq: e.Seq, Data: data})
}
