package realtime

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// The server side of RFC 6455 framing, kept small so that a connection between frames holds no
// buffer at all: frames are parsed straight from what one read returned, and only the bytes of
// an incomplete frame are kept.

// Opcodes of RFC 6455 section 5.2.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// Close codes of RFC 6455 section 7.4.1 the transport itself uses.
const (
	closeNormal        = 1000
	closeProtocolError = 1002
	closeNoStatus      = 1005
)

// Why a client's bytes are not a WebSocket stream this server accepts; each closes the
// connection with closeProtocolError, except errTooLarge.
var (
	errReserved     = errors.New("websocket: reserved bits set")
	errUnmasked     = errors.New("websocket: client frame not masked")
	errOpcode       = errors.New("websocket: unknown opcode")
	errControl      = errors.New("websocket: fragmented or long control frame")
	errContinuation = errors.New("websocket: continuation without a message")
	errInterleaved  = errors.New("websocket: new message before the last one ended")
	errLength       = errors.New("websocket: invalid length")
	errClosePayload = errors.New("websocket: invalid close payload")
	errTooLarge     = errors.New("frame over the hard limit")
)

// header is a parsed frame header.
type header struct {
	fin    bool
	op     byte
	length int64
	mask   [4]byte
	size   int // bytes of the header itself
}

// parseHeader parses the frame header at the start of b. It returns ok false when b holds only
// part of it, and an error for a header a client may not send or one whose payload (with what
// the message holds already, pending) would pass limit.
func parseHeader(b []byte, pending, limit int64) (h header, ok bool, err error) {
	if len(b) < 2 {
		return h, false, nil
	}
	h.fin = b[0]&0x80 != 0
	if b[0]&0x70 != 0 {
		return h, false, errReserved
	}
	h.op = b[0] & 0x0f
	if b[1]&0x80 == 0 {
		return h, false, errUnmasked
	}
	switch h.op {
	case opContinuation, opText, opBinary, opClose, opPing, opPong:
	default:
		return h, false, errOpcode
	}
	n := int64(b[1] & 0x7f)
	h.size = 2
	switch n {
	case 126:
		if len(b) < 4 {
			return h, false, nil
		}
		n = int64(binary.BigEndian.Uint16(b[2:]))
		if n < 126 {
			return h, false, errLength
		}
		h.size = 4
	case 127:
		if len(b) < 10 {
			return h, false, nil
		}
		u := binary.BigEndian.Uint64(b[2:])
		if u>>63 != 0 || u < 1<<16 {
			return h, false, errLength
		}
		n = int64(u)
		h.size = 10
	}
	if h.op >= opClose && (!h.fin || n > 125) {
		return h, false, errControl
	}
	if len(b) < h.size+4 {
		return h, false, nil
	}
	copy(h.mask[:], b[h.size:])
	h.size += 4
	h.length = n
	if h.op < opClose && n > limit-pending {
		return h, false, errTooLarge
	}
	return h, true, nil
}

// unmask undoes the client's masking of p, whose first byte is at offset pos of the payload.
func unmask(p []byte, mask [4]byte, pos int) {
	for i := range p {
		p[i] ^= mask[(pos+i)&3]
	}
}

// appendFrame appends an unmasked, unfragmented server frame.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	dst = appendHeader(dst, op, len(payload))
	return append(dst, payload...)
}

// appendHeader appends the header of an unmasked, unfragmented server frame of n payload bytes.
func appendHeader(dst []byte, op byte, n int) []byte {
	dst = append(dst, 0x80|op)
	switch {
	case n <= 125:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return dst
}

// closeFrame is a close frame with code and reason (cut to fit a control frame).
func closeFrame(code int, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	return appendFrame(nil, opClose, append(payload, reason...))
}

// parseClose reads a close frame's payload: its code (closeNoStatus when empty) or an error
// when the payload is not one RFC 6455 allows.
func parseClose(p []byte) (int, error) {
	switch {
	case len(p) == 0:
		return closeNoStatus, nil
	case len(p) == 1 || !utf8.Valid(p[2:]):
		return 0, errClosePayload
	}
	code := int(binary.BigEndian.Uint16(p))
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return code, nil
	}
	return 0, errClosePayload
}

// message is one complete data message or control frame the reader hands on.
type message struct {
	op      byte
	payload []byte
}

// frameReader reassembles a client's byte stream into messages. It keeps only an incomplete
// frame's bytes and an incomplete fragmented message; both are nil between messages.
type frameReader struct {
	limit int64  // a message may not pass this many bytes
	rest  []byte // the bytes of an incomplete frame
	msg   []byte // the fragments of an incomplete message
	msgOp byte   // its opcode, 0 when none is open
	skip  int64  // payload bytes of a refused frame still to drop
	dead  bool   // the stream broke the protocol: nothing more is parsed
	// messages counts the data messages completed, so that a reader of pending can tell a
	// client that keeps completing messages from one that never completes its last.
	messages uint64
}

// feed parses b (which it may modify) and calls emit for each complete message and control
// frame, in order; emit's payload is valid only during the call. It stops at the first error
// or when emit returns false, except after a frame over the limit: that one is dropped, what
// follows is read, and errTooLarge is returned at the end. After a protocol error it reads
// nothing more.
func (r *frameReader) feed(b []byte, emit func(message) bool) error {
	if r.dead {
		return nil
	}
	if r.skip > 0 {
		if int64(len(b)) <= r.skip {
			r.skip -= int64(len(b))
			return nil
		}
		b = b[r.skip:]
		r.skip = 0
	}
	if len(r.rest) > 0 {
		b = append(r.rest, b...)
		r.rest = nil
	}
	var refused error // a frame over the limit, whose payload is dropped
	for len(b) > 0 {
		h, ok, err := parseHeader(b, int64(len(r.msg)), r.limit)
		if err != nil {
			if err != errTooLarge {
				return r.die(refused, err)
			}
			// Drop the frame's payload as it comes, so that what follows it can be read.
			refused, r.msg, r.msgOp = err, nil, 0
			if have := int64(len(b) - h.size); have < h.length {
				r.skip = h.length - have
				return refused
			}
			b = b[int64(h.size)+h.length:]
			continue
		}
		if !ok || int64(len(b)-h.size) < h.length {
			r.rest = append(make([]byte, 0, r.want(b, h, ok)), b...)
			return refused
		}
		payload := b[h.size : int64(h.size)+h.length]
		b = b[int64(h.size)+h.length:]
		unmask(payload, h.mask, 0)
		var m message
		switch {
		case h.op >= opClose:
			m = message{op: h.op, payload: payload}
		case h.op == opContinuation && r.msgOp == 0:
			return r.die(refused, errContinuation)
		case h.op != opContinuation && r.msgOp != 0:
			return r.die(refused, errInterleaved)
		case h.fin && r.msgOp == 0:
			m = message{op: h.op, payload: payload}
		default:
			if r.msgOp == 0 {
				r.msgOp = h.op
			}
			r.msg = append(r.msg, payload...)
			if !h.fin {
				continue
			}
			m = message{op: r.msgOp, payload: r.msg}
			r.msg, r.msgOp = nil, 0
		}
		if m.op < opClose {
			r.messages++
		}
		if !emit(m) {
			if len(b) > 0 {
				r.rest = append([]byte(nil), b...)
			}
			return refused
		}
	}
	return refused
}

// die stops the reader at a protocol error and returns the first error of the stream.
func (r *frameReader) die(refused, err error) error {
	r.dead, r.rest, r.msg, r.msgOp = true, nil, nil, 0
	if refused != nil {
		return refused
	}
	return err
}

// want is the capacity to keep for an incomplete frame: what has come with room for as much
// again, up to the frame's end. Not the length its header announces: a client may announce a
// frame of up to the limit (a mebibyte) and send a byte of it, and each of many sockets would
// hold the whole of it. Growing by appending, a frame that does come costs a copy or two.
func (r *frameReader) want(b []byte, h header, ok bool) int {
	n := 2 * len(b)
	if ok {
		n = min(n, h.size+int(h.length))
	}
	return max(n, len(b))
}

// pending says whether the reader holds part of a frame or of a fragmented message: bytes
// the client has yet to complete (see Conn.partialSince).
func (r *frameReader) pending() bool { return len(r.rest) > 0 || r.msgOp != 0 }
