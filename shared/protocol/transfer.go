package protocol

import (
	"time"

	"github.com/parleychat/parley/shared/limits"
)

// The transfer command and event types (Znuny "transfer" / "channel change").
const (
	TypeChatTransfer   Type = "chat.transfer"
	TypeTransferCancel Type = "transfer.cancel"
	TypeTransfer       Type = "transfer"
)

func init() {
	commandTypes[TypeChatTransfer] = commandSpec{func() CommandBody { return new(ChatTransfer) }, false, true}
	commandTypes[TypeTransferCancel] = commandSpec{func() CommandBody { return new(TransferCancel) }, false, true}
	eventTypes[TypeTransfer] = func() EventBody { return new(Transfer) }
}

// ChatTransfer hands a chat its owner (or a supervisor of the tenant) handles to another agent
// (UserID), to an ACD group (GroupID) or to another connector (ConnectorID, routed as a new
// chat of that connector would be); exactly one is set. The chat is routed again with the
// target's rules and keeps its history and its place in the queue; the owner keeps it, and can
// go on writing, until an agent accepts the offer; if nobody accepts within the connector's
// connect wait, the transfer fails and the owner keeps the chat. Note, if given, is shown to the
// receiving agent with the offer and to the agents in the chat, never to the visitor. The
// [Transfer] events tell how it goes.
type ChatTransfer struct {
	inChat
	UserID      int64  `json:"user_id,omitempty"`
	GroupID     int64  `json:"group_id,omitempty"`
	ConnectorID int64  `json:"connector_id,omitempty"`
	Note        string `json:"note,omitempty"`
}

// CommandType implements [CommandBody].
func (*ChatTransfer) CommandType() Type { return TypeChatTransfer }

// Validate implements [CommandBody].
func (c *ChatTransfer) Validate() error {
	n := 0
	for _, f := range []struct {
		name string
		v    int64
	}{{"user_id", c.UserID}, {"group_id", c.GroupID}, {"connector_id", c.ConnectorID}} {
		if f.v < 0 {
			return &Error{Code: CodeInvalid, Field: f.name, Message: f.name + " must be positive"}
		}
		if err := checkSafe(f.name, uint64(f.v)); err != nil {
			return err
		}
		if f.v > 0 {
			n++
		}
	}
	if n != 1 {
		return &Error{Code: CodeInvalid, Field: "user_id", Message: "name one target: an agent (user_id), a group (group_id) or a connector (connector_id)"}
	}
	return checkRunes("note", c.Note, limits.MessageRunes)
}

// TransferCancel withdraws the chat's pending transfer; the owner keeps the chat.
type TransferCancel struct{ inChat }

// CommandType implements [CommandBody].
func (*TransferCancel) CommandType() Type { return TypeTransferCancel }

// Validate implements [CommandBody].
func (*TransferCancel) Validate() error { return nil }

// TransferState is where a transfer stands.
type TransferState string

// The states of a transfer.
const (
	// TransferPending: the chat is being routed to the target; its owner keeps it meanwhile.
	TransferPending TransferState = "pending"
	// TransferAccepted: an agent accepted; they own the chat now and the former owner left.
	TransferAccepted TransferState = "accepted"
	// TransferFailed: the transfer ended without a handover (Reason says why); the owner
	// keeps the chat.
	TransferFailed TransferState = "failed"
)

// Transfer tells the agents in a chat how its transfer goes: requested (pending, with the
// target and the note), accepted (To names the new owner) or failed (Reason: "timeout" when
// nobody accepted within the connect wait, "declined", "canceled", "closed", "requeued").
// Durable and for agents only, so that an app that reloads shows a pending transfer again.
type Transfer struct {
	State TransferState `json:"state"`
	// By is the agent who asked for the transfer.
	By Participant `json:"by"`
	// ToUserID, ToGroupID or ToConnectorID is the target, ToName its name.
	ToUserID      int64     `json:"to_user_id,omitempty"`
	ToGroupID     int64     `json:"to_group_id,omitempty"`
	ToConnectorID int64     `json:"to_connector_id,omitempty"`
	ToName        string    `json:"to_name,omitempty"`
	Note          string    `json:"note,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	At            time.Time `json:"at"`
}

// EventType implements [EventBody].
func (*Transfer) EventType() Type { return TypeTransfer }

// TransferInfo marks an [Offer] as a transfer: who hands the chat on, and their note.
type TransferInfo struct {
	From Participant `json:"from"`
	Note string      `json:"note,omitempty"`
}
