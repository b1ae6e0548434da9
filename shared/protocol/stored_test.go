package protocol

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// randomString draws from the characters that take json.Marshal's special paths: NUL and other
// control characters, quotes and backslashes, HTML's <, > and &, U+2028 and U+2029, other
// unicode, invalid UTF-8 and plain ASCII.
func randomString(r *rand.Rand) string {
	pieces := []string{"\x00", "\x01", "\x1f", "\t", "\n", "\r", "\"", "\\", "/", "<", ">", "&", "\u2028", "\u2029",
		"é", "日本", "😀", "\xff", "\xe2\x80", "\ufffd", " ", "a", "Z", "0", "{", "}", "[", "]", ":", ","}
	var b strings.Builder
	for range r.IntN(24) {
		if r.IntN(3) == 0 {
			b.WriteString(pieces[r.IntN(len(pieces))])
		} else {
			b.WriteByte(byte(0x20 + r.IntN(0x5f)))
		}
	}
	return b.String()
}

// randomNumber is a JSON number, huge ones included.
func randomNumber(r *rand.Rand) string {
	return []string{"0", "-0", "1", "-1", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
		"1e999", "-1.5E-300", "0.000000000000000000001", strconv.FormatInt(r.Int64(), 10), strconv.FormatFloat(r.NormFloat64()*1e20, 'g', -1, 64)}[r.IntN(12)]
}

// randomJSON is a JSON text; spaced puts white space between its tokens.
func randomJSON(r *rand.Rand, depth int, spaced bool) string {
	sp := func() string {
		if spaced && r.IntN(2) == 0 {
			return []string{" ", "\n", "\t", "\r\n  "}[r.IntN(4)]
		}
		return ""
	}
	quote := func(s string) string {
		if r.IntN(2) == 0 {
			b, _ := json.Marshal(s)
			return string(b)
		}
		// As other encoders write strings: <, >, &, U+2028 and U+2029 as they are.
		var b strings.Builder
		b.WriteByte('"')
		for _, c := range []byte(s) {
			switch {
			case c == '"' || c == '\\':
				b.WriteString(`\` + string(c))
			case c < 0x20:
				b.WriteString(`\u00` + strconv.FormatUint(uint64(c)>>4, 16) + strconv.FormatUint(uint64(c)&15, 16))
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	switch k := r.IntN(7); {
	case depth > 3 || k == 0:
		return randomNumber(r)
	case k == 1:
		return quote(randomString(r))
	case k == 2:
		return []string{"true", "false", "null", `"\u003c\u0000\ud83d\ude00"`, `"\/"`}[r.IntN(5)]
	case k == 3:
		var parts []string
		for range r.IntN(4) {
			parts = append(parts, sp()+randomJSON(r, depth+1, spaced)+sp())
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		var parts []string
		for range r.IntN(5) {
			parts = append(parts, sp()+quote(randomString(r))+sp()+":"+sp()+randomJSON(r, depth+1, spaced)+sp())
		}
		return sp() + "{" + strings.Join(parts, ",") + "}" + sp()
	}
}

// randomEvent is an event body as the server stores them.
func randomEvent(r *rand.Rand) EventBody {
	at := time.Unix(r.Int64N(1<<37), r.Int64N(1e9)).UTC()
	switch r.IntN(3) {
	case 0:
		return &Message{Role: []Role{RoleVisitor, RoleAgent}[r.IntN(2)], Name: randomString(r), Text: randomString(r), At: at}
	case 1:
		return &Joined{Role: RoleAgent, Name: randomString(r)}
	default:
		return &Ack{Chat: randomString(r), Token: randomString(r), Seq: r.Uint64()}
	}
}

// TestEnvelopeMatchesMarshalRandom checks that frames written around a stored body are byte for
// byte what json.Marshal of the envelope gives (and fail where it fails), over random headers
// and bodies: bodies as stored, bodies with white space and HTML characters json.Marshal
// rewrites, and texts that are no JSON.
func TestEnvelopeMatchesMarshalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2026))
	types := make([]Type, 0, len(eventTypes))
	for ty := range eventTypes {
		types = append(types, ty)
	}
	slices.Sort(types)
	for i := range 20000 {
		ty := types[r.IntN(len(types))]
		chat := ""
		if r.IntN(4) > 0 {
			chat = randomString(r)
		}
		seq := []uint64{0, 1, math.MaxUint64, r.Uint64(), uint64(r.IntN(100000))}[r.IntN(5)]
		var data []byte
		switch r.IntN(7) {
		case 0, 1:
			data, _ = json.Marshal(randomEvent(r))
			if _, ok := appendEnvelope(nil, ty, "", chat, seq, data, false); !ok {
				t.Fatalf("case %d: the stored body %q is not written around", i, data)
			}
		case 2:
			data = []byte(randomJSON(r, 0, false))
		case 3:
			data = []byte(randomJSON(r, 0, true))
		case 4:
			data = []byte(randomJSON(r, 0, false))
			data = data[:r.IntN(len(data)+1)] // cut: mostly no JSON, sometimes empty
		case 5:
			// One byte changed: raw control characters in strings, broken escapes and numbers.
			data = []byte(randomJSON(r, 0, false))
			if len(data) > 0 {
				const bytes = "\x00\x1f\n\tu\\\"x.e-0"
				data[r.IntN(len(data))] = bytes[r.IntN(len(bytes))]
			}
			if r.IntN(2) == 0 {
				data = append([]byte(`["\u00`), data...)
			}
		default:
			data = nil
		}
		got, err := EncodeStored(ty, chat, seq, data)
		want, wantErr := json.Marshal(Envelope{V: Version, Type: ty, Chat: chat, Seq: seq, Data: data})
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("case %d: EncodeStored(%q, %q, %d, %q) error %v, json.Marshal error %v", i, ty, chat, seq, data, err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: EncodeStored(%q, %q, %d, %q)\n got %q\nwant %q", i, ty, chat, seq, data, got, want)
		}

		body := randomEvent(r)
		ev := Event{Chat: chat, Seq: seq, Body: body}
		if r.IntN(2) == 0 {
			ev.ID = randomString(r)
		}
		got, err = EncodeEvent(ev)
		bodyData, _ := json.Marshal(body)
		want, wantErr = json.Marshal(Envelope{V: Version, Type: body.EventType(), ID: ev.ID, Chat: chat, Seq: seq, Data: bodyData})
		if err != nil || wantErr != nil || !bytes.Equal(got, want) {
			t.Fatalf("case %d: EncodeEvent(%+v)\n got %q (%v)\nwant %q (%v)", i, ev, got, err, want, wantErr)
		}
	}
}

// BenchmarkEncodeStored compares the frame of a stored message written around its body
// (EncodeStored) with json.Marshal of the envelope, which it replaced.
func BenchmarkEncodeStored(b *testing.B) {
	data, err := json.Marshal(&Message{Role: RoleVisitor, Name: "Anna Schmidt", Text: "Hello, I ordered the blue jacket last week and it has not arrived yet. Can you check?", At: exampleTime})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(Envelope{V: Version, Type: TypeMessage, Chat: "ch_8ZqM2x", Seq: 4242, Data: data}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("around", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EncodeStored(TypeMessage, "ch_8ZqM2x", 4242, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
