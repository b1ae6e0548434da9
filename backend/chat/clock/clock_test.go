package clock

import (
	"testing"
	"time"
)

func TestFakeRunsTimersInOrder(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	var got []string
	c.AfterFunc(3*time.Second, func() { got = append(got, "c") })
	c.AfterFunc(time.Second, func() {
		got = append(got, "a")
		c.AfterFunc(time.Second, func() { got = append(got, "b") }) // due at 2 s
	})
	stopped := c.AfterFunc(2*time.Second, func() { got = append(got, "never") })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report the first cancel only")
	}
	c.Advance(2500 * time.Millisecond)
	if len(got) != 2 || got[0] != "a" || got[1] != "b" || !c.Now().Equal(time.Unix(2, 5e8)) {
		t.Fatalf("after 2.5 s: %v at %v", got, c.Now())
	}
	c.Advance(time.Second)
	if len(got) != 3 || got[2] != "c" || c.Pending() != 0 {
		t.Fatalf("after 3.5 s: %v, %d pending", got, c.Pending())
	}
}

// A timer set for a time already passed, outside any Advance, fires at once, as a goroutine that
// read the clock during an Advance and sets its timer after it needs; inside an Advance it fires
// in order, before the Advance returns.
func TestFakeFiresDueTimerAtOnce(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	c.Advance(time.Minute)
	fired := make(chan struct{})
	c.AfterFunc(0, func() { close(fired) })
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("a due timer set after the Advance waited for the next one")
	}
	var got []string
	c.AfterFunc(time.Second, func() {
		c.AfterFunc(0, func() { got = append(got, "due") })
		got = append(got, "first")
	})
	c.Advance(time.Second)
	if len(got) != 2 || got[0] != "first" || got[1] != "due" || c.Pending() != 0 {
		t.Fatalf("inside an Advance: %v, %d pending", got, c.Pending())
	}
}
