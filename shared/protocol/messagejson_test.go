package protocol

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// checkEncodeMessage states what EncodeMessage must give for any line: json.Marshal's bytes,
// or its error.
func checkEncodeMessage(t *testing.T, m *Message) {
	t.Helper()
	want, wantErr := json.Marshal(m)
	got, err := EncodeMessage(m)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Fatalf("EncodeMessage(%#v)\n got %s, %v\nwant %s, %v", m, got, err, want, wantErr)
	}
}

// To fuzz: go test ./shared/protocol -run '^$' -fuzz FuzzEncodeMessage -fuzztime 60s
func FuzzEncodeMessage(f *testing.F) {
	f.Add("visitor", "Ana", "Hello <b>&\"\\\x00\u2028 é \xff", "", "linev", "c-1", false, false, int64(1_765_000_000), int64(123_456_789), 0)
	f.Add("system", "", "", "welcomeMessage", "", "", true, true, int64(0), int64(0), -5*3600)
	f.Add("agent", "Bo", "x", "", "", "", false, true, int64(-62_167_219_200), int64(1), 3600+30) // year 0, an offset with seconds
	f.Add("agent", "", "late", "", "", "", false, false, int64(253_402_300_800), int64(0), 0)     // year 10000
	f.Fuzz(func(t *testing.T, role, name, text, key, class, client string, hide, internal bool, secs, nanos int64, offset int) {
		at := time.Unix(secs, nanos%1e9).In(time.FixedZone("z", offset%(26*3600)))
		checkEncodeMessage(t, &Message{Role: Role(role), Name: name, Text: text, Key: key, Class: class, ClientID: client, HideLocal: hide, Internal: internal, At: at})
	})
}

func TestEncodeMessageMatchesMarshalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("p", 5*3600+30*60), time.FixedZone("s", 17), time.FixedZone("far", -25*3600)}
	for range 20_000 {
		m := &Message{Role: Role(randomString(r)), Name: randomString(r), Text: randomString(r), Key: randomString(r), Class: randomString(r),
			ClientID: randomString(r), HideLocal: r.IntN(2) == 0, Internal: r.IntN(2) == 0,
			At: time.Unix(r.Int64N(400_000_000_000)-200_000_000_000, r.Int64N(1e9)).In(zones[r.IntN(len(zones))])}
		if r.IntN(4) == 0 {
			m.Name, m.Key, m.Class, m.ClientID = "", "", "", ""
		}
		switch r.IntN(10) {
		case 0:
			m.File = &File{Name: randomString(r), URL: "/f/1", Size: r.Int64()}
		case 1:
			m.Translation = &Translation{From: "en", To: "de", Text: randomString(r)}
		case 2:
			m.At = time.Time{}
		}
		checkEncodeMessage(t, m)
	}
}

func BenchmarkEncodeMessage(b *testing.B) {
	m := &Message{Role: RoleVisitor, Name: "Ana", Text: "Hello, I have a question about my order", Class: "linev", ClientID: "c-123456", At: time.Now().UTC()}
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			_, _ = EncodeMessage(m)
		}
	})
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(m)
		}
	})
}
