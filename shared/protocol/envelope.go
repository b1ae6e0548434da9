package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

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
// malformed JSON, other protocol versions, frames that are not valid UTF-8, unknown types,
// commands the role may not send, a missing chat on chat commands and bodies that fail
// validation, each with an [*Error] whose Code is stable (a field over its limit is
// [CodeTooLarge], as the validators say). The returned error carries the command id whenever the
// frame had a usable one, so the answer can name it.
func DecodeCommand(frame []byte, role Role) (Command, error) {
	if len(frame) > limits.FrameBytes {
		return Command{}, &Error{Code: CodeTooLarge, Message: fmt.Sprintf("frame of %d bytes exceeds %d", len(frame), limits.FrameBytes)}
	}
	return decodeCommand(frame, role, true)
}

// decodeCommand is DecodeCommand, with quickCommand when quick is set.
func decodeCommand(frame []byte, role Role, quick bool) (Command, error) {
	var env Envelope
	var body CommandBody
	ok := false
	if quick {
		env, body, ok = quickCommand(frame)
	}
	if !ok {
		body = nil
		if err := json.Unmarshal(frame, &env); err != nil || isNull(frame) {
			return Command{}, envelopeError(err, usableID(env.ID))
		}
	}
	id := usableID(env.ID) // the id errors echo: an id over its limit is never echoed
	fail := func(code Code, field, format string, args ...any) (Command, error) {
		return Command{}, &Error{ID: id, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if env.V != Version {
		return fail(CodeBadVersion, "v", "protocol version %d is not supported, this server speaks %d", env.V, Version)
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD instead of failing, so it is checked here.
	if !utf8.Valid(frame) {
		return fail(CodeInvalid, "", "frame is not valid UTF-8")
	}
	if hasEscapedNUL(frame) {
		return Command{}, withID(errNUL(""), id)
	}
	if err := checkRunes("id", env.ID, limits.IDRunes); err != nil {
		return Command{}, withID(err, "")
	}
	if env.ID == "" {
		return fail(CodeInvalid, "id", "command id is required")
	}
	if err := checkRunes("chat", env.Chat, limits.IDRunes); err != nil {
		return Command{}, withID(err, id)
	}
	spec, ok := commandTypes[env.Type]
	if !ok {
		return fail(CodeUnknownType, "type", "unknown command type %q", env.Type)
	}
	if !spec.allows(role) {
		return fail(CodeForbidden, "type", "a %s may not send %q", role, env.Type)
	}
	if body == nil { // not decoded by quickCommand
		body = spec.new()
		if len(env.Data) > 0 && !isNull(env.Data) {
			dec := json.NewDecoder(bytes.NewReader(env.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(body); err != nil {
				var typeErr *json.UnmarshalTypeError
				field := ""
				if errors.As(err, &typeErr) {
					field = typeErr.Field
				}
				return fail(CodeInvalid, field, "data of %q: %v", env.Type, err)
			}
		}
	}
	if _, scoped := body.(chatScoped); scoped && env.Chat == "" {
		return fail(CodeInvalid, "chat", "%q needs a chat", env.Type)
	}
	if err := body.Validate(); err != nil {
		return Command{}, withID(err, id)
	}
	return Command{ID: env.ID, Chat: env.Chat, Body: body}, nil
}

// isNull reports whether a JSON text is the literal null, which decodes into a struct without
// error but is no envelope (or no body).
func isNull(b []byte) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// envelopeError describes a frame that is not a JSON envelope. A frame that is JSON but has an
// envelope field of the wrong type may still have decoded a usable id, which id carries.
func envelopeError(err error, id string) *Error {
	e := &Error{ID: id, Code: CodeBadJSON, Message: "frame is not a JSON envelope"}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		e.Field = typeErr.Field
		e.Message = fmt.Sprintf("envelope field %q has the wrong type", typeErr.Field)
	}
	return e
}

// usableID returns id when it may be echoed in an answer, "" otherwise.
func usableID(id string) string {
	if checkRunes("id", id, limits.IDRunes) != nil {
		return ""
	}
	return id
}

// withID turns a validation error into an [*Error] answering the command id, keeping the
// validator's code and field.
func withID(err error, id string) *Error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.ID = id
		return &c
	}
	return &Error{ID: id, Code: CodeInvalid, Message: err.Error()}
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
	t := e.Body.EventType()
	frame, _ := appendEnvelope(make([]byte, 0, frameSize+len(t)+len(e.ID)+len(e.Chat)+len(data)), t, e.ID, e.Chat, e.Seq, data, true)
	return frame, nil
}

// EncodeStored writes the frame of a durable event kept as its type and JSON body (as the store
// keeps them), without decoding the body: the frame is written around the body's bytes
// (stored.go), byte for byte what json.Marshal of the [Envelope] gives.
func EncodeStored(t Type, chat string, seq uint64, data json.RawMessage) ([]byte, error) {
	if _, ok := eventTypes[t]; !ok {
		return nil, fmt.Errorf("protocol: unknown event type %q", t)
	}
	if frame, ok := appendEnvelope(make([]byte, 0, frameSize+len(t)+len(chat)+len(data)), t, "", chat, seq, data, false); ok {
		return frame, nil
	}
	return json.Marshal(Envelope{V: Version, Type: t, Chat: chat, Seq: seq, Data: data})
}

// DecodeEvent parses one server frame, as clients do. Unknown event types are refused with
// [CodeUnknownType] so that a client notices it is older than the server; extra fields inside a
// known event are tolerated so that the server can add information without breaking clients.
func DecodeEvent(frame []byte) (Event, error) {
	var env Envelope
	if err := json.Unmarshal(frame, &env); err != nil || isNull(frame) {
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
	if len(env.Data) > 0 && !isNull(env.Data) {
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
