package chat

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestCommandCtxNeverWaitedOnMakesNoTimer(t *testing.T) {
	ctx, end := newCommandCtx(time.Hour)
	if ctx.Err() != nil {
		t.Fatalf("Err before the deadline = %v", ctx.Err())
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) < 59*time.Minute {
		t.Fatalf("Deadline = %v, %v", d, ok)
	}
	if ctx.started.Load() {
		t.Fatal("a timer was made for a context nobody waited on")
	}
	end()
	if !errors.Is(ctx.Err(), context.Canceled) || !closed(ctx.Done()) {
		t.Fatalf("after end: Err %v, Done closed %v", ctx.Err(), closed(ctx.Done()))
	}
	end() // twice is harmless, as a context's cancel is
}

func TestCommandCtxEndsAtItsDeadline(t *testing.T) {
	ctx, end := newCommandCtx(20 * time.Millisecond)
	defer end()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done never closed")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err = %v", ctx.Err())
	}
}

func TestCommandCtxPastItsDeadlineWithoutTimer(t *testing.T) {
	ctx, end := newCommandCtx(-time.Second)
	defer end()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err past the deadline = %v", ctx.Err())
	}
	if ctx.started.Load() {
		t.Fatal("Err made a timer")
	}
	if !closed(ctx.Done()) {
		t.Fatal("Done of an ended context is open")
	}
}

func TestCommandCtxDerivedFollowIt(t *testing.T) {
	ctx, end := newCommandCtx(time.Hour)
	child, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	if d, _ := child.Deadline(); time.Until(d) > time.Hour {
		t.Fatalf("the child's deadline %v is past its parent's", d)
	}
	value := context.WithValue(ctx, struct{}{}, 1)
	end()
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a derived context outlived its command")
	}
	if !errors.Is(child.Err(), context.Canceled) || !errors.Is(value.Err(), context.Canceled) {
		t.Fatalf("derived: %v, %v", child.Err(), value.Err())
	}
	if ctx.Value("anything") != nil {
		t.Fatal("a command's context carries no values")
	}
}

// TestCommandCtxConcurrent runs its methods from several goroutines, for the race detector:
// the timer is made once, and an end racing with Done leaves one ended context.
func TestCommandCtxConcurrent(t *testing.T) {
	for range 200 {
		ctx, end := newCommandCtx(time.Hour)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch i {
				case 0:
					<-ctx.Done()
				case 1:
					_ = ctx.Err()
				case 2:
					c, cancel := context.WithCancel(ctx)
					<-c.Done()
					cancel()
				case 3:
					end()
				}
			}()
		}
		wg.Wait()
		if ctx.Err() == nil {
			t.Fatal("ended context without an error")
		}
	}
}
