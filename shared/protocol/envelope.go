package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/parleychat/parley/shared/limits"
)

// Version is the protocol version this code speaks. A frame with another version is refused
// with [CodeBadVersion], so that old clients learn to reload instead of misreading frames.
const Version = 1

// Type names a command or an event on the wire. The set is closed: see [commandTypes] and
// [eventTypes].
type Type string

// Role says who is at the other end of a connection. Commands are allowed per role.
type Role string

// The roles of a connection.
const (
	RoleVisitor Role = "visitor"
	RoleAgent   Role = "agent"
)

// Envelope is the frame every message travels in, in both directions.
type Envelope struct {
	// V is the protocol version, always [Version].
	V int `json:"v"`
	// Type selects the body's Go type.
	Type Type `json:"type"`
	// ID is the client-chosen command id; on an ack or error it names the command answered.
	ID string `json:"id,omitempty"`
	// Chat is the chat a command or event is about, if any.
	Chat string `json:"chat,omitempty"`
	// Seq is the per-chat sequence number of a durable event; zero on everything else.
	Seq uint64 `json:"seq,omitempty"`
	// Data is the body, whose shape depends on Type.
	Data json.RawMessage `json:"data,omitempty"`
}

// Command is a decoded client-to-server frame: its id, the chat it is about and its typed body.
type Command struct {
	ID   string
	Chat string
	Body CommandBody
}

// Event is a server-to-client frame: the chat it belongs to, its sequence number when it is
// durable, the id of the command it answers (acks and errors only) and its typed body.
type Event struct {
	ID   string
	Chat string
	Seq  uint64
	Body EventBody
}

// CommandBody is implemented by every command payload.
type CommandBody interface {
	// CommandType is the wire type of the command.
	CommandType() Type
	// Validate checks the body's fields against the shared limits.
	Validate() error
}

// EventBody is implemented by every event payload.
type EventBody interface {
	// EventType is the wire type of the event.
	EventType() Type
}

// chatScoped is implemented by commands that must name a chat in the envelope.
type chatScoped interface{ needsChat() }

// needsChat marks the embedding command as one that must name a chat.
type inChat struct{}

func (inChat) needsChat() {}

// DecodeCommand parses one frame from a client of the given role. It refuses oversized frames,
// malformed JSON, other protocol versions, unknown types, commands the role may not send, a
// missing chat on chat commands and bodies that fail validation, each with an [*Error] whose
// Code is stable. The returned error carries the command id whenever the frame had one, so the
// answer can name it.
func DecodeCommand(frame []byte, role Role) (Command, error) {
	if len(frame) > limits.FrameBytes {
		return Command{}, &Error{Code: CodeTooLarge, Message: fmt.Sprintf("frame of %d bytes exceeds %d", len(frame), limits.FrameBytes)}
	}
	var env Envelope
	if err := json.Unmarshal(frame, &env); err != nil {
		return Command{}, &Error{Code: CodeBadJSON, Message: "frame is not a JSON envelope"}
	}
	fail := func(code Code, format string, args ...any) (Command, error) {
		return Command{}, &Error{ID: env.ID, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	if env.V != Version {
		return fail(CodeBadVersion, "protocol version %d is not supported, this server speaks %d", env.V, Version)
	}
	if err := checkRunes("id", env.ID, limits.IDRunes); err != nil {
		return Command{ID: ""}, &Error{Code: CodeInvalid, Message: err.Error()}
	}
	if env.ID == "" {
		return fail(CodeInvalid, "command id is required")
	}
	if err := checkRunes("chat", env.Chat, limits.IDRunes); err != nil {
		return fail(CodeInvalid, "%v", err)
	}
	spec, ok := commandTypes[env.Type]
	if !ok {
		return fail(CodeUnknownType, "unknown command type %q", env.Type)
	}
	if !spec.allows(role) {
		return fail(CodeForbidden, "a %s may not send %q", role, env.Type)
	}
	body := spec.new()
	if len(env.Data) > 0 && !bytes.Equal(env.Data, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(env.Data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(body); err != nil {
			return fail(CodeInvalid, "data of %q: %v", env.Type, err)
		}
	}
	if _, scoped := body.(chatScoped); scoped && env.Chat == "" {
		return fail(CodeInvalid, "%q needs a chat", env.Type)
	}
	if err := body.Validate(); err != nil {
		return fail(CodeInvalid, "%v", err)
	}
	return Command{ID: env.ID, Chat: env.Chat, Body: body}, nil
}

// EncodeCommand writes a command frame, as clients do.
func EncodeCommand(c Command) ([]byte, error) {
	if c.Body == nil {
		return nil, fmt.Errorf("protocol: command %q has no body", c.ID)
	}
	data, err := json.Marshal(c.Body)
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s: %w", c.Body.CommandType(), err)
	}
	return json.Marshal(Envelope{V: Version, Type: c.Body.CommandType(), ID: c.ID, Chat: c.Chat, Data: data})
}

// EncodeEvent writes an event frame, as the server does.
func EncodeEvent(e Event) ([]byte, error) {
	if e.Body == nil {
		return nil, fmt.Errorf("protocol: event without body")
	}
	data, err := json.Marshal(e.Body)
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s: %w", e.Body.EventType(), err)
	}
	return json.Marshal(Envelope{V: Version, Type: e.Body.EventType(), ID: e.ID, Chat: e.Chat, Seq: e.Seq, Data: data})
}

// DecodeEvent parses one server frame, as clients do. Unknown event types are refused with
// [CodeUnknownType] so that a client notices it is older than the server; extra fields inside a
// known event are tolerated so that the server can add information without breaking clients.
func DecodeEvent(frame []byte) (Event, error) {
	var env Envelope
	if err := json.Unmarshal(frame, &env); err != nil {
		return Event{}, &Error{Code: CodeBadJSON, Message: "frame is not a JSON envelope"}
	}
	if env.V != Version {
		return Event{}, &Error{Code: CodeBadVersion, Message: fmt.Sprintf("protocol version %d is not supported", env.V)}
	}
	newBody, ok := eventTypes[env.Type]
	if !ok {
		return Event{}, &Error{Code: CodeUnknownType, Message: fmt.Sprintf("unknown event type %q", env.Type)}
	}
	body := newBody()
	if len(env.Data) > 0 && !bytes.Equal(env.Data, []byte("null")) {
		if err := json.Unmarshal(env.Data, body); err != nil {
			return Event{}, &Error{Code: CodeBadJSON, Message: fmt.Sprintf("data of %q: %v", env.Type, err)}
		}
	}
	return Event{ID: env.ID, Chat: env.Chat, Seq: env.Seq, Body: body}, nil
}

// EventBodyFor returns a new, empty body for an event type, for stores that keep durable events
// as type and JSON data and rebuild them for replay.
func EventBodyFor(t Type) (EventBody, bool) {
	f, ok := eventTypes[t]
	if !ok {
		return nil, false
	}
	return f(), true
}
