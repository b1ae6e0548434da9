package browsertest

import (
	"context"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Follow runs open, which makes the page open a window of its own (window.open, also with
// noopener), and returns that window as a Browser named name, in the same browser (so with
// the same cookies), for a test of an app used in two windows at once. It fails the test when
// no window opens within the wait timeout.
func (b *Browser) Follow(name string, open func()) *Browser {
	b.t.Helper()
	opened := chromedp.WaitNewTarget(b.ctx, func(info *target.Info) bool { return info.Type == "page" })
	open()
	var id target.ID
	select {
	case v, ok := <-opened:
		if !ok {
			b.t.Fatalf("%s: the browser is gone", b.opts.Name)
		}
		id = v
	case <-time.After(b.opts.WaitTimeout):
		b.Screenshot("failure")
		b.t.Fatalf("%s: no window opened\nconsole: %q", b.opts.Name, b.Console())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	b.t.Cleanup(cancel)
	opts := b.opts
	opts.Name = name
	w := &Browser{t: b.t, opts: opts, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error { return nil })); err != nil {
		b.t.Fatalf("%s: attach to the new window: %v", name, err)
	}
	w.keepConsole()
	return w
}
