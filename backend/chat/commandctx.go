package chat

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// commandCtx is the context of one command from a connection: it ends commandTimeout after the
// command came in, like context.WithTimeout, but makes its timer only once something waits on
// it (Done, or a context derived from it). Most commands, a chat line above all, never wait:
// the line is queued for the group commit and answered when it is written. A timer made and
// stopped for every frame was 3–4 % of the server's CPU at the message ceiling.
type commandCtx struct {
	deadline time.Time
	once     sync.Once
	started  atomic.Bool
	ctx      context.Context // set by start, then read-only
	cancel   context.CancelFunc
}

// newCommandCtx returns a context that ends timeout from now, and the function that releases
// it (the counterpart of context.WithTimeout's cancel: call it when the command is handled).
func newCommandCtx(timeout time.Duration) (*commandCtx, func()) {
	c := &commandCtx{deadline: time.Now().Add(timeout)}
	return c, c.end
}

// start makes the timer behind Done, once.
func (c *commandCtx) start() {
	c.once.Do(func() {
		c.ctx, c.cancel = context.WithDeadline(context.Background(), c.deadline)
		c.started.Store(true)
	})
}

// Deadline implements context.Context.
func (c *commandCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done implements context.Context; its first call makes the timer.
func (c *commandCtx) Done() <-chan struct{} {
	c.start()
	return c.ctx.Done()
}

// Err implements context.Context: without a timer, the deadline alone says whether the
// context has ended, as the timer would have.
func (c *commandCtx) Err() error {
	if c.started.Load() {
		return c.ctx.Err()
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value implements context.Context: a command's context carries no values.
func (c *commandCtx) Value(any) any { return nil }

// AfterFunc lets contexts derived from this one (context.WithTimeout, WithCancel) follow it
// without a goroutine each, as they follow the standard library's own contexts.
func (c *commandCtx) AfterFunc(f func()) func() bool {
	c.start()
	return context.AfterFunc(c.ctx, f)
}

// end releases the timer, if one was made; the context then reports context.Canceled, as a
// cancelled context.WithTimeout does. A context never waited on only ends: nothing holds it.
func (c *commandCtx) end() {
	c.once.Do(func() {
		// Never waited on: what Done gives from now on is an ended context.
		c.ctx, c.cancel = endedCtx, func() {}
		c.started.Store(true)
	})
	c.cancel()
}

// endedCtx is a cancelled context, what a command's context is once the command was handled.
var endedCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()
