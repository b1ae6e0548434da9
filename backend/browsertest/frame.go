package browsertest

import (
	"context"
	"strings"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// SiteIsolation runs every site in a process of its own (Chromium's --site-per-process), so
// that a frame from another site than its page is a target of its own, which [Browser.Frame]
// attaches to. Pass it in Options.Flags.
var SiteIsolation = chromedp.Flag("site-per-process", true)

// Frame attaches to a frame from another origin than the page (the chat frame on a customer's
// site), whose URL contains urlPart, and returns it as a Browser named name: its Eval and
// WaitFor run in the frame's document, which the page's scripts may not read. Screenshots and
// input stay with the page's Browser, which shows and focuses the frame as a visitor sees it.
// The browser must run with [SiteIsolation]; the test fails when no such frame appears within
// the wait timeout.
func (b *Browser) Frame(name, urlPart string) *Browser {
	b.t.Helper()
	deadline := time.Now().Add(b.opts.WaitTimeout)
	var id target.ID
	for id == "" {
		infos, err := chromedp.Targets(b.ctx)
		if err != nil {
			b.t.Fatalf("%s: list targets: %v", b.opts.Name, err)
		}
		for _, in := range infos {
			if in.Type == "iframe" && strings.Contains(in.URL, urlPart) {
				id = in.TargetID
			}
		}
		if id == "" {
			if time.Now().After(deadline) {
				b.Screenshot("failure")
				b.t.Fatalf("%s: no frame with %q in its URL\nconsole: %q", b.opts.Name, urlPart, b.Console())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	b.t.Cleanup(cancel)
	opts := b.opts
	opts.Name = name
	f := &Browser{t: b.t, opts: opts, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error { return nil })); err != nil {
		b.t.Fatalf("%s: attach to the frame: %v", name, err)
	}
	f.keepConsole()
	return f
}
