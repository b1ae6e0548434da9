package main

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/parleychat/parley/shared/protocol"
)

// The chat load's frames without reflection. A loaded machine runs the server and this tool side
// by side, and every message makes the tool write one command and read three events (the
// visitor's ack and echo, the agent's copy): decoded and encoded through encoding/json's
// reflection they cost the tool as much CPU as the server spent storing the message. The
// envelope and the two bodies the load reads per message (ack, message) are scanned here, field
// by field; every other event, and any frame this scan does not fully understand, goes through
// protocol.DecodeEvent. codec_test.go checks both ways against encoding/json.

// errSlow says a frame is left to protocol.DecodeEvent.
var errSlow = errors.New("not for the fast decoder")

// decodeEvent decodes a server frame: as protocol.DecodeEvent would, faster for acks and messages.
func decodeEvent(frame []byte) (protocol.Event, error) {
	if ev, err := decodeFast(frame); err == nil {
		return ev, nil
	}
	return protocol.DecodeEvent(frame)
}

// decodeFast decodes an ack or a message event, or fails with errSlow.
func decodeFast(frame []byte) (protocol.Event, error) {
	var ev protocol.Event
	var typ string
	var data []byte
	version := -1
	err := scanObject(frame, func(key, value []byte) error {
		var err error
		switch string(key) {
		case "v":
			var n uint64
			n, err = scanUint(value)
			version = int(n)
		case "type":
			typ, err = scanString(value)
		case "id":
			ev.ID, err = scanString(value)
		case "chat":
			ev.Chat, err = scanString(value)
		case "seq":
			ev.Seq, err = scanUint(value)
		case "data":
			data = value
		default:
			return errSlow
		}
		return err
	})
	if err != nil || version != protocol.Version {
		return protocol.Event{}, errSlow
	}
	if string(data) == "null" {
		data = nil
	}
	switch protocol.Type(typ) {
	case protocol.TypeAck:
		a := &protocol.Ack{}
		if data != nil {
			err = scanObject(data, func(key, value []byte) error {
				var err error
				switch string(key) {
				case "chat":
					a.Chat, err = scanString(value)
				case "token":
					a.Token, err = scanString(value)
				case "seq":
					a.Seq, err = scanUint(value)
				default:
					return errSlow
				}
				return err
			})
		}
		ev.Body = a
	case protocol.TypeMessage:
		m := &protocol.Message{}
		if data != nil {
			err = scanObject(data, func(key, value []byte) error {
				var err error
				var s string
				switch string(key) {
				case "role":
					s, err = scanString(value)
					m.Role = protocol.Role(s)
				case "name":
					m.Name, err = scanString(value)
				case "text":
					m.Text, err = scanString(value)
				case "key":
					m.Key, err = scanString(value)
				case "class":
					m.Class, err = scanString(value)
				case "client_id":
					m.ClientID, err = scanString(value)
				case "hide_local":
					m.HideLocal, err = scanBool(value)
				case "internal":
					m.Internal, err = scanBool(value)
				case "at":
					if s, err = scanString(value); err == nil {
						err = m.At.UnmarshalText([]byte(s))
					}
				default: // a file, a translation: left to encoding/json
					return errSlow
				}
				return err
			})
		}
		ev.Body = m
	default:
		return protocol.Event{}, errSlow
	}
	if err != nil {
		return protocol.Event{}, errSlow
	}
	return ev, nil
}

// scanObject calls field with each key and raw value of the JSON object b, in order. It accepts
// the compact JSON the server writes (whitespace between tokens is allowed); a key with an
// escape, a duplicate-free check or anything unusual fails with errSlow.
func scanObject(b []byte, field func(key, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSlow
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		if skipSpace(b, i+1) != len(b) {
			return errSlow
		}
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errSlow
		}
		end := stringEnd(b, i)
		if end < 0 {
			return errSlow
		}
		key := b[i+1 : end-1]
		for _, c := range key {
			if c == '\\' {
				return errSlow
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errSlow
		}
		i = skipSpace(b, i+1)
		vend := valueEnd(b, i)
		if vend < 0 {
			return errSlow
		}
		if err := field(key, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return errSlow
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			if skipSpace(b, i+1) != len(b) {
				return errSlow
			}
			return nil
		default:
			return errSlow
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that starts at b[i], or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value that starts at b[i], or -1. Nested objects
// and arrays are skipped by their brackets; the values are checked by whoever reads them.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// scanString decodes a JSON string value; one with escapes or bytes encoding/json would
// replace goes through encoding/json.
func scanString(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errSlow
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' || c < 0x20 || c >= 0x80 {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return "", errSlow
			}
			return s, nil
		}
	}
	return string(v[1 : len(v)-1]), nil
}

// scanUint decodes a non-negative JSON integer.
func scanUint(v []byte) (uint64, error) {
	if len(v) == 0 || v[0] < '0' || v[0] > '9' || len(v) > 1 && v[0] == '0' {
		return 0, errSlow
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, errSlow
	}
	return n, nil
}

func scanBool(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errSlow
}

// appendCommand appends the frame of a command with id in chat, as protocol.EncodeCommand
// writes it: by hand for a plain send whose strings need no escaping, else through it.
func appendCommand(b []byte, id, chat string, body protocol.CommandBody) ([]byte, error) {
	if s, ok := body.(*protocol.Send); ok && !s.HideLocal && !s.Internal && plain(id) && plain(chat) && plain(s.Text) {
		b = append(b, `{"v":`...)
		b = strconv.AppendInt(b, protocol.Version, 10)
		b = append(b, `,"type":"`...)
		b = append(b, protocol.TypeSend...)
		b = append(b, '"')
		if id != "" {
			b = append(b, `,"id":"`...)
			b = append(b, id...)
			b = append(b, '"')
		}
		if chat != "" {
			b = append(b, `,"chat":"`...)
			b = append(b, chat...)
			b = append(b, '"')
		}
		b = append(b, `,"data":{"text":"`...)
		b = append(b, s.Text...)
		return append(b, `"}}`...), nil
	}
	frame, err := protocol.EncodeCommand(protocol.Command{ID: id, Chat: chat, Body: body})
	if err != nil {
		return b, err
	}
	return append(b, frame...), nil
}

// plain reports whether s is written into JSON as it is: printable ASCII that encoding/json
// neither escapes nor replaces.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
