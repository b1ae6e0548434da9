package realtime

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// clientFrame is a masked client frame, as a browser sends it.
func clientFrame(fin bool, op byte, payload []byte, mask [4]byte) []byte {
	b := []byte{op, 0x80}
	if fin {
		b[0] |= 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		b[1] |= byte(n)
	case n <= 0xffff:
		b[1] |= 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] |= 127
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, mask[:]...)
	p := append([]byte(nil), payload...)
	unmask(p, mask, 0)
	return append(b, p...)
}

// collect feeds b to a fresh reader in pieces of the given sizes (cycled), as a connection
// does (going on after a frame over the limit), and returns what it emitted, each message as
// opcode byte + payload, and the first error.
func collect(b []byte, limit int64, sizes []int) ([]string, error) {
	r := frameReader{limit: limit}
	var got []string
	emit := func(m message) bool { got = append(got, string(append([]byte{m.op}, m.payload...))); return true }
	b = append([]byte(nil), b...)
	var first error
	for i := 0; len(b) > 0; i++ {
		n := min(max(sizes[i%len(sizes)], 1), len(b))
		piece := append([]byte(nil), b[:n]...)
		b = b[n:]
		if err := r.feed(piece, emit); err != nil && first == nil {
			first = err
		}
	}
	return got, first
}

func TestFrameReaderReassemblesAroundControlFrames(t *testing.T) {
	m := [4]byte{1, 2, 3, 4}
	var stream []byte
	stream = append(stream, clientFrame(false, opText, []byte("hel"), m)...)
	stream = append(stream, clientFrame(true, opPing, []byte("p"), m)...)
	stream = append(stream, clientFrame(false, opContinuation, []byte("lo "), m)...)
	stream = append(stream, clientFrame(true, opContinuation, bytes.Repeat([]byte("w"), 70000), m)...)
	stream = append(stream, clientFrame(true, opBinary, []byte{0, 1}, m)...)
	want := []string{"\x09p", "\x01hello " + string(bytes.Repeat([]byte("w"), 70000)), "\x02\x00\x01"}
	for _, sizes := range [][]int{{len(stream)}, {1}, {3, 7, 1}, {4096}} {
		got, err := collect(stream, 1<<20, sizes)
		if err != nil || len(got) != len(want) {
			t.Fatalf("pieces %v: %d messages, %v", sizes, len(got), err)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("pieces %v: message %d differs", sizes, i)
			}
		}
	}
}

func TestFrameReaderRefuses(t *testing.T) {
	m := [4]byte{9, 8, 7, 6}
	unmasked := clientFrame(true, opText, []byte("x"), m)
	unmasked[1] &^= 0x80
	for name, c := range map[string]struct {
		stream []byte
		err    error
	}{
		"unmasked":           {unmasked, errUnmasked},
		"reserved bits":      {append([]byte{0xc1}, clientFrame(true, opText, nil, m)[1:]...), errReserved},
		"unknown opcode":     {clientFrame(true, 0x3, nil, m), errOpcode},
		"fragmented ping":    {clientFrame(false, opPing, nil, m), errControl},
		"long ping":          {clientFrame(true, opPing, make([]byte, 126), m), errControl},
		"lone continuation":  {clientFrame(true, opContinuation, []byte("x"), m), errContinuation},
		"interleaved":        {append(clientFrame(false, opText, []byte("a"), m), clientFrame(true, opText, []byte("b"), m)...), errInterleaved},
		"too large":          {clientFrame(true, opText, make([]byte, 2000), m), errTooLarge},
		"too large in parts": {append(clientFrame(false, opText, make([]byte, 600), m), clientFrame(true, opContinuation, make([]byte, 600), m)...), errTooLarge},
		"short length form":  {[]byte{0x81, 0x80 | 126, 0, 5, 1, 2, 3, 4}, errLength},
	} {
		if _, err := collect(c.stream, 1000, []int{1 << 20}); err != c.err {
			t.Errorf("%s: %v, want %v", name, err, c.err)
		}
	}
}

// A refused frame's payload is dropped as it arrives, so the close frame behind it is read.
func TestFrameReaderSkipsRefusedFrame(t *testing.T) {
	m := [4]byte{5, 5, 5, 5}
	stream := append(clientFrame(true, opText, make([]byte, 5000), m), clientFrame(true, opClose, []byte{3, 232}, m)...)
	for _, size := range []int{len(stream), 1, 100, 4096} {
		r := frameReader{limit: 1000}
		var got []message
		var errs []error
		for b := stream; len(b) > 0; {
			n := min(size, len(b))
			if err := r.feed(append([]byte(nil), b[:n]...), func(m message) bool { got = append(got, m); return true }); err != nil {
				errs = append(errs, err)
			}
			b = b[n:]
		}
		if len(errs) != 1 || errs[0] != errTooLarge || len(got) != 1 || got[0].op != opClose {
			t.Fatalf("pieces of %d: errors %v, messages %v", size, errs, got)
		}
	}
}

func TestParseClose(t *testing.T) {
	for _, c := range []struct {
		payload []byte
		code    int
		ok      bool
	}{
		{nil, closeNoStatus, true},
		{[]byte{3, 232}, 1000, true},
		{[]byte{0x0f, 0xa0, 'o', 'k'}, 4000, true},
		{[]byte{3}, 0, false},
		{[]byte{3, 237}, 0, false}, // 1005 may not be sent
		{[]byte{3, 232, 0xff}, 0, false},
	} {
		code, err := parseClose(c.payload)
		if (err == nil) != c.ok || code != c.code {
			t.Errorf("%v: %d %v", c.payload, code, err)
		}
	}
}

// FuzzFrameReader: any bytes, in any pieces, give the same messages and the same verdict as
// in one piece, and never a panic.
func FuzzFrameReader(f *testing.F) {
	m := [4]byte{1, 2, 3, 4}
	f.Add(clientFrame(true, opText, []byte(`{"v":1}`), m), uint8(1))
	f.Add(append(clientFrame(false, opText, []byte("a"), m), clientFrame(true, opContinuation, []byte("b"), m)...), uint8(2))
	f.Add(clientFrame(true, opText, make([]byte, 300), m), uint8(7))
	f.Add(clientFrame(true, opClose, []byte{3, 232}, m), uint8(3))
	f.Fuzz(func(t *testing.T, stream []byte, piece uint8) {
		whole, errWhole := collect(stream, 256, []int{len(stream) + 1})
		parts, errParts := collect(stream, 256, []int{int(piece), int(piece)/2 + 1})
		if errWhole != errParts {
			t.Fatalf("verdict %v in one piece, %v in pieces of %d", errWhole, errParts, piece)
		}
		if len(whole) != len(parts) {
			t.Fatalf("%d messages in one piece, %d in pieces", len(whole), len(parts))
		}
		for i := range whole {
			if whole[i] != parts[i] {
				t.Fatalf("message %d differs", i)
			}
		}
	})
}

// A frame's announced length reserves nothing: an incomplete frame holds about what has come
// of it (a client may announce a mebibyte and send a byte), and the frame still arrives whole
// when the rest comes in pieces.
func TestFrameReaderHoldsWhatCame(t *testing.T) {
	m := [4]byte{9, 8, 7, 6}
	payload := bytes.Repeat([]byte("x"), 1<<20-100)
	stream := clientFrame(true, opText, payload, m)
	r := frameReader{limit: 1 << 20}
	var got []message
	emit := func(msg message) bool {
		got = append(got, message{op: msg.op, payload: append([]byte(nil), msg.payload...)})
		return true
	}
	if err := r.feed(append([]byte(nil), stream[:30]...), emit); err != nil {
		t.Fatal(err)
	}
	if !r.pending() || cap(r.rest) > 1024 {
		t.Fatalf("after 30 bytes of a %d-byte frame: pending %v, %d bytes kept", len(stream), r.pending(), cap(r.rest))
	}
	for b := stream[30:]; len(b) > 0; {
		n := min(4096, len(b))
		if err := r.feed(append([]byte(nil), b[:n]...), emit); err != nil {
			t.Fatal(err)
		}
		if len(b) > n && cap(r.rest) > 2*(len(stream)-len(b)+n)+64 {
			t.Fatalf("%d bytes come, %d kept", len(stream)-len(b)+n, cap(r.rest))
		}
		b = b[n:]
	}
	if len(got) != 1 || !bytes.Equal(got[0].payload, payload) || r.pending() || r.messages != 1 {
		t.Fatalf("%d messages, pending %v, counted %d", len(got), r.pending(), r.messages)
	}
}

// A fragmented message is pending from its first fragment to its last; control frames
// between them are not messages.
func TestFrameReaderPendingMessage(t *testing.T) {
	m := [4]byte{1, 2, 3, 4}
	r := frameReader{limit: 1 << 20}
	emit := func(message) bool { return true }
	for i, step := range []struct {
		frame    []byte
		pending  bool
		messages uint64
	}{
		{clientFrame(false, opText, []byte("a"), m), true, 0},
		{clientFrame(true, opPing, nil, m), true, 0},
		{clientFrame(false, opContinuation, []byte("b"), m), true, 0},
		{clientFrame(true, opContinuation, []byte("c"), m), false, 1},
		{clientFrame(true, opPong, nil, m), false, 1},
	} {
		if err := r.feed(step.frame, emit); err != nil {
			t.Fatal(err)
		}
		if r.pending() != step.pending || r.messages != step.messages {
			t.Fatalf("step %d: pending %v, messages %d", i, r.pending(), r.messages)
		}
	}
}
