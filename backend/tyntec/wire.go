package tyntec

import "time"

// The content types of TynTec's messages that Parley sends and receives.
const (
	ContentText     = "text"
	ContentImage    = "image"
	ContentDocument = "document"
	ContentVideo    = "video"
	ContentAudio    = "audio"
	ContentMedia    = "media" // inbound: the media object says which kind
	ContentTemplate = "template"
	ChannelWhatsApp = "whatsapp"
)

// MessageRequest is the body of POST /conversations/v3/messages.
type MessageRequest struct {
	To      string  `json:"to"`
	From    string  `json:"from"`
	Channel string  `json:"channel"`
	Content Content `json:"content"`
}

// Content is a message's content: one of its fields, named by ContentType.
type Content struct {
	ContentType string    `json:"contentType"`
	Text        string    `json:"text,omitempty"`
	Image       *MediaRef `json:"image,omitempty"`
	Document    *MediaRef `json:"document,omitempty"`
	Video       *MediaRef `json:"video,omitempty"`
	Audio       *MediaRef `json:"audio,omitempty"`
	Template    *Template `json:"template,omitempty"`
	// Media is what inbound messages carry for every kind of media.
	Media *InboundMedia `json:"media,omitempty"`
}

// MediaRef names media by a URL TynTec fetches, with an optional caption or file name.
type MediaRef struct {
	URL      string `json:"url"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Template is an approved WhatsApp template with the values of its body's parameters.
type Template struct {
	TemplateID       string              `json:"templateId"`
	TemplateLanguage string              `json:"templateLanguage"`
	Components       *TemplateComponents `json:"components,omitempty"`
}

// TemplateComponents hold the parameters of a template's parts; Parley fills the body's.
type TemplateComponents struct {
	Body []TemplateParam `json:"body,omitempty"`
}

// TemplateParam is one parameter value.
type TemplateParam struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// MessageResponse is TynTec's answer to an accepted message (202).
type MessageResponse struct {
	MessageID string `json:"messageId"`
}

// Problem is TynTec's error body (RFC 7807).
type Problem struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// Event is a webhook call: an inbound message (Event "MoMessage") or a status report
// ("MessageStatus::delivered", "MessageStatus::seen", ...).
type Event struct {
	Event     string    `json:"event"`
	MessageID string    `json:"messageId"`
	Channel   string    `json:"channel"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Timestamp time.Time `json:"timestamp"`
	Content   *Content  `json:"content,omitempty"`
	// Status is a status report's state (accepted, delivered, seen, failed, ...).
	Status   string        `json:"status,omitempty"`
	WhatsApp *WhatsAppInfo `json:"whatsapp,omitempty"`
	// Details say why a message failed (a status report of "failed" or "channelFailed").
	Details *StatusDetails `json:"details,omitempty"`
}

// StatusDetails are TynTec's reason for a failed message: WhatsApp's error code and message.
type StatusDetails struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// WhatsAppInfo is what WhatsApp adds to an inbound message.
type WhatsAppInfo struct {
	SenderName string `json:"senderName,omitempty"`
}

// InboundMedia is a customer's media: TynTec keeps it at URL, fetched with the API key.
type InboundMedia struct {
	Type     string `json:"type"`
	URL      string `json:"url"`
	MediaID  string `json:"mediaId,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// EventMoMessage names an inbound message; status events start with EventStatusPrefix.
const (
	EventMoMessage    = "MoMessage"
	EventStatusPrefix = "MessageStatus::"
)
