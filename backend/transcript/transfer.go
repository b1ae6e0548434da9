package transcript

import (
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// transferLines tells a chat's transfer in the agents' transcript: who asked to hand the chat
// to whom, the note for the receiving agent, and how it ended. sys makes a system line at a
// time (the event's own when zero); the lines are internal, as the event is.
func transferLines(b *protocol.Transfer, sys func(time.Time, string) Line) []Line {
	to := b.ToName
	if to == "" {
		to = "another agent"
	}
	switch b.State {
	case protocol.TransferPending:
		out := []Line{sys(b.At, b.By.Name+" asked to transfer the chat to "+to)}
		if b.Note != "" {
			out = append(out, sys(b.At, "Note for "+to+": "+b.Note))
		}
		return out
	case protocol.TransferAccepted:
		return []Line{sys(b.At, "The chat was transferred to "+to)}
	case protocol.TransferFailed:
		return []Line{sys(b.At, "The transfer to "+to+" failed ("+b.Reason+")")}
	}
	return nil
}
