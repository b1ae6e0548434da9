package backoff

import (
	"testing"
	"time"
)

func TestDelayDoublesUpToTheCap(t *testing.T) {
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, Max, Max}
	for i, w := range want {
		if got := Delay(i+1, 0); got != w {
			t.Errorf("Delay(%d, 0) = %v, want %v", i+1, got, w)
		}
	}
	if got := Delay(1000, 0); got != Max {
		t.Errorf("Delay(1000, 0) = %v, want the cap %v", got, Max)
	}
	if got := Delay(0, 0); got != Initial {
		t.Errorf("Delay(0, 0) = %v, want %v", got, Initial)
	}
}

func TestJitterTakesOffAtMostItsShare(t *testing.T) {
	for n := 1; n < 10; n++ {
		full := Delay(n, 0)
		for _, r := range []float64{0, 0.25, 0.5, 0.999, 1, 7, -3} {
			got := Delay(n, r)
			if got > full || got < time.Duration(float64(full)*(1-Jitter)) {
				t.Errorf("Delay(%d, %v) = %v, outside [%v, %v]", n, r, got, time.Duration(float64(full)*(1-Jitter)), full)
			}
		}
	}
	if got := Delay(1, 0.5); got != 375*time.Millisecond {
		t.Errorf("Delay(1, 0.5) = %v, want 375ms", got)
	}
	if got := Delay(20, 0.999); got > Max {
		t.Errorf("a jittered wait %v exceeds the cap", got)
	}
}

func TestBackoffGrowsWhileFailing(t *testing.T) {
	var b Backoff
	now := time.Unix(1_700_000_000, 0)
	for i, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
		if got := b.Failed(now, 0); got != want {
			t.Fatalf("failure %d: wait %v, want %v", i+1, got, want)
		}
		if b.Failures() != i+1 {
			t.Fatalf("failures = %d, want %d", b.Failures(), i+1)
		}
	}
	// A connection that drops at once (the server accepts and fails) is one more failure.
	b.Connected(now)
	if got := b.Failed(now.Add(Stable-time.Millisecond), 0); got != 4*time.Second || b.Failures() != 4 {
		t.Fatalf("short connection: wait %v after %d failures, want 4s after 4", got, b.Failures())
	}
	// One that lasted starts afresh.
	b.Connected(now)
	if got := b.Failed(now.Add(Stable), 0); got != Initial || b.Failures() != 1 {
		t.Fatalf("lasting connection: wait %v after %d failures, want %v after 1", got, b.Failures(), Initial)
	}
	// A failure without a connection in between keeps counting, however late it comes.
	if got := b.Failed(now.Add(time.Hour), 0); got != time.Second || b.Failures() != 2 {
		t.Fatalf("failure after a failure: wait %v after %d, want 1s after 2", got, b.Failures())
	}
}

func TestBackoffUsesTheDraw(t *testing.T) {
	var b Backoff
	if got := b.Failed(time.Now(), 0.5); got != 375*time.Millisecond {
		t.Fatalf("wait = %v, want 375ms", got)
	}
	if got := b.Failed(time.Now(), 0.999); got < Delay(2, 0)/2 || got > Delay(2, 0) {
		t.Fatalf("wait = %v, outside [%v, %v]", got, Delay(2, 0)/2, Delay(2, 0))
	}
}

// TestPolicyCapsWithoutOverflow pins a slow policy's schedule and that a huge attempt count
// or cap neither overflows nor goes negative.
func TestPolicyCapsWithoutOverflow(t *testing.T) {
	p := Policy{Initial: 30 * time.Second, Max: time.Hour, Jitter: 0.2}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := p.Delay(i+1, 0); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := p.Delay(1<<30, 0.999); got < 48*time.Minute || got > time.Hour {
		t.Errorf("Delay(huge, 0.999) = %v, want within the jitter below the cap", got)
	}
	huge := Policy{Initial: time.Second, Max: time.Duration(1<<63 - 1)}
	if got := huge.Delay(200, 0); got != huge.Max {
		t.Errorf("Delay with an unbounded cap = %v, want the cap", got)
	}
}
