package protocol

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/parleychat/parley/shared/limits"
)

// The seed corpora live in testdata/fuzz/ (see TestFuzzSeedCorpus) and run as ordinary tests.
// To fuzz: go test ./shared/protocol -run '^$' -fuzz FuzzDecodeCommand -fuzztime 60s

// commandErrorCodes are the codes DecodeCommand may give.
var commandErrorCodes = map[Code]bool{
	CodeBadJSON: true, CodeBadVersion: true, CodeUnknownType: true, CodeTooLarge: true, CodeInvalid: true, CodeForbidden: true,
}

// eventErrorCodes are the codes DecodeEvent may give.
var eventErrorCodes = map[Code]bool{CodeBadJSON: true, CodeBadVersion: true, CodeUnknownType: true}

func FuzzDecodeCommand(f *testing.F) {
	f.Fuzz(func(t *testing.T, frame []byte) {
		for _, role := range []Role{RoleVisitor, RoleAgent} {
			checkDecodeCommand(t, frame, role)
		}
	})
}

// checkDecodeCommand states what must hold for any frame: DecodeCommand does not panic; it
// fails with a [*Error] of a known code that echoes only a usable id; or it returns a valid
// command the role may send, which encodes to a frame that decodes to an equal command, and
// which does not share memory with the frame.
func checkDecodeCommand(t *testing.T, frame []byte, role Role) {
	input := bytes.Clone(frame)
	c, err := DecodeCommand(input, role)
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: error %T %v is not a *protocol.Error", role, err, err)
		}
		if !commandErrorCodes[pe.Code] || pe.Message == "" {
			t.Fatalf("%s: error %#v", role, pe)
		}
		if usableID(pe.ID) != pe.ID {
			t.Fatalf("%s: error echoes an unusable id %q", role, pe.ID)
		}
		if c != (Command{}) {
			t.Fatalf("%s: failed decode returned %+v", role, c)
		}
		return
	}
	typ := c.Body.CommandType()
	spec, ok := commandTypes[typ]
	switch {
	case !ok:
		t.Fatalf("%s: decoded unknown type %q", role, typ)
	case !spec.allows(role):
		t.Fatalf("%s: decoded %q, which the role may not send", role, typ)
	case c.ID == "" || usableID(c.ID) != c.ID || usableID(c.Chat) != c.Chat:
		t.Fatalf("%s: decoded id %q chat %q", role, c.ID, c.Chat)
	case c.Body.Validate() != nil:
		t.Fatalf("%s: decoded an invalid %q: %v", role, typ, c.Body.Validate())
	}
	if _, scoped := c.Body.(chatScoped); scoped && c.Chat == "" {
		t.Fatalf("%s: decoded %q without chat", role, typ)
	}

	again, err := EncodeCommand(c)
	if err != nil {
		t.Fatalf("%s: re-encoding %q: %v", role, typ, err)
	}
	// The decoded command owns its memory: scribbling over the frame changes nothing.
	for i := range input {
		input[i] = 'x'
	}
	if after, _ := EncodeCommand(c); !bytes.Equal(after, again) {
		t.Fatalf("%s: the decoded command aliases the frame", role)
	}

	c2, err := DecodeCommand(again, role)
	if err != nil {
		// Re-encoding escapes <, >, & and control characters, so a frame near the limit may grow
		// past it; every other refusal of our own encoding is a bug.
		var pe *Error
		if errors.As(err, &pe) && pe.Code == CodeTooLarge && len(again) > limits.FrameBytes {
			return
		}
		t.Fatalf("%s: re-decoding %q: %v\nframe: %q\nagain: %q", role, typ, err, frame, again)
	}
	if !sameCommand(c, c2) {
		t.Fatalf("%s: round trip changed the command:\n got %#v\nwant %#v", role, c2.Body, c.Body)
	}
	if again2, _ := EncodeCommand(c2); !bytes.Equal(again, again2) {
		t.Fatalf("%s: encoding is not stable:\n%s\n%s", role, again, again2)
	}
}

// sameCommand compares commands as the wire sees them: an empty map left out of a frame comes
// back nil, and that is no difference.
func sameCommand(a, b Command) bool {
	return a.ID == b.ID && a.Chat == b.Chat && reflect.DeepEqual(emptyMapsToNil(a.Body), emptyMapsToNil(b.Body))
}

// emptyMapsToNil returns a copy of the struct behind p with its empty map fields set to nil.
func emptyMapsToNil(p any) any {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return p
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	for i := 0; i < c.Elem().NumField(); i++ {
		f := c.Elem().Field(i)
		if f.Kind() == reflect.Map && f.Len() == 0 && f.CanSet() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return c.Interface()
}

func FuzzDecodeEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, frame []byte) {
		input := bytes.Clone(frame)
		ev, err := DecodeEvent(input)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *protocol.Error", err, err)
			}
			if !eventErrorCodes[pe.Code] || pe.Message == "" {
				t.Fatalf("error %#v", pe)
			}
			if ev.Body != nil {
				t.Fatalf("failed decode returned %+v", ev.Body)
			}
			return
		}
		typ := ev.Body.EventType()
		if _, ok := eventTypes[typ]; !ok {
			t.Fatalf("decoded unknown type %q", typ)
		}
		again, err := EncodeEvent(ev)
		if err != nil {
			t.Fatalf("re-encoding %q: %v\nframe: %q", typ, err, frame)
		}
		for i := range input {
			input[i] = 'x'
		}
		if after, _ := EncodeEvent(ev); !bytes.Equal(after, again) {
			t.Fatal("the decoded event aliases the frame")
		}
		ev2, err := DecodeEvent(again)
		if err != nil {
			t.Fatalf("re-decoding %q: %v\nframe: %q\nagain: %q", typ, err, frame, again)
		}
		if ev2.ID != ev.ID || ev2.Chat != ev.Chat || ev2.Seq != ev.Seq || ev2.Body.EventType() != typ {
			t.Fatalf("round trip changed the envelope: %+v → %+v", ev, ev2)
		}
		// Equal as the wire sees them (times keep their instant and offset, not their
		// *time.Location, and raw JSON is compacted).
		if again2, _ := EncodeEvent(ev2); !bytes.Equal(again, again2) {
			t.Fatalf("round trip changed the event:\n%s\n%s", again, again2)
		}
	})
}
