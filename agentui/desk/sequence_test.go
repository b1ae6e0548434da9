package desk

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// texts is chat id's lines, in order.
func texts(d *Desk, id string) string {
	var out []string
	for _, l := range d.Chat(id).Lines {
		out = append(out, l.Text)
	}
	return strings.Join(out, "|")
}

// resumesIn returns the resumes among cmds.
func resumesIn(cmds []protocol.Command) []protocol.Command {
	var out []protocol.Command
	for _, c := range cmds {
		if _, ok := c.Body.(*protocol.Resume); ok {
			out = append(out, c)
		}
	}
	return out
}

// line is a visitor message numbered seq, whose text is the number.
func line(chat string, seq uint64) protocol.Event {
	return msg(chat, seq, protocol.RoleVisitor, strconv.FormatUint(seq, 10))
}

// online is a desk after agent.ready with chat a, whose resume was answered.
func online(t *testing.T) *Desk {
	t.Helper()
	d := newDesk()
	_, cmds := d.Apply(ready(summary("a", 0)), t0)
	d.Apply(protocol.Event{ID: cmds[0].ID, Body: &protocol.Ack{Chat: "a"}}, t0)
	if d.Chat("a").Resuming != "" {
		t.Fatal("resume still in flight after its ack")
	}
	return d
}

func TestDeskGapFilledByReplay(t *testing.T) {
	d := online(t)
	d.Apply(line("a", 1), t0)
	_, cmds := d.Apply(line("a", 4), t0)
	res := resumesIn(cmds)
	if len(res) != 1 || res[0].Chat != "a" || res[0].Body.(*protocol.Resume).After != 1 || texts(d, "a") != "1" {
		t.Fatalf("after the gap: %+v, lines %q", cmds, texts(d, "a"))
	}
	// A live event during the resume is held and asks for nothing more.
	if _, cmds := d.Apply(line("a", 5), t0); len(cmds) != 0 || texts(d, "a") != "1" {
		t.Fatalf("during the resume: %+v, lines %q", cmds, texts(d, "a"))
	}
	// The replay fills the gap; the held events follow, and their replayed copies are dropped.
	d.SetFocused(false)
	var alerts []Alert
	for _, seq := range []uint64{2, 3, 4, 5} {
		a, _ := d.Apply(line("a", seq), t0)
		alerts = append(alerts, a...)
	}
	if got := texts(d, "a"); got != "1|2|3|4|5" {
		t.Fatalf("after the replay: %q", got)
	}
	if n := len(kinds(alerts)); n != 8 || d.Chat("a").Unread != 4 {
		t.Fatalf("alerts %v, unread %d: each new message alerts once", kinds(alerts), d.Chat("a").Unread)
	}
	d.Apply(protocol.Event{ID: res[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 5}}, t0)
	if got := texts(d, "a"); got != "1|2|3|4|5" || d.Chat("a").LastSeq != 5 || len(d.Logs()) != 0 || d.Chat("a").Resuming != "" {
		t.Fatalf("after the ack: %q", got)
	}
}

func TestDeskGapTheReplayCannotFill(t *testing.T) {
	d := online(t)
	d.Apply(line("a", 1), t0)
	_, cmds := d.Apply(line("a", 3), t0) // 2 does not exist on the server
	res := resumesIn(cmds)
	d.Apply(line("a", 3), t0)
	d.Apply(protocol.Event{ID: res[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 3}}, t0)
	if got := texts(d, "a"); got != "1|3" || d.Chat("a").LastSeq != 3 {
		t.Fatalf("after the ack: %q", got)
	}
	if logs := d.Logs(); len(logs) != 1 || !strings.Contains(logs[0], "events 2 to 2") {
		t.Fatalf("logs %q", logs)
	}
	// Later events show at once, the hole is not asked for again, and the chat can close.
	_, cmds = d.Apply(line("a", 4), t0)
	_, more := d.Apply(protocol.Event{Chat: "a", Seq: 5, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}}, t0)
	if got := texts(d, "a"); got != "1|3|4|The visitor closed the chat" || len(cmds)+len(more) != 0 || !d.Chat("a").Closed {
		t.Fatalf("later: %q, commands %+v %+v", got, cmds, more)
	}
	// A hole at the end: the ack names a later event than the replay brought.
	d2 := online(t)
	d2.Apply(line("a", 1), t0)
	_, cmds = d2.Apply(line("a", 3), t0)
	d2.Apply(protocol.Event{ID: cmds[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 6}}, t0)
	if _, cmds := d2.Apply(line("a", 7), t0); len(cmds) != 0 || texts(d2, "a") != "1|3|7" {
		t.Fatalf("after a hole at the end: %q %+v", texts(d2, "a"), cmds)
	}
}

func TestDeskRepeatedGapsAskOnceEach(t *testing.T) {
	d := online(t)
	d.Apply(line("a", 1), t0)
	_, first := d.Apply(line("a", 3), t0)
	var more []protocol.Command
	for _, seq := range []uint64{6, 9} {
		_, c := d.Apply(line("a", seq), t0)
		more = append(more, c...)
	}
	if len(first) != 1 || len(more) != 0 {
		t.Fatalf("resumes %+v then %+v", first, more)
	}
	for _, seq := range []uint64{2, 3, 4} {
		d.Apply(line("a", seq), t0)
	}
	d.Apply(protocol.Event{ID: first[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 9}}, t0)
	if got := texts(d, "a"); got != "1|2|3|4|6|9" || len(d.Logs()) != 2 {
		t.Fatalf("after the first resume: %q", got)
	}
	// A new gap is a new resume, one only.
	_, second := d.Apply(line("a", 11), t0)
	_, none := d.Apply(line("a", 13), t0)
	if len(second) != 1 || second[0].Body.(*protocol.Resume).After != 9 || len(none) != 0 {
		t.Fatalf("second gap: %+v %+v", second, none)
	}
	// The server fails it: it is asked again after a while, still once.
	d.Apply(protocol.Event{ID: second[0].ID, Body: &protocol.Error{Code: protocol.CodeInternal, Message: "try again"}}, t0)
	if _, c := d.Apply(line("a", 14), t0); len(c) != 0 || len(d.Retries(t0.Add(time.Second))) != 0 {
		t.Fatal("asked again too soon")
	}
	retry := d.Retries(t0.Add(resumeRetry))
	if len(retry) != 1 || retry[0].Body.(*protocol.Resume).After != 9 || len(d.Retries(t0.Add(time.Minute))) != 0 {
		t.Fatalf("retry %+v", retry)
	}
	for _, seq := range []uint64{10, 11, 12} {
		d.Apply(line("a", seq), t0)
	}
	d.Apply(protocol.Event{ID: retry[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 14}}, t0)
	if got := texts(d, "a"); got != "1|2|3|4|6|9|10|11|12|13|14" || d.Chat("a").LastSeq != 14 || d.Notice != "" {
		t.Fatalf("after the retry: %q, notice %q", got, d.Notice)
	}
	// Gaps in two chats are two resumes, one each.
	d.Apply(ready(summary("a", 14), summary("b", 0)), t0)
	_, ca := d.Apply(line("a", 16), t0)
	_, cb := d.Apply(line("b", 2), t0)
	if len(ca) != 0 || len(cb) != 0 {
		t.Fatalf("resumed again while the resumes after agent.ready are on their way: %+v %+v", ca, cb)
	}
}

func TestDeskOutOfOrderDuplicates(t *testing.T) {
	d := online(t)
	var res []protocol.Command
	for _, seq := range []uint64{1, 3, 2, 3, 2, 1, 5, 5, 4, 4, 3, 6, 1} {
		_, c := d.Apply(line("a", seq), t0)
		res = append(res, resumesIn(c)...)
	}
	if got := texts(d, "a"); got != "1|2|3|4|5|6" || d.Chat("a").LastSeq != 6 {
		t.Fatalf("lines %q", got)
	}
	if len(res) != 1 {
		t.Fatalf("resumes %+v", res)
	}
	d.Apply(protocol.Event{ID: res[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 6}}, t0)
	if got := texts(d, "a"); got != "1|2|3|4|5|6" || len(d.Logs()) != 0 {
		t.Fatalf("after the ack: %q", got)
	}
	// The agent's own message confirmed twice, once out of order, is one line.
	send, _ := d.Send("a", "mine", t0)
	echo := msg("a", 8, protocol.RoleAgent, "mine")
	echo.Body.(*protocol.Message).ClientID = send.ID
	d.Apply(echo, t0)
	d.Apply(line("a", 7), t0)
	d.Apply(echo, t0)
	if got := texts(d, "a"); got != "1|2|3|4|5|6|7|mine" || len(d.Unacked()) != 0 {
		t.Fatalf("own line: %q", got)
	}
}

// The agent was away while the visitor closed the chat: agent.ready no longer lists it, so
// the app resumes it and the replay brings the close.
func TestChatClosedWhileAwayShowsItsEnd(t *testing.T) {
	d := online(t)
	d.Apply(ready(summary("a", 0), summary("b", 0), summary("c", 0), summary("e", 0)), t0)
	for _, id := range []string{"a", "b", "c", "e"} {
		d.Apply(line(id, 1), t0)
	}
	d.Dropped()
	_, cmds := d.Apply(ready(summary("e", 1)), t0)
	res := resumesIn(cmds)
	if len(res) != 4 {
		t.Fatalf("resumes after agent.ready: %+v", cmds)
	}
	by := map[string]protocol.Command{}
	for _, r := range res {
		if r.Body.(*protocol.Resume).After != 1 {
			t.Fatalf("resume %+v", r)
		}
		by[r.Chat] = r
	}
	for _, id := range []string{"a", "b", "c"} {
		if c := d.Chat(id); c.Closed || c.Resuming == "" {
			t.Fatalf("chat %s closed before its history came", id)
		}
	}
	// a: the visitor wrote and closed meanwhile; the replay shows it.
	d.Apply(msg("a", 2, protocol.RoleVisitor, "bye then"), t0)
	d.Apply(protocol.Event{Chat: "a", Seq: 3, Body: &protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor}}, t0)
	d.Apply(protocol.Event{ID: by["a"].ID, Body: &protocol.Ack{Chat: "a", Seq: 3}}, t0)
	if c := d.Chat("a"); !c.Closed || c.Cause != protocol.CauseVisitor || texts(d, "a") != "1|bye then|The visitor closed the chat" {
		t.Fatalf("a: closed %v, lines %q", c.Closed, texts(d, "a"))
	}
	// b: another agent has it now; the server refuses, and the chat ends here saying so.
	d.Apply(protocol.Event{ID: by["b"].ID, Body: &protocol.Error{Code: protocol.CodeForbidden, Message: `you do not handle chat "b"`}}, t0)
	if c := d.Chat("b"); !c.Closed || texts(d, "b") != "1|This chat was handed over or ended while you were disconnected; it is no longer yours." || d.Notice != "" {
		t.Fatalf("b: closed %v, lines %q, notice %q", c.Closed, texts(d, "b"), d.Notice)
	}
	if _, err := d.Send("b", "hello?", t0); err == nil {
		t.Fatal("sent to a chat handed over")
	}
	// c: the history came without a close, yet the chat is not the agent's any more.
	d.Apply(protocol.Event{ID: by["c"].ID, Body: &protocol.Ack{Chat: "c", Seq: 1}}, t0)
	if c := d.Chat("c"); !c.Closed || texts(d, "c") != "1|This chat ended while you were disconnected." {
		t.Fatalf("c: closed %v, lines %q", c.Closed, texts(d, "c"))
	}
	// e is still the agent's: it stays open. Closed chats can be removed from the list.
	d.Apply(protocol.Event{ID: by["e"].ID, Body: &protocol.Ack{Chat: "e", Seq: 1}}, t0)
	if d.Chat("e").Closed {
		t.Fatal("e closed")
	}
	for _, id := range []string{"a", "b", "c"} {
		d.Dismiss(id)
	}
	if len(d.Chats) != 1 {
		t.Fatalf("%d chats after dismissing the ended ones", len(d.Chats))
	}
	// A closed chat is not resumed again on the next reconnect.
	d.Dropped()
	if _, cmds := d.Apply(ready(summary("e", 1)), t0); len(resumesIn(cmds)) != 1 {
		t.Fatalf("resumes %+v", cmds)
	}
}

// A chat missing from agent.ready that comes back to the agent (chat.opened) before its
// resume is answered stays open.
func TestChatReopenedWhileResumingStaysOpen(t *testing.T) {
	d := online(t)
	d.Apply(line("a", 1), t0)
	d.Dropped()
	_, cmds := d.Apply(ready(), t0)
	d.Apply(protocol.Event{Chat: "a", Body: &protocol.ChatOpened{Chat: summary("a", 1)}}, t0)
	d.Apply(protocol.Event{ID: cmds[0].ID, Body: &protocol.Ack{Chat: "a", Seq: 1}}, t0)
	if d.Chat("a").Closed {
		t.Fatal("a chat given back to the agent was shown as ended")
	}
}
