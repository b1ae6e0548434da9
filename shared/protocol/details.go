package protocol

import "github.com/parleychat/parley/shared/limits"

// Write first, details later: a connector may let the visitor write at once and give their name
// and pre-chat answers while they wait (the connector's "write_first" widget option). The widget
// then requests the chat with [ChatRequest.Later] and the first message as its question; the
// chat queues and routes as any other, and the visitor answers the pre-chat form with
// [DetailsSubmit] while waiting. The required fields stay required: the server checks the
// answers as it checks those of an ordinary request, and the widget keeps asking until they
// are given.
//
// Sneak peek: a connector may let agents see what the visitor types before sending it
// ([Connected.Preview]). The widget tells the visitor so and lets them turn it off; the server
// passes a [Preview] on only from a visitor who agreed ([ChatRequest.PreviewConsent], then
// [PreviewConsent] for every change) and drops the others.
const (
	TypeDetailsSubmit  Type = "details.submit"
	TypePreviewConsent Type = "preview.consent"
)

// DetailsSubmit gives the visitor's name and pre-chat answers after a chat requested with
// [ChatRequest.Later]. The answers are checked against the connector's pre-chat fields, the
// required ones included; a name is required unless the chat has one or a name field answers
// it. It is acked once stored; the agents see it as [FieldSet] with Survey "pre".
type DetailsSubmit struct {
	inChat
	Name   string            `json:"name,omitempty"`
	Email  string            `json:"email,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// CommandType implements [CommandBody].
func (*DetailsSubmit) CommandType() Type { return TypeDetailsSubmit }

// Validate implements [CommandBody].
func (c *DetailsSubmit) Validate() error {
	return firstErr(checkRunes("name", c.Name, limits.NameRunes), checkRunes("email", c.Email, limits.EmailRunes),
		checkData("fields", c.Fields))
}

// PreviewConsent records whether the visitor lets agents see their unsent text. Previews
// sent while it is off are dropped by the server. It is acked.
type PreviewConsent struct {
	inChat
	On bool `json:"on"`
}

// CommandType implements [CommandBody].
func (*PreviewConsent) CommandType() Type { return TypePreviewConsent }

// Validate implements [CommandBody].
func (*PreviewConsent) Validate() error { return nil }

// The write-first and consent commands join the closed set here, beside their definitions.
func init() {
	commandTypes[TypeDetailsSubmit] = commandSpec{func() CommandBody { return new(DetailsSubmit) }, true, false}
	commandTypes[TypePreviewConsent] = commandSpec{func() CommandBody { return new(PreviewConsent) }, true, false}
}
