package transcript

import (
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// transferLines tells a chat's transfer in the agents' transcript: who asked to hand the chat
// to whom, the note for the receiving agent, and how it ended. sys makes a system line at a
// time (the event's own when zero); the lines are internal, as the event is, and in lang.
func transferLines(b *protocol.Transfer, sys func(time.Time, string) Line, lang string) []Line {
	to := b.ToName
	if to == "" {
		to = say(lang, "another agent")
	}
	switch b.State {
	case protocol.TransferPending:
		out := []Line{sys(b.At, say(lang, "{0} asked to transfer the chat to {1}", b.By.Name, to))}
		if b.Note != "" {
			out = append(out, sys(b.At, say(lang, "Note for {0}: {1}", to, b.Note)))
		}
		return out
	case protocol.TransferAccepted:
		return []Line{sys(b.At, say(lang, "The chat was transferred to {0}", to))}
	case protocol.TransferFailed:
		return []Line{sys(b.At, say(lang, "The transfer to {0} failed ({1})", to, b.Reason))}
	}
	return nil
}
