package protocol

import (
	"encoding/json"
	"time"
)

// EncodeMessage is json.Marshal of a chat line, written by hand for the lines that are
// nothing but text (no file, no translation): the server encodes every line once, as it is
// stored, and encoding/json reflected over the struct and its time for each of them. The bytes
// are json.Marshal's (FuzzEncodeMessage); any other line goes through json.Marshal itself.
func EncodeMessage(m *Message) ([]byte, error) {
	if m.File != nil || m.Translation != nil || !plainTime(m.At) {
		return json.Marshal(m)
	}
	b := make([]byte, 0, 96+len(m.Role)+len(m.Name)+len(m.Text)+len(m.Key)+len(m.Class)+len(m.ClientID))
	b = append(b, `{"role":`...)
	b = appendJSONString(b, string(m.Role))
	if m.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, m.Name)
	}
	b = append(b, `,"text":`...)
	b = appendJSONString(b, m.Text)
	if m.Key != "" {
		b = append(b, `,"key":`...)
		b = appendJSONString(b, m.Key)
	}
	if m.Class != "" {
		b = append(b, `,"class":`...)
		b = appendJSONString(b, m.Class)
	}
	if m.ClientID != "" {
		b = append(b, `,"client_id":`...)
		b = appendJSONString(b, m.ClientID)
	}
	if m.HideLocal {
		b = append(b, `,"hide_local":true`...)
	}
	if m.Internal {
		b = append(b, `,"internal":true`...)
	}
	b = append(b, `,"at":"`...)
	b = m.At.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...), nil
}

// plainTime says whether t encodes in JSON as its RFC 3339 form with nanoseconds, which is
// what time.Time.MarshalJSON writes for a four-digit year and a zone offset of whole minutes
// under a day; it refuses the others, and json.Marshal gives that error.
func plainTime(t time.Time) bool {
	_, off := t.Zone()
	y := t.Year()
	return y >= 0 && y <= 9999 && off%60 == 0 && off > -24*3600 && off < 24*3600
}
