package tyntec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// MaxEventBytes bounds a webhook call's body: TynTec's events are a few hundred bytes (media
// come by URL).
const MaxEventBytes = 64 << 10

// ErrBadEvent is a webhook body that is not a TynTec event Parley can apply.
var ErrBadEvent = errors.New("tyntec: bad event")

// ParseEvent reads a webhook call's body.
func ParseEvent(body []byte) (Event, error) {
	if len(body) > MaxEventBytes {
		return Event{}, fmt.Errorf("%w: %d bytes, at most %d", ErrBadEvent, len(body), MaxEventBytes)
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	switch {
	case e.MessageID == "" || !utf8.ValidString(e.MessageID) || strings.ContainsRune(e.MessageID, 0) || len(e.MessageID) > 200:
		return Event{}, fmt.Errorf("%w: no usable messageId", ErrBadEvent)
	case e.Event == EventMoMessage:
		if e.Content == nil {
			return Event{}, fmt.Errorf("%w: a message without content", ErrBadEvent)
		}
		if _, err := Phone(e.From); err != nil {
			return Event{}, fmt.Errorf("%w: from: %v", ErrBadEvent, err)
		}
	case strings.HasPrefix(e.Event, EventStatusPrefix):
	default:
		return Event{}, fmt.Errorf("%w: unknown event %q", ErrBadEvent, e.Event)
	}
	return e, nil
}

// Phone brings a number TynTec gives (with or without "+") to E.164 form.
func Phone(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	if len(s) < 6 || len(s) > 15 || s[0] == '0' {
		return "", fmt.Errorf("%q is not an international number", s)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%q is not an international number", s)
		}
	}
	return "+" + s, nil
}

// SameNumber reports whether two numbers are the same, whatever their "+", spaces or
// punctuation: TynTec writes the connector's number without "+", the admin pages may keep it
// with. An empty number is nobody's.
func SameNumber(a, b string) bool {
	digits := func(s string) string {
		var out []rune
		for _, r := range s {
			if r >= '0' && r <= '9' {
				out = append(out, r)
			}
		}
		return string(out)
	}
	da := digits(a)
	return da != "" && da == digits(b)
}

// Status maps a status event to the delivery state Parley keeps; ok is false for states that
// change nothing an agent sees (TynTec's intermediate ones).
func Status(e Event) (state string, ok bool) {
	s := strings.ToLower(strings.TrimPrefix(e.Event, EventStatusPrefix))
	if e.Status != "" {
		s = strings.ToLower(e.Status)
	}
	switch s {
	case "delivered":
		return store.WhatsAppDelivered, true
	case "seen", "read":
		return store.WhatsAppRead, true
	case "failed", "channelfailed", "unknown":
		return store.WhatsAppFailed, true
	}
	return "", false
}

// FailureReason is what a failed message's status report says of why, bounded for a chat
// event; "" when it says nothing.
func FailureReason(e Event) string {
	if e.Details == nil {
		return ""
	}
	r := strings.TrimSpace(e.Details.Message)
	if c := strings.TrimSpace(e.Details.Code); c != "" {
		if r == "" {
			r = c
		} else {
			r += " (" + c + ")"
		}
	}
	r = strings.ToValidUTF8(strings.ReplaceAll(r, "\x00", ""), "")
	return truncate(r, 300)
}

// Line is one chat line an inbound message becomes: text, or media to fetch.
type Line struct {
	Text  string
	Media *InboundMedia
}

// Lines splits an inbound message into the chat's lines: media with a caption become the
// media line and then the caption as a text line (OneContact's split), so that the agent's
// transcript reads as the customer's phone shows it. Content Parley cannot show (a location, a
// contact card) becomes a text line saying what came.
func Lines(c Content) []Line {
	switch c.ContentType {
	case ContentText:
		if strings.TrimSpace(c.Text) == "" {
			return nil
		}
		return []Line{{Text: c.Text}}
	case ContentMedia, ContentImage, ContentDocument, ContentVideo, ContentAudio:
		m := c.Media
		if m == nil {
			for _, r := range []*MediaRef{c.Image, c.Document, c.Video, c.Audio} {
				if r != nil {
					m = &InboundMedia{Type: c.ContentType, URL: r.URL, Caption: r.Caption, Filename: r.Filename}
				}
			}
		}
		if m == nil || m.URL == "" {
			return []Line{{Text: "[" + c.ContentType + "]"}}
		}
		media := *m
		caption := strings.TrimSpace(media.Caption)
		media.Caption = ""
		out := []Line{{Media: &media}}
		if caption != "" {
			out = append(out, Line{Text: caption})
		}
		return out
	}
	return []Line{{Text: "[" + strings.ToValidUTF8(c.ContentType, "") + "]"}}
}

// Delivery is the agents' name (protocol.Delivery*) of a line's state in the outbox.
func Delivery(status string) string {
	switch status {
	case store.WhatsAppDelivered:
		return protocol.DeliveryDelivered
	case store.WhatsAppRead:
		return protocol.DeliveryRead
	case store.WhatsAppFailed:
		return protocol.DeliveryFailed
	}
	return protocol.DeliverySent
}
