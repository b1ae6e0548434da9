package protocol

import "time"

// Delivery: a chat on a messaging channel (WhatsApp through TynTec) reports what became of each
// agent's line on the customer's phone. The reports are durable chat events for agents only, so
// that an agent app that resumes the chat shows every line's latest state.
const (
	TypeLineStatus Type = "line.status"
)

// The states a line reaches on the customer's channel, in the order they follow each other;
// failed ends the line.
const (
	DeliverySent      = "sent"
	DeliveryDelivered = "delivered"
	DeliveryRead      = "read"
	DeliveryFailed    = "failed"
)

func init() {
	eventTypes[TypeLineStatus] = func() EventBody { return new(LineStatus) }
}

// LineStatus says that the agent's line with sequence number Line reached Status on the
// customer's channel; a failed line says why in Reason (TynTec's words, or the 24-hour rule).
type LineStatus struct {
	Line   uint64    `json:"line"`
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// EventType implements [EventBody].
func (*LineStatus) EventType() Type { return TypeLineStatus }
