// Package limits holds every size and count limit of the Parley protocol in one place, so that
// the server, the visitor widget and the agent app refuse the same inputs for the same reasons.
//
// Lengths are counted in Unicode code points (runes), as a person counts characters, not bytes.
package limits

const (
	// MessageRunes is the longest chat message by default: 4000 characters, as the WhosOn Chat
	// API allows for a line. A connector may lower it for its visitors, never raise it.
	MessageRunes = 4000
	// PreviewRunes bounds the live preview of what a visitor is typing.
	PreviewRunes = MessageRunes
	// NameRunes bounds a visitor's or agent's display name.
	NameRunes = 100
	// EmailRunes bounds an e-mail address (RFC 5321 path limit).
	EmailRunes = 254
	// PhoneRunes bounds a phone number as typed by a person.
	PhoneRunes = 40
	// IDRunes bounds identifiers chosen by clients: command ids, customer ids, connector hashes.
	IDRunes = 128
	// URLRunes bounds page, referrer and file URLs.
	URLRunes = 2048
	// UserAgentRunes bounds a browser user-agent string.
	UserAgentRunes = 512
	// DataEntries bounds the number of entries in each free-form map (pdata, udata, survey fields).
	DataEntries = 50
	// DataKeyRunes bounds a key of such a map.
	DataKeyRunes = 64
	// DataValueRunes bounds a value of such a map.
	DataValueRunes = 1000
	// FrameBytes is the largest WebSocket frame a server or client reads: a message of
	// MessageRunes four-byte characters plus the envelope fits with room to spare.
	FrameBytes = 64 << 10
	// TokenRunes bounds session and chat tokens presented by clients.
	TokenRunes = 256
	// FileNameRunes bounds the name of a shared file, as most file systems do (255).
	FileNameRunes = 255
	// LabelRunes bounds a one-line text of the widget a connector sets: its heading, the hint in
	// the message box. Longer ones would not fit the widget's width.
	LabelRunes = 200
)
