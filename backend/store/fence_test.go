package store

import (
	"errors"
	"testing"
	"time"
)

// TestFencedWriteOfDeposedTerm: a decision of the routing leader of term N, written after
// another node opened term N+1, writes nothing (ErrStaleTerm, counted), also when it shares
// a batch with other writes, which land; a decision of the current term is written.
func TestFencedWriteOfDeposedTerm(t *testing.T) {
	t.Parallel()
	cfg := postgresConfig(t)
	holder, leaders := openStore(t, cfg), openStore(t, cfg)
	ten := newTenant(t, holder, "Fenced")
	c := newChat(t, holder, ten.ID, nil)
	other := newChat(t, holder, ten.ID, nil)

	first, err := leaders.ClaimLeadership(ctx, "a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	deposed := first.Term
	first.Release()
	var second *Leadership
	for second == nil { // the first session ends a moment after its connection closes
		if second, err = leaders.ClaimLeadership(ctx, "b", time.Now()); err != nil && !errors.Is(err, ErrNotLeader) {
			t.Fatal(err)
		}
	}
	defer second.Release()
	if second.Term <= deposed {
		t.Fatalf("term %d after %d", second.Term, deposed)
	}

	assign := func(id string, agent int64) []Write {
		ch := c
		if id == other.ID {
			ch = other
		}
		ch.State, ch.AgentID = "active", agent
		return []Write{{Chat: &ch, Event: &Event{ChatID: id, Type: "chat_state", Data: []byte(`{"state":"active"}`)}}}
	}
	// The stale decision and a message of another chat, queued together so that they
	// are gathered into one batch.
	stale, plain := make(chan error, 1), make(chan error, 1)
	holder.EnqueueFenced(deposed, func(err error) { stale <- err }, assign(c.ID, 7)...)
	holder.EnqueueAll(func(err error) { plain <- err }, msgWrite(other.ID, 0, "hello", "m1"))
	if err := <-stale; !errors.Is(err, ErrStaleTerm) {
		t.Fatalf("a decision of deposed term %d after term %d opened: %v, want ErrStaleTerm", deposed, second.Term, err)
	}
	if err := <-plain; err != nil {
		t.Fatalf("a write beside the stale decision: %v", err)
	}
	got, err := holder.Chat(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "queued" || got.AgentID != 0 || got.LastSeq != 0 {
		t.Fatalf("the deposed term's decision was written: state %s, agent %d, last seq %d", got.State, got.AgentID, got.LastSeq)
	}
	if n := holder.CommitStats().Fenced; n != 1 {
		t.Fatalf("%d fenced writes counted, want 1", n)
	}

	current := make(chan error, 1)
	holder.EnqueueFenced(second.Term, func(err error) { current <- err }, assign(c.ID, 8)...)
	if err := <-current; err != nil {
		t.Fatalf("a decision of the current term %d: %v", second.Term, err)
	}
	if got, err = holder.Chat(ctx, c.ID); err != nil || got.State != "active" || got.AgentID != 8 {
		t.Fatalf("the current term's decision: state %s, agent %d, %v", got.State, got.AgentID, err)
	}
}
