package micc

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// ChatEventType is MiCC's ChatEventType: what a ChatEvent's Data holds.
type ChatEventType int

// The event types, with MiCC's values.
const (
	MessageReceived ChatEventType = 0
	AgentJoined     ChatEventType = 1
	AgentLeft       ChatEventType = 2
	AgentTyping     ChatEventType = 3
	ChatStateEvent  ChatEventType = 4
)

// ChatState is MiCC's ChatState.
type ChatState int

// The chat states, with MiCC's values.
const (
	Queued     ChatState = 0
	Handling   ChatState = 1
	Terminated ChatState = 2
)

// TerminationCause is MiCC's TerminationCause.
type TerminationCause int

// The termination causes, with MiCC's values.
const (
	General     TerminationCause = 0
	GroupClosed TerminationCause = 1
)

// RequestChatRequest asks for a chat.
type RequestChatRequest struct {
	SessionID        string
	CustomerID       string
	CustomerName     string
	EmailAddress     string
	PhoneNumber      string
	TenantID         *int
	ServiceGroupID   int
	ServiceGroupName string
	PrivateData      string
	TimeZoneOffset   int
}

// RequestChatResponse answers RequestChat. ChatID is null when the group is closed.
type RequestChatResponse struct {
	ChatID            *string
	Message           string
	SessionID         int
	QueuePosition     int
	EstimatedWaitTime int
}

// ChatRequest names a chat (LeaveChatRequest, SendTypingRequest, GetChatInfoRequest).
type ChatRequest struct {
	ChatID string
}

// SendChatMessageRequest sends a customer's message, or an attachment named by Message.
type SendChatMessageRequest struct {
	ChatID     string
	Message    string
	Attachment Bytes
}

// GetEventsRequest long-polls for a chat's events. After is Parley's addition: the highest
// Seq the client processed.
type GetEventsRequest struct {
	ChatID  string
	Timeout int
	After   *uint64
}

// GetEventsResponse carries the events.
type GetEventsResponse struct {
	Events []ChatEvent
}

// ChatEvent is one event; Seq is Parley's addition (see the package doc).
type ChatEvent struct {
	EventType ChatEventType
	Data      any
	Seq       uint64
}

// MessageReceivedEvent is a message from an agent or the system.
type MessageReceivedEvent struct {
	ChatID     string
	Name       string
	Message    string
	System     bool
	TimeStamp  DateTime
	Attachment Bytes
}

// AgentEvent is the data of AgentJoined, AgentLeft and AgentTyping.
type AgentEvent struct {
	ChatID string
	Name   string
}

// ChatStateEventData is the data of a ChatState event.
type ChatStateEventData struct {
	ChatID            string
	State             ChatState
	QueuePosition     int
	EstimatedWaitTime int
	TerminationCause  TerminationCause
}

// GetChatInfoResponse answers GetChatInfo.
type GetChatInfoResponse struct {
	State         ChatState
	QueuePosition int
}

// GetQueueInfoRequest names a service group.
type GetQueueInfoRequest struct {
	TenantID         *int
	ServiceGroupID   int
	ServiceGroupName string
}

// GetQueueInfoResponse answers GetQueueInfo.
type GetQueueInfoResponse struct {
	EstimatedWaitTime int
	Open              bool
}

// GetChatConfigurationResponse answers GetChatConfiguration. MaxAttachmentSize is in bytes.
type GetChatConfigurationResponse struct {
	MaxMessageLength          int
	MaxAttachmentSize         int
	AllowedAttachmentTypes    []string
	RestrictedAttachmentTypes []string
}

// Fault is the body of a failed request.
type Fault struct {
	Message       string
	ExceptionType string
	Code          string
}

// DateTime is a time written as WCF's JSON serializer writes it: "\/Date(ms)\/".
type DateTime time.Time

// MarshalJSON implements json.Marshaler.
func (d DateTime) MarshalJSON() ([]byte, error) {
	return []byte(`"\/Date(` + strconv.FormatInt(time.Time(d).UnixMilli(), 10) + `)\/"`), nil
}

// Bytes is a byte[]: written as an array of numbers (WCF), read from such an array or from a
// base64 string.
type Bytes []byte

// MarshalJSON implements json.Marshaler; nil is null.
func (b Bytes) MarshalJSON() ([]byte, error) {
	if b == nil {
		return []byte("null"), nil
	}
	out := make([]byte, 0, len(b)*4+2)
	out = append(out, '[')
	for i, c := range b {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendInt(out, int64(c), 10)
	}
	return append(out, ']'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (b *Bytes) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*b = nil
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return errors.New("Attachment is neither an array of bytes nor base64")
		}
		*b = raw
		return nil
	}
	var nums []int
	if err := json.Unmarshal(data, &nums); err != nil {
		return errors.New("Attachment is neither an array of bytes nor base64")
	}
	out := make([]byte, len(nums))
	for i, n := range nums {
		if n < 0 || n > 255 {
			return errors.New("Attachment holds a number that is not a byte")
		}
		out[i] = byte(n)
	}
	*b = out
	return nil
}
