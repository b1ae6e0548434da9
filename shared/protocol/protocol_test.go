package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// q quotes s as a JSON string.
func q(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// cmd builds a version-1 command frame; data is raw JSON and left out when empty.
func cmd(typ Type, id, chat, data string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"v":1,"type":%s`, q(string(typ)))
	if id != "" {
		fmt.Fprintf(&b, `,"id":%s`, q(id))
	}
	if chat != "" {
		fmt.Fprintf(&b, `,"chat":%s`, q(chat))
	}
	if data != "" {
		fmt.Fprintf(&b, `,"data":%s`, data)
	}
	return b.String() + "}"
}

// obj builds a JSON object from alternating keys and values; values are quoted unless they
// are already raw JSON given as json.RawMessage.
func obj(kv ...any) string {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		var v string
		switch x := kv[i+1].(type) {
		case string:
			v = q(x)
		case json.RawMessage:
			v = string(x)
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		parts = append(parts, q(kv[i].(string))+":"+v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// data builds n entries of a free-form map with the given key and value sizes.
func data(n, keyRunes, valueRunes int) map[string]string {
	m := make(map[string]string, n)
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%d", i)
		k += strings.Repeat("x", max(0, keyRunes-len(k)))
		m[k] = strings.Repeat("ü", valueRunes)
	}
	return m
}

const (
	grin   = "😀" // four bytes in UTF-8, a surrogate pair in UTF-16
	eacute = "é" // two bytes
)

// decodeCase is one frame and what DecodeCommand must make of it.
type decodeCase struct {
	name  string
	role  Role // RoleVisitor when empty
	frame string
	code  Code   // "" means the frame must decode
	id    string // the command id the error must carry
	field string // the field the error must name, when not empty
}

// decodeCases covers every error path of DecodeCommand and the edges that must pass. They also
// seed the fuzz corpus.
func decodeCases() []decodeCase {
	msg := func(text string) string { return cmd(TypeSend, "m1", "ch1", obj("text", text)) }
	req := func(kv ...any) string {
		return cmd(TypeChatRequest, "r1", "", obj(append([]any{"name", "Thomas"}, kv...)...))
	}
	bigFrame := func(size int) string { // a valid ping padded with spaces to size bytes
		f := cmd(TypePing, "p1", "", "")
		return f[:len(f)-1] + strings.Repeat(" ", size-len(f)) + "}"
	}
	return []decodeCase{
		// Frames that decode.
		{name: "ping", frame: cmd(TypePing, "p1", "", "")},
		{name: "ping as agent", role: RoleAgent, frame: cmd(TypePing, "p1", "", "")},
		{name: "ping with empty data", frame: cmd(TypePing, "p1", "", "{}")},
		{name: "ping with null data", frame: cmd(TypePing, "p1", "", "null")},
		{name: "ping with spaced null data", frame: cmd(TypePing, "p1", "", " null ")},
		{name: "ping naming a chat", frame: cmd(TypePing, "p1", "ch1", "")},
		{name: "unknown envelope fields are tolerated", frame: `{"v":1,"type":"ping","id":"p1","trace":"abc","seq":7}`},
		{name: "white space around the frame", frame: " \n\t" + cmd(TypePing, "p1", "", "") + "\r\n"},
		{name: "frame of exactly FrameBytes", frame: bigFrame(limits.FrameBytes)},
		{name: "id of IDRunes multi-byte runes", frame: cmd(TypePing, strings.Repeat(grin, limits.IDRunes), "", "")},
		{name: "chat of IDRunes runes", frame: cmd(TypeClose, "x1", strings.Repeat(eacute, limits.IDRunes), "")},
		{name: "message of 4000 four-byte runes", frame: msg(strings.Repeat(grin, limits.MessageRunes))},
		{name: "message of 4000 two-byte runes", frame: msg(strings.Repeat(eacute, limits.MessageRunes))},
		{name: "message of 4000 escaped surrogate pairs", frame: cmd(TypeSend, "m1", "ch1", `{"text":"`+strings.Repeat(`\ud83d\ude00`, limits.MessageRunes)+`"}`)},
		{name: "preview of 4000 runes", frame: cmd(TypePreview, "v1", "ch1", obj("text", strings.Repeat(grin, limits.PreviewRunes)))},
		{name: "empty preview", frame: cmd(TypePreview, "v1", "ch1", obj("text", ""))},
		{name: "name of NameRunes runes", frame: req("name", strings.Repeat(eacute, limits.NameRunes))},
		{name: "pdata at its limits", frame: req("pdata", data(limits.DataEntries, limits.DataKeyRunes, 10))},
		{name: "udata value at its limit", frame: req("udata", data(1, 5, limits.DataValueRunes))},
		{name: "leave.message naming a chat", frame: cmd(TypeLeaveMessage, "l1", "ch1", obj("name", "Thomas", "email", "t@example.com", "text", "Call me"))},
		{name: "leave.message without a chat", frame: cmd(TypeLeaveMessage, "l1", "", obj("name", "Thomas", "phone", "+49 30 1234", "text", "Call me"))},
		{name: "typing off", frame: cmd(TypeTyping, "t1", "ch1", obj("on", false))},
		{name: "survey with no fields", frame: cmd(TypeSurveySubmit, "s1", "ch1", "")},

		// bad_json: not JSON, or not an envelope.
		{name: "empty frame", frame: "", code: CodeBadJSON},
		{name: "not JSON", frame: "hello", code: CodeBadJSON},
		{name: "truncated", frame: `{"v":1,"type":"ping","id":"p1"`, code: CodeBadJSON},
		{name: "trailing data", frame: cmd(TypePing, "p1", "", "") + " {}", code: CodeBadJSON},
		{name: "two frames", frame: cmd(TypePing, "p1", "", "") + cmd(TypePing, "p2", "", ""), code: CodeBadJSON},
		{name: "array", frame: `[{"v":1,"type":"ping","id":"p1"}]`, code: CodeBadJSON},
		{name: "string", frame: `"ping"`, code: CodeBadJSON},
		{name: "number", frame: `1`, code: CodeBadJSON},
		{name: "null", frame: `null`, code: CodeBadJSON},
		{name: "spaced null", frame: " null\n", code: CodeBadJSON},
		{name: "single quotes", frame: `{'v':1,'type':'ping','id':'p1'}`, code: CodeBadJSON},
		{name: "trailing comma", frame: `{"v":1,"type":"ping","id":"p1",}`, code: CodeBadJSON},
		{name: "version as string, id carried", frame: `{"v":"1","type":"ping","id":"p1"}`, code: CodeBadJSON, id: "p1", field: "v"},
		{name: "fractional version", frame: `{"v":1.5,"type":"ping","id":"p1"}`, code: CodeBadJSON, id: "p1", field: "v"},
		{name: "chat as number, id carried", frame: `{"v":1,"type":"ping","id":"p1","chat":5}`, code: CodeBadJSON, id: "p1", field: "chat"},
		{name: "type as object, id carried", frame: `{"v":1,"type":{},"id":"p1"}`, code: CodeBadJSON, id: "p1", field: "type"},
		{name: "id as number", frame: `{"v":1,"type":"ping","id":7}`, code: CodeBadJSON, id: "", field: "id"},
		{name: "over-long id is not carried on bad_json", frame: `{"v":1,"type":"ping","chat":5,"id":` + q(strings.Repeat("a", limits.IDRunes+1)) + `}`, code: CodeBadJSON, id: ""},
		{name: "negative seq", frame: `{"v":1,"type":"ping","id":"p1","seq":-1}`, code: CodeBadJSON, id: "p1", field: "seq"},

		{name: "byte order mark", frame: "\xef\xbb\xbf" + cmd(TypePing, "p1", "", ""), code: CodeBadJSON},
		{name: "deeply nested data", frame: cmd(TypeChatRequest, "r1", "", `{"name":"T","pdata":`+strings.Repeat("[", 200)+strings.Repeat("]", 200)+`}`), code: CodeInvalid, id: "r1"},
		// encoding/json's leniencies, pinned so that a change of decoder is noticed.
		{name: "duplicate keys: the last wins", frame: `{"v":2,"type":"nope","v":1,"type":"ping","id":"p1"}`},
		{name: "keys match without regard to case", frame: `{"V":1,"Type":"ping","ID":"p1"}`},
		{name: "escaped keys", frame: `{"\u0076":1,"type":"ping","id":"p1"}`},
		{name: "escaped lone surrogate becomes U+FFFD", frame: cmd(TypeSend, "m1", "ch1", `{"text":"\ud800"}`)},

		// bad_version, with the id when there is one.
		{name: "no version", frame: `{"type":"ping","id":"p1"}`, code: CodeBadVersion, id: "p1"},
		{name: "version 0", frame: `{"v":0,"type":"ping","id":"p1"}`, code: CodeBadVersion, id: "p1"},
		{name: "version 2", frame: `{"v":2,"type":"ping","id":"p1"}`, code: CodeBadVersion, id: "p1"},
		{name: "version -1", frame: `{"v":-1,"type":"ping","id":"p1"}`, code: CodeBadVersion, id: "p1"},
		{name: "version 2 of an unknown type", frame: `{"v":2,"type":"hello","id":"p1"}`, code: CodeBadVersion, id: "p1"},
		{name: "version 2 without id", frame: `{"v":2,"type":"ping"}`, code: CodeBadVersion, id: ""},
		{name: "empty object", frame: `{}`, code: CodeBadVersion},
		{name: "over-long id is not carried on bad_version", frame: `{"id":` + q(strings.Repeat("0", limits.IDRunes+1)) + `}`, code: CodeBadVersion, id: ""},
		{name: "over-long id is not carried on invalid UTF-8", frame: `{"v":1,"x":"` + "\xff" + `","id":` + q(strings.Repeat("0", limits.IDRunes+1)) + `}`, code: CodeInvalid, id: ""},

		// Invalid UTF-8 is refused, not silently replaced.
		{name: "invalid UTF-8 in text", frame: `{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"h` + "\xff" + `i"}}`, code: CodeInvalid, id: "m1"},
		{name: "truncated rune in text", frame: `{"v":1,"type":"message.send","id":"m1","chat":"ch1","data":{"text":"` + grin[:3] + `"}}`, code: CodeInvalid, id: "m1"},
		{name: "invalid UTF-8 in an unknown envelope field", frame: `{"v":1,"type":"ping","id":"p1","x":"` + "\xc0\xaf" + `"}`, code: CodeInvalid, id: "p1"},
		{name: "UTF-16 surrogate encoded in UTF-8", frame: `{"v":1,"type":"ping","id":"p1","x":"` + "\xed\xa0\x80" + `"}`, code: CodeInvalid, id: "p1"},
		{name: "invalid UTF-8 after a bad version", frame: `{"v":3,"type":"ping","id":"p1","x":"` + "\xff" + `"}`, code: CodeBadVersion, id: "p1"},

		// The id: required, bounded.
		{name: "no id", frame: cmd(TypePing, "", "", ""), code: CodeInvalid, field: "id"},
		{name: "empty id", frame: `{"v":1,"type":"ping","id":""}`, code: CodeInvalid, field: "id"},
		{name: "no id on an unknown type", frame: cmd("nope", "", "", ""), code: CodeInvalid, field: "id"},
		{name: "no id on a forbidden type", frame: cmd(TypeStatusSet, "", "", `{"status":1}`), code: CodeInvalid, field: "id"},
		{name: "id over IDRunes is not echoed", frame: cmd(TypePing, strings.Repeat(eacute, limits.IDRunes+1), "", ""), code: CodeTooLarge, id: "", field: "id"},

		// The chat: bounded, required by chat commands.
		{name: "chat over IDRunes", frame: cmd(TypeClose, "x1", strings.Repeat("c", limits.IDRunes+1), ""), code: CodeTooLarge, id: "x1", field: "chat"},
		{name: "message without chat", frame: cmd(TypeSend, "m1", "", obj("text", "hi")), code: CodeInvalid, id: "m1", field: "chat"},
		{name: "close with empty chat", frame: `{"v":1,"type":"chat.close","id":"x1","chat":""}`, code: CodeInvalid, id: "x1", field: "chat"},

		// unknown_type, with the id.
		{name: "unknown type", frame: cmd("hello", "p1", "", ""), code: CodeUnknownType, id: "p1", field: "type"},
		{name: "no type", frame: `{"v":1,"id":"p1"}`, code: CodeUnknownType, id: "p1"},
		{name: "types are case-sensitive", frame: cmd("Message.Send", "p1", "ch1", obj("text", "hi")), code: CodeUnknownType, id: "p1"},
		{name: "type with space", frame: cmd("ping ", "p1", "", ""), code: CodeUnknownType, id: "p1"},
		{name: "event type as command", frame: cmd(TypeAck, "p1", "", ""), code: CodeUnknownType, id: "p1"},
		{name: "WhosOn command name", frame: cmd("Hello", "p1", "", ""), code: CodeUnknownType, id: "p1"},

		// forbidden: the role may not send it (every pair is checked in TestDecodeCommandRoles).
		{name: "visitor sends status.set", frame: cmd(TypeStatusSet, "s1", "", `{"status":79}`), code: CodeForbidden, id: "s1", field: "type"},
		{name: "agent sends chat.request", role: RoleAgent, frame: req(), code: CodeForbidden, id: "r1"},
		{name: "role is checked before the body", frame: cmd(TypeStatusSet, "s1", "", `{"status":"x","bogus":1}`), code: CodeForbidden, id: "s1"},
		{name: "unknown role", role: "admin", frame: cmd(TypePing, "p1", "", ""), code: CodeForbidden, id: "p1"},

		// invalid data: unknown fields, wrong types, missing required fields.
		{name: "unknown field in data", frame: cmd(TypeSend, "m1", "ch1", `{"text":"hi","bold":true}`), code: CodeInvalid, id: "m1"},
		{name: "unknown field in bodyless data", frame: cmd(TypePing, "p1", "", `{"x":1}`), code: CodeInvalid, id: "p1"},
		{name: "unknown field in a nested map is data", frame: req("pdata", map[string]string{"anything": "goes"})},
		{name: "data of wrong type", frame: cmd(TypeSend, "m1", "ch1", `{"text":5}`), code: CodeInvalid, id: "m1", field: "text"},
		{name: "data is an array", frame: cmd(TypeSend, "m1", "ch1", `["hi"]`), code: CodeInvalid, id: "m1"},
		{name: "data is a string", frame: cmd(TypePing, "p1", "", `"x"`), code: CodeInvalid, id: "p1"},
		{name: "data is a number", frame: cmd(TypeClose, "x1", "ch1", `0`), code: CodeInvalid, id: "x1"},
		{name: "negative after", frame: cmd(TypeResume, "r1", "ch1", `{"after":-1}`), code: CodeInvalid, id: "r1", field: "after"},
		{name: "after as exponent", frame: cmd(TypeResume, "r1", "ch1", `{"after":1e3}`), code: CodeInvalid, id: "r1", field: "after"},
		{name: "after overflows uint64", frame: cmd(TypeResume, "r1", "ch1", `{"after":18446744073709551616}`), code: CodeInvalid, id: "r1", field: "after"},
		{name: "pdata value not a string", frame: cmd(TypeChatRequest, "r1", "", `{"name":"T","pdata":{"a":1}}`), code: CodeInvalid, id: "r1"},
		{name: "missing name", frame: cmd(TypeChatRequest, "r1", "", `{"email":"t@example.com"}`), code: CodeInvalid, id: "r1", field: "name"},
		{name: "blank name", frame: req("name", " \t\n"), code: CodeInvalid, id: "r1", field: "name"},
		{name: "null data for a body with required fields", frame: cmd(TypeChatRequest, "r1", "", "null"), code: CodeInvalid, id: "r1", field: "name"},
		{name: "leave.message without name", frame: cmd(TypeLeaveMessage, "l1", "", obj("text", "Call me")), code: CodeInvalid, id: "l1", field: "name"},
		{name: "leave.message without text", frame: cmd(TypeLeaveMessage, "l1", "", obj("name", "Thomas")), code: CodeInvalid, id: "l1", field: "text"},
		{name: "field.ask without options for a choice", role: RoleAgent, frame: cmd(TypeFieldAsk, "q1", "ch1", obj("field", json.RawMessage(obj("name", "Topic", "type", "select", "prompt", "Topic?")))), code: CodeInvalid, id: "q1", field: "field.options"},
		{name: "field.ask with a bad name", role: RoleAgent, frame: cmd(TypeFieldAsk, "q1", "ch1", obj("field", json.RawMessage(obj("name", "1x", "type", "text", "prompt", "X?")))), code: CodeInvalid, id: "q1", field: "field.name"},
		{name: "file.ask with a path", role: RoleAgent, frame: cmd(TypeFileAsk, "q1", "ch1", obj("types", []string{"pdf", "../x"})), code: CodeInvalid, id: "q1", field: "types"},
		{name: "file.ask with an empty type", role: RoleAgent, frame: cmd(TypeFileAsk, "q1", "ch1", obj("types", []string{""})), code: CodeInvalid, id: "q1", field: "types"},
		{name: "file.ask with a long type", role: RoleAgent, frame: cmd(TypeFileAsk, "q1", "ch1", obj("types", []string{"abcdefghijklmnopq"})), code: CodeInvalid, id: "q1", field: "types"},
		{name: "file.ask with too many types", role: RoleAgent, frame: cmd(TypeFileAsk, "q1", "ch1", obj("types", strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u", ","))), code: CodeTooLarge, id: "q1", field: "types"},
		{name: "file.ask with a non-ASCII type", role: RoleAgent, frame: cmd(TypeFileAsk, "q1", "ch1", obj("types", []string{"pdé"})), code: CodeInvalid, id: "q1", field: "types"},
		{name: "field.ask with an unknown type", role: RoleAgent, frame: cmd(TypeFieldAsk, "q1", "ch1", obj("field", json.RawMessage(obj("name", "X", "type", "color", "prompt", "X?")))), code: CodeInvalid, id: "q1", field: "field.type"},
		{name: "leave.message without e-mail or phone", frame: cmd(TypeLeaveMessage, "l1", "", obj("name", "Thomas", "text", "Call me")), code: CodeInvalid, id: "l1", field: "email"},
		{name: "file without name", frame: cmd(TypeFileSend, "f1", "ch1", obj("url", "https://x/y")), code: CodeInvalid, id: "f1", field: "name"},
		{name: "file without url", frame: cmd(TypeFileSend, "f1", "ch1", obj("name", "a.pdf")), code: CodeInvalid, id: "f1", field: "url"},
		{name: "field without name", frame: cmd(TypeFieldSubmit, "d1", "ch1", obj("value", "1")), code: CodeInvalid, id: "d1", field: "name"},
		{name: "transcript without email", frame: cmd(TypeTranscriptRequest, "e1", "ch1", "{}"), code: CodeInvalid, id: "e1", field: "email"},
		{name: "connect without connector", frame: cmd(TypeVisitorConnect, "c1", "", obj("lang", "de")), code: CodeInvalid, id: "c1", field: "connector"},
		{name: "status zero", role: RoleAgent, frame: cmd(TypeStatusSet, "s1", "", `{"status":0}`), code: CodeInvalid, id: "s1", field: "status"},
		{name: "status negative", role: RoleAgent, frame: cmd(TypeStatusSet, "s1", "", `{"status":-4}`), code: CodeInvalid, id: "s1", field: "status"},
		{name: "empty message", frame: msg(""), code: CodeInvalid, id: "m1", field: "text"},
		{name: "blank message", frame: msg(" \n\t "), code: CodeInvalid, id: "m1", field: "text"},
		{name: "null data for a message", frame: cmd(TypeSend, "m1", "ch1", "null"), code: CodeInvalid, id: "m1", field: "text"},
		{name: "empty pdata key", frame: req("pdata", map[string]string{"": "x"}), code: CodeInvalid, id: "r1", field: "pdata"},

		// too_large: the frame, or a field over its limit.
		{name: "frame one byte over FrameBytes", frame: bigFrame(limits.FrameBytes + 1), code: CodeTooLarge, id: ""},
		{name: "message of 4001 four-byte runes", frame: msg(strings.Repeat(grin, limits.MessageRunes+1)), code: CodeTooLarge, id: "m1", field: "text"},
		{name: "message of 4001 two-byte runes", frame: msg(strings.Repeat(eacute, limits.MessageRunes+1)), code: CodeTooLarge, id: "m1", field: "text"},
		{name: "message of 4001 escaped surrogate pairs", frame: cmd(TypeSend, "m1", "ch1", `{"text":"`+strings.Repeat(`\ud83d\ude00`, limits.MessageRunes+1)+`"}`), code: CodeTooLarge, id: "m1", field: "text"},
		{name: "preview of 4001 runes", frame: cmd(TypePreview, "v1", "ch1", obj("text", strings.Repeat(grin, limits.PreviewRunes+1))), code: CodeTooLarge, id: "v1", field: "text"},
		{name: "question of 4001 runes", frame: req("question", strings.Repeat(eacute, limits.MessageRunes+1)), code: CodeTooLarge, id: "r1", field: "question"},
		{name: "leave.message text of 4001 runes", frame: cmd(TypeLeaveMessage, "l1", "", obj("name", "T", "text", strings.Repeat(eacute, limits.MessageRunes+1))), code: CodeTooLarge, id: "l1", field: "text"},
		{name: "name over NameRunes", frame: req("name", strings.Repeat(eacute, limits.NameRunes+1)), code: CodeTooLarge, id: "r1", field: "name"},
		{name: "email over EmailRunes", frame: req("email", strings.Repeat("a", limits.EmailRunes+1)), code: CodeTooLarge, id: "r1", field: "email"},
		{name: "phone over PhoneRunes", frame: req("phone", strings.Repeat("1", limits.PhoneRunes+1)), code: CodeTooLarge, id: "r1", field: "phone"},
		{name: "lang over 35 runes", frame: req("lang", strings.Repeat("a", 36)), code: CodeTooLarge, id: "r1", field: "lang"},
		{name: "too many pdata entries", frame: req("pdata", data(limits.DataEntries+1, 3, 1)), code: CodeTooLarge, id: "r1", field: "pdata"},
		{name: "udata key over DataKeyRunes", frame: req("udata", data(1, limits.DataKeyRunes+1, 1)), code: CodeTooLarge, id: "r1"},
		{name: "fields value over DataValueRunes", frame: req("fields", data(1, 3, limits.DataValueRunes+1)), code: CodeTooLarge, id: "r1"},
		{name: "survey field over DataValueRunes", frame: cmd(TypeSurveySubmit, "s1", "ch1", obj("fields", data(1, 3, limits.DataValueRunes+1))), code: CodeTooLarge, id: "s1"},
		{name: "page URL over URLRunes", frame: cmd(TypeVisitorConnect, "c1", "", obj("connector", "abc", "page", "https://x/"+strings.Repeat("a", limits.URLRunes))), code: CodeTooLarge, id: "c1", field: "page"},
		{name: "user agent over UserAgentRunes", frame: cmd(TypeVisitorConnect, "c1", "", obj("connector", "abc", "user_agent", strings.Repeat("a", limits.UserAgentRunes+1))), code: CodeTooLarge, id: "c1", field: "user_agent"},
		{name: "token over TokenRunes", role: RoleAgent, frame: cmd(TypeAgentConnect, "a1", "", obj("token", strings.Repeat("t", limits.TokenRunes+1))), code: CodeTooLarge, id: "a1", field: "token"},
		{name: "resume token over TokenRunes", frame: cmd(TypeResume, "r1", "ch1", obj("token", strings.Repeat("t", limits.TokenRunes+1))), code: CodeTooLarge, id: "r1", field: "token"},
		{name: "file name over 255 runes", frame: cmd(TypeFileSend, "f1", "ch1", obj("name", strings.Repeat("n", 256), "url", "https://x/y")), code: CodeTooLarge, id: "f1", field: "name"},
		{name: "field value over DataValueRunes", frame: cmd(TypeFieldSubmit, "d1", "ch1", obj("name", "n", "value", strings.Repeat("v", limits.DataValueRunes+1))), code: CodeTooLarge, id: "d1", field: "value"},
	}
}

func TestDecodeCommand(t *testing.T) {
	for _, tt := range decodeCases() {
		t.Run(tt.name, func(t *testing.T) {
			role := tt.role
			if role == "" {
				role = RoleVisitor
			}
			c, err := DecodeCommand([]byte(tt.frame), role)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("DecodeCommand = %v, want success", err)
				}
				if c.Body == nil || c.ID == "" {
					t.Fatalf("DecodeCommand = %+v", c)
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("DecodeCommand error = %#v, want a *protocol.Error", err)
			}
			if pe.Code != tt.code {
				t.Errorf("code = %q (%s), want %q", pe.Code, pe.Message, tt.code)
			}
			if pe.ID != tt.id {
				t.Errorf("id = %q, want %q", pe.ID, tt.id)
			}
			if tt.field != "" && pe.Field != tt.field {
				t.Errorf("field = %q, want %q", pe.Field, tt.field)
			}
			if pe.Message == "" {
				t.Error("error without message")
			}
			if c != (Command{}) {
				t.Errorf("a failed decode returned %+v", c)
			}
		})
	}
}

func TestDecodeCommandRoles(t *testing.T) {
	for _, c := range commandExamples {
		typ := c.Body.CommandType()
		frame := exampleFrame(t, c)
		for _, role := range []Role{RoleVisitor, RoleAgent, RoleSystem, "", "Visitor"} {
			_, err := DecodeCommand(frame, role)
			if commandTypes[typ].allows(role) {
				if err != nil {
					t.Errorf("%s may send %q, got %v", role, typ, err)
				}
				continue
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != CodeForbidden || pe.ID != c.ID {
				t.Errorf("%q may not send %q: got %#v, want forbidden answering %q", role, typ, err, c.ID)
			}
		}
	}
	// The role table as the README documents it.
	want := map[Type]string{
		TypePing: "both", TypeResume: "both", TypeSend: "both", TypeTyping: "both", TypeClose: "both", TypeFileSend: "both",
		TypeVisitorConnect: "visitor", TypeChatRequest: "visitor", TypePreview: "visitor", TypeFieldSubmit: "visitor",
		TypeSurveySubmit: "visitor", TypeTranscriptRequest: "visitor", TypeLeaveMessage: "visitor",
		TypeQueueInfoGet: "visitor", TypeChatInfoGet: "visitor", TypeOperatorsGet: "visitor",
		TypeAgentConnect: "agent", TypeStatusSet: "agent", TypeOfferAccept: "agent", TypeOfferDecline: "agent", TypeFieldAsk: "agent", TypeFileAsk: "agent",
		TypeChatJoin: "agent", TypeChatLeave: "agent", TypeChatInvite: "agent", TypeInviteAccept: "agent", TypeInviteDecline: "agent",
		TypeSuperviseWatch: "agent", TypeChatTakeover: "agent", TypeChatTags: "agent", TypeTranslateSet: "agent",
		TypeChatTransfer: "agent", TypeTransferCancel: "agent",
		TypeDirectStart: "agent", TypeActivity: "agent",
		TypeVisitorInvite: "agent",
		TypeDetailsSubmit: "visitor", TypePreviewConsent: "visitor",
	}
	for typ, spec := range commandTypes {
		if got := senders(spec); got != want[typ] {
			t.Errorf("%q is sent by %s, want %s", typ, got, want[typ])
		}
	}
}

// senders names who may send a command: "visitor", "agent" or "both".
func senders(s commandSpec) string {
	switch {
	case s.visitor && s.agent:
		return "both"
	case s.visitor:
		return "visitor"
	default:
		return "agent"
	}
}

func TestDecodeCommandNeedsChat(t *testing.T) {
	for _, c := range commandExamples {
		typ := c.Body.CommandType()
		_, scoped := c.Body.(chatScoped)
		role := RoleVisitor
		if !commandTypes[typ].visitor {
			role = RoleAgent
		}
		c.Chat = ""
		_, err := DecodeCommand(exampleFrame(t, c), role)
		var pe *Error
		switch {
		case scoped && (!errors.As(err, &pe) || pe.Code != CodeInvalid || pe.Field != "chat" || pe.ID != c.ID):
			t.Errorf("%q without chat: %#v, want invalid chat", typ, err)
		case !scoped && err != nil:
			t.Errorf("%q without chat: %v", typ, err)
		}
	}
}

func TestDecodeCommandNullData(t *testing.T) {
	// Commands whose body has no required field decode from null, {} and no data at all.
	bodyless := map[Type]bool{
		TypePing: true, TypeClose: true, TypeQueueInfoGet: true, TypeChatInfoGet: true, TypeOperatorsGet: true,
		TypeOfferAccept: true, TypeOfferDecline: true, TypeTyping: true, TypeAgentConnect: true, TypeResume: true,
		TypePreview: true, TypeSurveySubmit: true, TypeChatLeave: true, TypeInviteAccept: true, TypeInviteDecline: true,
		TypeSuperviseWatch: true, TypeChatTakeover: true, TypeChatTags: true, TypeTranslateSet: true,
		TypeTransferCancel: true,
		TypeActivity:       true,
		TypeDetailsSubmit:  true, TypePreviewConsent: true, TypeFileAsk: true,
	}
	for typ, spec := range commandTypes {
		role := RoleVisitor
		if !spec.visitor {
			role = RoleAgent
		}
		for _, d := range []string{"", "null", "{}"} {
			got, err := DecodeCommand([]byte(cmd(typ, "n1", "ch1", d)), role)
			if bodyless[typ] != (err == nil) {
				t.Errorf("%q with data %q: %v", typ, d, err)
				continue
			}
			if err == nil && !reflect.DeepEqual(got.Body, spec.new()) {
				t.Errorf("%q with data %q decoded to %+v, want the zero body", typ, d, got.Body)
			}
		}
	}
}

func TestDecodeCommandRefusesUnknownFields(t *testing.T) {
	// Every command refuses a field it does not know, even beside valid ones.
	for _, c := range commandExamples {
		typ := c.Body.CommandType()
		role := RoleVisitor
		if !commandTypes[typ].visitor {
			role = RoleAgent
		}
		var env Envelope
		if err := json.Unmarshal(exampleFrame(t, c), &env); err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(env.Data, &body); err != nil {
			t.Fatal(err)
		}
		body["surprise"] = true
		env.Data, _ = json.Marshal(body)
		frame, _ := json.Marshal(env)
		_, err := DecodeCommand(frame, role)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != CodeInvalid || pe.ID != c.ID || !strings.Contains(pe.Message, "surprise") {
			t.Errorf("%q with an unknown field: %#v", typ, err)
		}
	}
}

// TestDecodeCommandRefusesNULAndUnsafeNumbers: no text may hold NUL (databases refuse it), and
// no number may be one a browser cannot hold exactly.
func TestDecodeCommandRefusesNULAndUnsafeNumbers(t *testing.T) {
	for _, c := range []struct {
		frame, field string
	}{
		{cmd(TypeSend, "n1", "ch1", `{"text":"a\u0000b"}`), "text"},
		{cmd(TypeChatRequest, "n2", "", `{"name":"\u0000"}`), "name"},
		{cmd(TypeChatRequest, "n3", "", `{"pdata":{"k":"v\u0000"}}`), "pdata.k"},
		{cmd(TypeChatRequest, "n4", "", `{"pdata":{"k\u0000":"v"}}`), "pdata.k\x00"},
		{cmd(TypeTyping, "n5", "ch\u0000", `{}`), "chat"},
		{cmd(TypePreview, "n6", "ch1", `{"text":"\\\u0000"}`), "text"},
		{`{"v":1,"type":"ping","id":"n7","x\u0000":1}`, ""},
		{cmd(TypeResume, "n8", "ch1", `{"after":9007199254740992}`), "after"},
		{cmd(TypeResume, "n9", "ch1", `{"after":18446744073709551615}`), "after"},
	} {
		_, err := DecodeCommand([]byte(c.frame), RoleVisitor)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != CodeInvalid {
			t.Errorf("%s: %v, want invalid", c.frame, err)
			continue
		}
		if pe.Field != c.field && pe.Field != "" {
			t.Errorf("%s: field %q, want %q", c.frame, pe.Field, c.field)
		}
	}
	// An escaped backslash before "u0000" is text, not NUL.
	if _, err := DecodeCommand([]byte(cmd(TypeSend, "ok", "ch1", `{"text":"C:\\u0000"}`)), RoleVisitor); err != nil {
		t.Errorf("escaped backslash: %v", err)
	}
	if _, err := DecodeCommand([]byte(cmd(TypeStatusSet, "s", "", `{"status":9007199254740992}`)), RoleAgent); err == nil {
		t.Error("status beyond 2^53 accepted")
	}
}

func TestCommandRoundTrip(t *testing.T) {
	// Every example, plus values at the edges of their types and limits.
	extra := []Command{
		{ID: "x1", Chat: "ch1", Body: &Send{Text: strings.Repeat(grin, limits.MessageRunes), HideLocal: true}},
		{ID: "x2", Chat: "ch1", Body: &Send{Text: "<b>&amp;</b> \u2028\u2029 \"quoted\" \\ \\u0000 \x01\x1f\u007f tab\tnew\nline"}},
		{ID: strings.Repeat(grin, limits.IDRunes), Chat: strings.Repeat(eacute, limits.IDRunes), Body: &Close{}},
		{ID: "x4", Chat: "ch1", Body: &Resume{After: MaxSafeInteger}},
		{ID: "x5", Chat: "ch1", Body: &Typing{On: false}},
		{ID: "x6", Body: &StatusSet{Status: MaxSafeInteger}},
		{ID: "x7", Body: &VisitorConnect{Connector: "abc", TZOffset: -720}},
		{ID: "x8", Body: &ChatRequest{Name: "T", Translate: true, PData: data(limits.DataEntries, limits.DataKeyRunes, 20)}},
		{ID: "x9", Chat: "ch1", Body: &FileSend{Name: "a", URL: "b", Size: math.MaxInt64}},
		{ID: "x10", Chat: "ch1", Body: &SurveySubmit{Fields: map[string]string{}}},
		{ID: "x11", Chat: "ch1", Body: &SurveySubmit{}},
		{ID: "x12", Chat: "ch1", Body: &Preview{}},
		{ID: "x13", Body: &AgentConnect{}},
		{ID: " ", Body: &Ping{}},
	}
	for _, c := range append(append([]Command{}, commandExamples...), extra...) {
		typ := c.Body.CommandType()
		frame, err := EncodeCommand(c)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		for _, role := range []Role{RoleVisitor, RoleAgent} {
			if !commandTypes[typ].allows(role) {
				continue
			}
			got, err := DecodeCommand(frame, role)
			if err != nil {
				t.Errorf("%s as %s: %v\n%s", typ, role, err, frame)
				continue
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("%s as %s round trip:\n got %+v\nwant %+v", typ, role, got.Body, c.Body)
			}
		}
	}
}

func TestEncodeCommand(t *testing.T) {
	if _, err := EncodeCommand(Command{ID: "x"}); err == nil {
		t.Error("EncodeCommand without body succeeded")
	}
	b, err := EncodeCommand(Command{ID: "p1", Body: &Ping{}})
	if err != nil {
		t.Fatal(err)
	}
	// Empty chat and seq are left out; data is an object even for bodyless commands.
	if want := `{"v":1,"type":"ping","id":"p1","data":{}}`; string(b) != want {
		t.Errorf("EncodeCommand = %s, want %s", b, want)
	}
	// Encoding does not validate: a client learns of a bad body from the server's error, and a
	// test client can send anything.
	b, err = EncodeCommand(Command{Body: &Send{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeCommand(b, RoleVisitor); err == nil {
		t.Error("an invalid command decoded")
	}
}

func TestEventRoundTrip(t *testing.T) {
	extra := []Event{
		{Body: &Ack{}},
		{ID: "r1", Body: &Ack{Chat: "ch1", Token: "vt_1", Seq: math.MaxUint64}},
		{Chat: "ch1", Seq: 9, Body: &ChatState{State: StateClosed, Cause: CauseNoAgent, At: exampleTime}},
		{Chat: "ch1", Seq: 10, Body: &Message{Role: RoleSystem, Text: "Bye", Key: "bye", Class: "lineo final", At: exampleTime.Add(123456789)}},
		{Chat: "ch1", Seq: 11, Body: &Message{Role: RoleAgent, Name: "Anna", Text: "invoice.pdf", File: &File{Name: "invoice.pdf", URL: "https://x/y", Size: 1, ContentType: "application/pdf"}, HideLocal: true, At: exampleTime}},
		{Body: &AgentReady{Chats: []ChatSummary{}, Offers: []Offer{}, Statuses: []Status{}}},
		{Body: &AgentReady{}},
		{Body: &Connected{Texts: map[string]string{}, EstimatedWait: -1}},
		{Body: &Disconnect{Code: CloseReplaced, Reason: "signed in elsewhere"}},
		{Body: &Operators{}},
		{ID: "x", Body: &Error{Code: CodeInternal, Message: "try again"}},
	}
	all := make([]Event, 0, len(eventExamples)+len(extra))
	for _, ex := range eventExamples {
		all = append(all, ex.Event)
	}
	for _, ev := range append(all, extra...) {
		typ := ev.Body.EventType()
		frame, err := EncodeEvent(ev)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		got, err := DecodeEvent(frame)
		if err != nil {
			t.Errorf("%s: %v\n%s", typ, err, frame)
			continue
		}
		if !reflect.DeepEqual(got, ev) {
			t.Errorf("%s round trip:\n got %#v\nwant %#v", typ, got.Body, ev.Body)
		}
	}
}

func TestEncodeEvent(t *testing.T) {
	if _, err := EncodeEvent(Event{Chat: "x"}); err == nil {
		t.Error("EncodeEvent without body succeeded")
	}
	if _, err := EncodeEvent(Event{Body: &Connected{Widget: json.RawMessage(`{not json`)}}); err == nil {
		t.Error("EncodeEvent with invalid raw JSON succeeded")
	}
	b, err := EncodeEvent(Event{ID: "m1", Chat: "ch1", Seq: 0, Body: &Ack{Seq: 42}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"v":1,"type":"ack","id":"m1","chat":"ch1","data":{"seq":42}}`; string(b) != want {
		t.Errorf("EncodeEvent = %s, want %s", b, want)
	}
	// The id an error answers travels in the envelope, never in the body.
	b, err = EncodeEvent(Event{ID: "m1", Body: &Error{ID: "m1", Code: CodeInvalid, Message: "no"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"v":1,"type":"error","id":"m1","data":{"code":"invalid","message":"no"}}`; string(b) != want {
		t.Errorf("EncodeEvent = %s, want %s", b, want)
	}
	// Times go out in UTC as RFC 3339.
	b, _ = EncodeEvent(Event{Chat: "c", Seq: 1, Body: &ChatState{State: StateActive, At: exampleTime}})
	if !strings.Contains(string(b), `"at":"2025-03-14T09:30:00Z"`) {
		t.Errorf("time encoded as %s", b)
	}
}

func TestDecodeCommandErrorAsEvent(t *testing.T) {
	// What the server does with a refused command: the error answers it by id.
	_, err := DecodeCommand([]byte(cmd(TypeSend, "m9", "ch1", obj("text", strings.Repeat(grin, limits.MessageRunes+1)))), RoleVisitor)
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	b, err := EncodeEvent(Event{ID: pe.ID, Body: pe})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	if body := got.Body.(*Error); got.ID != "m9" || body.Code != CodeTooLarge || body.Field != "text" || body.ID != "" {
		t.Errorf("error event = %+v %+v", got, got.Body)
	}
}

// eventToleranceCases are frames DecodeEvent must accept, and what it must make of them.
var eventToleranceCases = []struct {
	name  string
	frame string
	want  Event
}{
	{"extra data field", `{"v":1,"type":"ack","id":"m1","data":{"seq":42,"future":{"a":[1,2]}}}`, Event{ID: "m1", Body: &Ack{Seq: 42}}},
	{"extra envelope field", `{"v":1,"type":"ack","id":"m1","trace":"t-1","data":{}}`, Event{ID: "m1", Body: &Ack{}}},
	{"null data", `{"v":1,"type":"ack","data":null}`, Event{Body: &Ack{}}},
	{"no data", `{"v":1,"type":"queue","chat":"ch1"}`, Event{Chat: "ch1", Body: &Queue{}}},
	{"extra nested field", `{"v":1,"type":"chat.opened","data":{"chat":{"id":"ch1","visitor":{"name":"T","shoe":42},"mood":"ok"}}}`,
		Event{Body: &ChatOpened{Chat: ChatSummary{ID: "ch1", Visitor: VisitorInfo{Name: "T"}}}}},
	{"unknown enum values pass through", `{"v":1,"type":"chat.state","chat":"c","seq":3,"data":{"state":"transferred","cause":"moon","at":"2025-03-14T09:30:00Z"}}`,
		Event{Chat: "c", Seq: 3, Body: &ChatState{State: "transferred", Cause: "moon", At: exampleTime}}},
	{"seq on a transient event is kept", `{"v":1,"type":"typing","chat":"c","seq":5,"data":{"role":"agent","on":true}}`,
		Event{Chat: "c", Seq: 5, Body: &TypingEvent{Role: RoleAgent, On: true}}},
}

func TestDecodeEventTolerance(t *testing.T) {
	for _, tt := range eventToleranceCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeEvent([]byte(tt.frame))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeEvent = %+v %+v, want %+v %+v", got, got.Body, tt.want, tt.want.Body)
			}
		})
	}
}

// eventErrorCases are frames DecodeEvent must refuse, with the code it must give.
var eventErrorCases = []struct {
	name, frame string
	code        Code
}{
	{"empty", ``, CodeBadJSON},
	{"garbage", `<html>`, CodeBadJSON},
	{"null", `null`, CodeBadJSON},
	{"array", `[]`, CodeBadJSON},
	{"seq as string", `{"v":1,"type":"message","seq":"3"}`, CodeBadJSON},
	{"data of wrong shape", `{"v":1,"type":"ack","data":[1]}`, CodeBadJSON},
	{"field of wrong type", `{"v":1,"type":"ack","data":{"seq":"42"}}`, CodeBadJSON},
	{"bad time", `{"v":1,"type":"chat.state","data":{"at":"yesterday"}}`, CodeBadJSON},
	{"no version", `{"type":"ack"}`, CodeBadVersion},
	{"version 2", `{"v":2,"type":"ack"}`, CodeBadVersion},
	{"unknown type", `{"v":1,"type":"newline"}`, CodeUnknownType},
	{"no type", `{"v":1}`, CodeUnknownType},
	{"command type", `{"v":1,"type":"chat.request"}`, CodeUnknownType},
}

func TestDecodeEventErrors(t *testing.T) {
	for _, tt := range eventErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeEvent([]byte(tt.frame))
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != tt.code {
				t.Fatalf("DecodeEvent = %#v, want %q", err, tt.code)
			}
			if ev.Body != nil {
				t.Errorf("a failed decode returned a body: %+v", ev.Body)
			}
		})
	}
}

func TestDurable(t *testing.T) {
	durable := map[Type]bool{TypeChatState: true, TypeMessage: true, TypeJoined: true, TypeLeft: true, TypeFieldSet: true, TypeVisitorPage: true,
		TypeTransfer: true, TypeFileRequest: true, TypeLineStatus: true, TypeChatTranslation: true, TypeChatRetranslation: true}
	for typ := range eventTypes {
		if Durable(typ) != durable[typ] {
			t.Errorf("Durable(%q) = %v, want %v", typ, Durable(typ), durable[typ])
		}
	}
	for _, typ := range []Type{"", "nope", TypeSend, TypeChatRequest, TypeClose} {
		if Durable(typ) {
			t.Errorf("Durable(%q) = true", typ)
		}
	}
}

func TestCloseCodeReconnect(t *testing.T) {
	transportLoss := map[CloseCode]bool{1001: true, 1006: true, 1011: true, 1012: true, 1013: true, 1014: true}
	for c := CloseCode(-1); c < 6000; c++ {
		want := (c >= 4000 && c <= 4499) || transportLoss[c]
		if c.Reconnect() != want {
			t.Errorf("CloseCode(%d).Reconnect() = %v, want %v", c, c.Reconnect(), want)
		}
	}
	for _, c := range []CloseCode{CloseShutdown, CloseSlow, CloseStale} {
		if !c.Reconnect() || c < 4000 || c > 4499 {
			t.Errorf("%d should be a reconnect code", c)
		}
	}
	for _, c := range []CloseCode{CloseReplaced, CloseBadRequest, CloseUnauthorized, CloseUnknownConnector, CloseForbidden} {
		if c.Reconnect() || c < 4500 || c > 4999 {
			t.Errorf("%d should be a terminal code", c)
		}
	}
	for _, c := range []CloseCode{1000, 1002, 1003, 1005, 1007, 1008, 1009, 1010, 1015} {
		if c.Reconnect() {
			t.Errorf("standard code %d should not reconnect", c)
		}
	}
}

func TestCheckMessage(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		code Code
	}{
		{"plain", "Hello", 0, ""},
		{"one rune", "a", 0, ""},
		{"padded", "  hi  ", 0, ""},
		{"empty", "", 0, CodeInvalid},
		{"blank", " \t\r\n\u00a0\u3000", 0, CodeInvalid},
		{"4000 four-byte runes", strings.Repeat(grin, 4000), 0, ""},
		{"4001 four-byte runes", strings.Repeat(grin, 4001), 0, CodeTooLarge},
		{"4000 combining sequences count per rune", strings.Repeat("e\u0301", 2000), 0, ""},
		{"4001 runes with combining marks", strings.Repeat("e\u0301", 2000) + "!", 0, CodeTooLarge},
		{"at a lowered limit", strings.Repeat(eacute, 10), 10, ""},
		{"over a lowered limit", strings.Repeat(eacute, 11), 10, CodeTooLarge},
		{"negative max is the default", strings.Repeat(eacute, 4000), -1, ""},
		{"negative max is the default, over", strings.Repeat(eacute, 4001), -1, CodeTooLarge},
		{"a connector cannot raise the limit", strings.Repeat(eacute, 4001), 5000, CodeTooLarge},
		{"invalid UTF-8", "h\xffi", 0, CodeInvalid},
		{"lone continuation byte", "\x80", 0, CodeInvalid},
		{"blank is refused before length", strings.Repeat(" ", 5000), 0, CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMessage(tt.text, tt.max)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CheckMessage = %v", err)
				}
				return
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != tt.code || pe.Field != "text" {
				t.Fatalf("CheckMessage = %#v, want %q on field text", err, tt.code)
			}
		})
	}
}

func TestError(t *testing.T) {
	e := Errorf(CodeNotFound, "no connector %q", "abc")
	if e.Code != CodeNotFound || e.Message != `no connector "abc"` || e.ID != "" || e.Field != "" {
		t.Errorf("Errorf = %+v", e)
	}
	if got := e.Error(); got != `not_found: no connector "abc"` {
		t.Errorf("Error() = %q", got)
	}
	if e.EventType() != TypeError {
		t.Errorf("EventType() = %q", e.EventType())
	}
	var err error = e
	var pe *Error
	if !errors.As(fmt.Errorf("wrapped: %w", err), &pe) || pe != e {
		t.Error("*Error does not unwrap")
	}
}

func TestLimitsFitTheFrame(t *testing.T) {
	// The frame limit leaves room for the longest message in its worst encodings: raw four-byte
	// runes, or six-byte escapes as json.Marshal writes for <, > and &.
	for _, text := range []string{strings.Repeat(grin, limits.MessageRunes), strings.Repeat("<", limits.MessageRunes), strings.Repeat("\x01", limits.MessageRunes)} {
		b, err := EncodeCommand(Command{ID: strings.Repeat("i", limits.IDRunes), Chat: strings.Repeat("c", limits.IDRunes), Body: &Send{Text: text, HideLocal: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > limits.FrameBytes {
			t.Errorf("a maximal message encodes to %d bytes, over FrameBytes %d", len(b), limits.FrameBytes)
		}
		if _, err := DecodeCommand(b, RoleVisitor); err != nil {
			t.Errorf("maximal message: %v", err)
		}
	}
	if limits.PreviewRunes > limits.MessageRunes {
		t.Error("a preview may be longer than the message it previews")
	}
	if !utf8.ValidString(grin) || utf8.RuneCountInString(grin) != 1 || len(grin) != 4 {
		t.Fatal("test constant grin is not one four-byte rune")
	}
}

func BenchmarkDecodeCommand(b *testing.B) {
	frame := exampleFrame(b, commandExamples[2]) // message.send
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := DecodeCommand(frame, RoleVisitor); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	ev := Event{Chat: "ch_8ZqM2x", Seq: 42, Body: &Message{Role: RoleAgent, Name: "Anna", Text: "Hello, how can I help?", At: exampleTime}}
	for b.Loop() {
		if _, err := EncodeEvent(ev); err != nil {
			b.Fatal(err)
		}
	}
}
