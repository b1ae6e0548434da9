package protocol

import "strings"

// Translation: when a tenant has a translation service and the visitor's language is not the
// agent's, each visitor line reaches agents translated into the agent's language and each
// agent line reaches the visitor translated into the visitor's language (WhosOn's "Handling
// Translation"). A translated line is one [Message] for both sides: Text stays what its sender
// wrote, so that every client that knows nothing of translation keeps working (it shows the
// original), and [Message.Translation] carries the other language. A client shows the
// translation when its reader's language is Translation.To and keeps the original at hand.
// The server translates before it stores the line, waiting at most a few seconds for the
// service; a line the service could not translate goes out as it was written, marked with
// Translation.Failed. An agent turns translation off for a chat, and on again, with
// [TranslateSet]; agents learn of it by the durable, agents-only [ChatTranslation].
//
// An agent who comes into a chat in another language than the one its visitor lines were
// translated into (a transfer, an invitation) gets those lines translated again into their
// language by the durable, agents-only [ChatRetranslation]; the lines themselves, originals
// and first translations, stay as they were.
const (
	TypeTranslateSet      Type = "chat.translate"
	TypeChatTranslation   Type = "chat.translation"
	TypeChatRetranslation Type = "chat.retranslation"
)

func init() {
	commandTypes[TypeTranslateSet] = commandSpec{func() CommandBody { return new(TranslateSet) }, false, true}
	eventTypes[TypeChatTranslation] = func() EventBody { return new(ChatTranslation) }
	eventTypes[TypeChatRetranslation] = func() EventBody { return new(ChatRetranslation) }
}

// Translation is the other language of a translated line.
type Translation struct {
	// From is the language Text was written in, To the language of this translation
	// (ISO 639-1 codes, lower case).
	From string `json:"from"`
	To   string `json:"to"`
	// Text is the line in To; empty when Failed.
	Text string `json:"text,omitempty"`
	// Failed says the service could not translate the line (an error, no answer in time): it
	// went out as it was written.
	Failed bool `json:"failed,omitempty"`
}

// For returns the text a reader of language lang should read first: the translation when it
// is in lang, else the original. A nil Translation reads the original.
func (t *Translation) For(lang, original string) (text string, translated bool) {
	if t == nil || t.Failed || t.Text == "" || BaseLang(lang) != BaseLang(t.To) {
		return original, false
	}
	return t.Text, true
}

// BaseLang is the language of a tag ("fr-BE" → "fr"), lower case; "" when there is none.
func BaseLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyz") != "" {
		return ""
	}
	return tag
}

// TranslateSet turns translation of the chat off (On false) or on again. Only an agent in the
// chat who writes to the visitor may; a chat that cannot translate (its tenant has no service,
// or its channel translates by itself) is refused with conflict. Lines sent after the answer
// follow the new setting.
type TranslateSet struct {
	inChat
	On bool `json:"on"`
}

// CommandType implements [CommandBody].
func (*TranslateSet) CommandType() Type { return TypeTranslateSet }

// Validate implements [CommandBody].
func (*TranslateSet) Validate() error { return nil }

// ChatTranslation says an agent turned the chat's translation on or off; durable, agents only.
type ChatTranslation struct {
	On     bool   `json:"on"`
	UserID int64  `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
}

// EventType implements [EventBody].
func (*ChatTranslation) EventType() Type { return TypeChatTranslation }

// ChatRetranslation gives the visitor's earlier lines of a chat in another agent's language
// (Lang), for an agent who came into the chat in that language; durable, agents only. A client
// whose reader's language is Lang shows each line's text here in place of its first
// translation, keeping the original at hand as ever.
type ChatRetranslation struct {
	Lang  string             `json:"lang"`
	Lines []RetranslatedLine `json:"lines"`
}

// RetranslatedLine is one earlier line in the new language: Seq is the number of its message
// event.
type RetranslatedLine struct {
	Seq         uint64      `json:"seq"`
	Translation Translation `json:"translation"`
}

// EventType implements [EventBody].
func (*ChatRetranslation) EventType() Type { return TypeChatRetranslation }
