package desk

import (
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// ids lists the ids of chats.
func ids(cs []*Chat) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// closeAt ends chat id at the given time, as the server's chat.state does.
func closeAt(d *Desk, id string, seq uint64, at time.Time) {
	d.Apply(protocol.Event{Chat: id, Seq: seq, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}}, at)
}

// Ended chats leave "My chats" for the recently ended ones, newest first, and leave the list
// by themselves: after EndedKeep, or beyond the newest EndedMax. The chat on screen and one
// with unread messages stay for the time being; the agent can still remove one at once.
func TestEndedChatsLeaveTheListByThemselves(t *testing.T) {
	d := newDesk()
	var open []protocol.ChatSummary
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		open = append(open, summary(id, 0))
	}
	d.Apply(ready(open...), t0)
	d.Select("h")

	closeAt(d, "a", 1, t0)
	closeAt(d, "b", 1, t0.Add(time.Minute))
	if got := ids(d.VisibleChats()); len(got) != 6 || got[0] != "c" {
		t.Fatalf("my chats = %v, want the open ones", got)
	}
	if got := ids(d.VisibleEnded()); len(got) != 2 || got[0] != "b" || got[1] != "a" {
		t.Fatalf("ended = %v, want the last to end first", got)
	}
	if gone := d.Expire(t0.Add(2 * time.Minute)); len(gone) != 0 {
		t.Fatalf("expired too early: %v", ids(gone))
	}

	// Time: a leaves EndedKeep after it ended, b a minute later.
	if gone := ids(d.Expire(t0.Add(EndedKeep))); len(gone) != 1 || gone[0] != "a" || d.Chat("a") != nil {
		t.Fatalf("after EndedKeep gone = %v", gone)
	}
	if gone := ids(d.Expire(t0.Add(EndedKeep + time.Minute))); len(gone) != 1 || gone[0] != "b" {
		t.Fatalf("a minute later gone = %v", gone)
	}

	// Count: beyond the newest EndedMax, the oldest leave at once.
	t1 := t0.Add(time.Hour)
	for i, id := range []string{"c", "d", "e", "f", "g"} {
		closeAt(d, id, 1, t1.Add(time.Duration(i)*time.Second))
	}
	d.Select("h")
	closeAt(d, "h", 1, t1.Add(10*time.Second)) // the one on screen
	if gone := ids(d.Expire(t1.Add(11 * time.Second))); len(gone) != 1 || gone[0] != "c" {
		t.Fatalf("beyond EndedMax gone = %v", gone)
	}
	if got := ids(d.VisibleEnded()); len(got) != EndedMax || got[0] != "h" {
		t.Fatalf("ended = %v", got)
	}

	// The chat on screen stays while shown, and for EndedKeep after the agent left it.
	d.Apply(msg("g", 2, protocol.RoleVisitor, "One more thing"), t1) // unread in g
	late := t1.Add(EndedKeep + time.Minute)
	if gone := ids(d.Expire(late)); len(gone) != 3 || d.Chat("h") == nil || d.Chat("g") == nil {
		t.Fatalf("gone = %v, want d, e and f: h is shown and g unread", gone)
	}
	d.Select("g") // the agent reads g and leaves h
	if gone := ids(d.Expire(late.Add(time.Second))); len(gone) != 0 {
		t.Fatalf("gone right after the agent left h = %v", gone)
	}
	d.Dismiss("g") // removed at once
	if d.Chat("g") != nil || d.Selected != "" {
		t.Fatalf("dismiss left g=%v selected=%q", d.Chat("g"), d.Selected)
	}
	if gone := ids(d.Expire(late.Add(EndedKeep))); len(gone) != 1 || gone[0] != "h" || len(d.Chats) != 0 {
		t.Fatalf("h stays %v after it was last shown: gone %v", EndedKeep, gone)
	}
}
