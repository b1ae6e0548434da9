package outbox

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/backoff"
)

// table is an outbox in memory: items due at their time, delivered when attempted unless
// they fail.
type table struct {
	due      map[int]time.Time
	fail     map[int]bool
	attempts map[int]int
}

func (tb *table) queue(now func() time.Time) Queue[int] {
	return Queue[int]{
		Name: "test",
		Due: func(_ context.Context, at time.Time, limit int) ([]int, error) {
			var out []int
			for id := range 1000 {
				if t, ok := tb.due[id]; ok && !t.After(at) && len(out) < limit {
					out = append(out, id)
				}
			}
			return out, nil
		},
		NextDue: func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil },
		Attempt: func(_ context.Context, id int) (bool, error) {
			tb.attempts[id]++
			if tb.fail[id] {
				tb.due[id] = tb.due[id].Add(time.Hour)
				return false, nil
			}
			delete(tb.due, id)
			return true, nil
		},
		Now:    now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// A pass attempts every due item once, past one batch, and counts the delivered ones; what
// failed waits for its next time.
func TestDeliverDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tb := &table{due: map[int]time.Time{}, fail: map[int]bool{}, attempts: map[int]int{}}
	for id := range 3*batch + 7 {
		tb.due[id] = now
	}
	tb.fail[5], tb.fail[130] = true, true
	w := New(tb.queue(func() time.Time { return now }))
	n, err := w.DeliverDue(context.Background())
	if err != nil || n != 3*batch+5 {
		t.Fatalf("delivered %d: %v", n, err)
	}
	for id, a := range tb.attempts {
		if a != 1 {
			t.Errorf("item %d attempted %d times", id, a)
		}
	}
	if n, _ := w.DeliverDue(context.Background()); n != 0 {
		t.Errorf("the failed items were retried before their time: %d", n)
	}
}

// An error of the store ends the pass and is returned.
func TestDeliverDueStopsOnStoreError(t *testing.T) {
	boom := errors.New("database gone")
	tb := &table{due: map[int]time.Time{0: {}, 1: {}}, attempts: map[int]int{}}
	q := tb.queue(time.Now)
	q.Attempt = func(context.Context, int) (bool, error) { return false, boom }
	if _, err := New(q).DeliverDue(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
}

// Run delivers what a Wake announces and ends with its context.
func TestRunWakes(t *testing.T) {
	delivered := make(chan int, 1)
	pending := make(chan int, 1)
	q := Queue[int]{
		Due: func(context.Context, time.Time, int) ([]int, error) {
			select {
			case id := <-pending:
				return []int{id}, nil
			default:
				return nil, nil
			}
		},
		NextDue: func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil },
		Attempt: func(_ context.Context, id int) (bool, error) { delivered <- id; return true, nil },
		Poll:    time.Hour,
	}
	w := New(q)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	pending <- 42
	w.Wake()
	w.Wake() // a second wake-up before the first is taken is one
	if id := <-delivered; id != 42 {
		t.Fatalf("delivered %d", id)
	}
	cancel()
	<-done
}

// After spaces retries by the backoff and gives up on a permanent failure or the last attempt.
func TestRetryAfter(t *testing.T) {
	r := Retry{Backoff: backoff.Policy{Initial: time.Minute, Max: time.Hour}, MaxAttempts: 3}
	now := time.Unix(0, 0)
	if next, giveUp := r.After(1, false, now, 0); giveUp || next != now.Add(time.Minute) {
		t.Errorf("first retry %v %v", next, giveUp)
	}
	if next, giveUp := r.After(2, false, now, 0); giveUp || next != now.Add(2*time.Minute) {
		t.Errorf("second retry %v %v", next, giveUp)
	}
	if _, giveUp := r.After(3, false, now, 0); !giveUp {
		t.Error("the last attempt must give up")
	}
	if _, giveUp := r.After(1, true, now, 0); !giveUp {
		t.Error("a permanent failure must give up at once")
	}
}
