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
