package transcript

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A transfer shows in the agents' transcript as internal lines, the note included.
func TestTransferLines(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var got []string
	for _, b := range []protocol.Transfer{
		{State: protocol.TransferPending, By: protocol.Participant{Name: "Anna"}, ToName: "Ben", Note: "Rechnung 4711", At: at},
		{State: protocol.TransferFailed, By: protocol.Participant{Name: "Anna"}, ToName: "Ben", Reason: "timeout", At: at},
		{State: protocol.TransferAccepted, By: protocol.Participant{Name: "Anna"}, ToName: "Carla", At: at},
	} {
		data, _ := json.Marshal(&b)
		for _, l := range lines(store.Event{Type: string(protocol.TypeTransfer), Data: data, AgentsOnly: true, At: at}, nil, "Vera", "en") {
			if !l.Internal || l.Kind != LineSystem || !l.At.Equal(at) {
				t.Errorf("line %+v", l)
			}
			got = append(got, l.Text)
		}
	}
	want := "Anna asked to transfer the chat to Ben|Note for Ben: Rechnung 4711|The transfer to Ben failed (timeout)|The chat was transferred to Carla"
	if strings.Join(got, "|") != want {
		t.Fatalf("lines %s", strings.Join(got, "|"))
	}
}
