package protocol

import "fmt"

// Code is a stable, machine-readable error code. Clients branch on codes, never on messages,
// which are for people and may change.
type Code string

// The error codes. Adding one is a protocol change; renaming one is a breaking change.
const (
	// CodeBadJSON: the frame is not valid JSON or not an envelope.
	CodeBadJSON Code = "bad_json"
	// CodeBadVersion: the envelope's version is not [Version].
	CodeBadVersion Code = "bad_version"
	// CodeUnknownType: the type is not in the closed set.
	CodeUnknownType Code = "unknown_type"
	// CodeTooLarge: the frame or a field is over its limit.
	CodeTooLarge Code = "too_large"
	// CodeInvalid: a field is missing or malformed.
	CodeInvalid Code = "invalid"
	// CodeUnauthorized: no valid session or chat token.
	CodeUnauthorized Code = "unauthorized"
	// CodeForbidden: the role may not send this command, or the client is not in that chat.
	CodeForbidden Code = "forbidden"
	// CodeNotFound: the connector, chat or status named does not exist.
	CodeNotFound Code = "not_found"
	// CodeNotConnected: a command came before the connection's connect command.
	CodeNotConnected Code = "not_connected"
	// CodeConflict: the command does not fit the chat's state (say, a message to a closed chat).
	CodeConflict Code = "conflict"
	// CodeOutOfService: the connector is outside its opening hours or switched out of service.
	CodeOutOfService Code = "out_of_service"
	// CodeRateLimited: too many connects or commands; try again later.
	CodeRateLimited Code = "rate_limited"
	// CodeUnsupported: the server knows the command but does not offer it (yet, or here).
	CodeUnsupported Code = "unsupported"
	// CodeBusy: the server cannot take the command now (it is catching up on writes); retry
	// it with the same id after a short pause.
	CodeBusy Code = "busy"
	// CodeInternal: the server failed; the command may be retried with the same id.
	CodeInternal Code = "internal"
	// CodeWindowClosed: the chat's channel takes no free text from agents now (WhatsApp's
	// 24-hour rule: the customer last wrote more than 24 hours ago); an approved template
	// may be sent instead.
	CodeWindowClosed Code = "window_closed"
)

// Error is the body of an "error" event and the error type returned by the decoders. ID names
// the command it answers, when there is one.
type Error struct {
	ID      string `json:"-"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Field names the offending field for validation errors, when known.
	Field string `json:"field,omitempty"`
}

// Error implements error.
// It avoids fmt, which would otherwise be linked into the visitor widget.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// EventType implements [EventBody].
func (*Error) EventType() Type { return TypeError }

// Errorf makes an [*Error] with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CloseCode is a WebSocket close code with which the server ends a connection. Codes from
// 4000 to 4499 mean "reconnect and resume"; codes from 4500 to 4999 mean "do not reconnect
// with the same credentials". Clients decide by [CloseCode.Reconnect], not by listing codes.
type CloseCode int

// The close codes.
const (
	// CloseShutdown: the server is restarting; reconnect (with backoff) and resume.
	CloseShutdown CloseCode = 4000
	// CloseSlow: the client did not read fast enough; reconnect and resume.
	CloseSlow CloseCode = 4001
	// CloseStale: no frame arrived within the heartbeat window; reconnect and resume.
	CloseStale CloseCode = 4002
	// CloseRetry: the server could not go on serving the connection (say, the chat's history
	// could not be read); reconnect and resume.
	CloseRetry CloseCode = 4003
	// CloseTooLarge: the client sent a frame over the hard limit (the standard WebSocket code
	// 1009, "message too big"); do not send it again.
	CloseTooLarge CloseCode = 1009
	// CloseReplaced: the same agent connected elsewhere; this connection is no longer used.
	CloseReplaced CloseCode = 4500
	// CloseBadRequest: the client broke the protocol (say, no connect command in time).
	CloseBadRequest CloseCode = 4501
	// CloseUnauthorized: the session token is invalid or expired; sign in again.
	CloseUnauthorized CloseCode = 4502
	// CloseUnknownConnector: no connector has that hash, or the origin is not allowed for it.
	CloseUnknownConnector CloseCode = 4503
	// CloseForbidden: the client's address is blocked or over its limits.
	CloseForbidden CloseCode = 4504
)

// Reconnect reports whether a client closed with this code should reconnect (with backoff) and
// resume: Parley's codes from 4000 to 4499, and the standard WebSocket codes of a lost
// connection or a server briefly unable to serve, which a browser reports when no Parley code
// came: 1001 going away, 1006 closed without a close frame (network loss, proxy timeout), 1011
// internal error, 1012 service restart, 1013 try again later and 1014 bad gateway. Every other
// code, Parley's 4500 to 4999 included, means do not reconnect with the same credentials.
func (c CloseCode) Reconnect() bool {
	switch c {
	case 1001, 1006, 1011, 1012, 1013, 1014:
		return true
	}
	return c >= 4000 && c < 4500
}
