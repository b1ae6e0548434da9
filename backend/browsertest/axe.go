package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (MPL-2.0, see axe/LICENSE), the accessibility engine the browser tests
// run inside the apps' pages. It is embedded here, in a package only tests import, so that the
// checks need no network and the server binary stays without it.
//
//go:embed axe/axe.min.js
var axeSource string

// AxeTags are the rule sets the checks run: WCAG 2.0 and 2.1, levels A and AA, which the
// widget, the agent app and the admin pages promise.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one axe-core rule that a part of the page breaks, with what a person fixing it
// needs: the rule, how bad it is, the elements (CSS selectors, a frame's or shadow root's path
// first) and the page that explains the rule.
type Violation struct {
	Rule    string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Targets []string `json:"targets"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s) at %s: %s, see %s", v.Rule, v.Impact, strings.Join(v.Targets, " | "), v.Help, v.HelpURL)
}

// Accessibility runs axe-core with the WCAG 2.1 AA rules (AxeTags) in the page and in each
// frame of it (the widget's chat frame), and returns the violations whose impact is serious or
// critical. axe runs in an isolated world of each frame: it sees the same DOM (open shadow
// roots included) while the page's Content-Security-Policy, which allows no eval, and the
// page's own scripts stay as they are. The rules in skip are not run: pass one only where the
// rule is wrong for the page, and say why at the call.
func (b *Browser) Accessibility(skip ...string) []Violation {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		b.t.Fatalf("%s: frames: %v", b.opts.Name, err)
	}
	tags, _ := json.Marshal(AxeTags)
	rules := map[string]map[string]bool{}
	for _, r := range skip {
		rules[r] = map[string]bool{"enabled": false}
	}
	ruleJSON, _ := json.Marshal(rules)
	run := `(async () => {
		const r = await axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `},
			rules: ` + string(ruleJSON) + `, resultTypes: ['violations'], iframes: false});
		const out = [];
		for (const v of r.violations) {
			if (v.impact !== 'serious' && v.impact !== 'critical') continue;
			out.push({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
				targets: v.nodes.map(n => JSON.stringify(n.target) + ' ' + n.html.slice(0, 200))});
		}
		return JSON.stringify(out);
	})()`
	var out []Violation
	var check func(ft *page.FrameTree)
	check = func(ft *page.FrameTree) {
		world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: ft.Frame.ID, WorldName: "axe"})
		if err != nil {
			b.t.Fatalf("%s: a world for axe-core in %s: %v", b.opts.Name, ft.Frame.URL, err)
		}
		if _, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: axeSource, ContextID: world.ExecutionContextID}); err != nil {
			b.t.Fatalf("%s: load axe-core in %s: %v", b.opts.Name, ft.Frame.URL, err)
		}
		res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: run, ContextID: world.ExecutionContextID,
			AwaitPromise: ptr(true), ReturnByValue: ptr(true)})
		if err == nil && res.ExceptionDetails != nil {
			err = &chromedp.ExceptionError{ExceptionDetails: res.ExceptionDetails}
		}
		if err != nil {
			b.t.Fatalf("%s: run axe-core in %s: %v", b.opts.Name, ft.Frame.URL, err)
		}
		var raw string
		var vs []Violation
		if err := json.Unmarshal(res.Result.Value, &raw); err != nil {
			b.t.Fatalf("%s: axe-core's answer in %s: %v", b.opts.Name, ft.Frame.URL, err)
		}
		if err := json.Unmarshal([]byte(raw), &vs); err != nil {
			b.t.Fatalf("%s: axe-core's answer %q: %v", b.opts.Name, raw, err)
		}
		for i := range vs {
			if ft.Frame.ParentID != "" {
				for j := range vs[i].Targets {
					vs[i].Targets[j] = "frame " + ft.Frame.URL + " " + vs[i].Targets[j]
				}
			}
		}
		out = append(out, vs...)
		for _, c := range ft.ChildFrames {
			check(c)
		}
	}
	check(tree.FrameTree)
	return out
}

func ptr[T any](v T) *T { return &v }

// AssertAccessible fails the test (without stopping it) when axe-core finds serious or
// critical WCAG 2.1 AA violations on the page in the state named what, listing each rule,
// impact, element and help page, and saves a screenshot "a11y-what" of that state.
func (b *Browser) AssertAccessible(what string, skip ...string) {
	b.t.Helper()
	b.Screenshot("a11y-" + what)
	vs := b.Accessibility(skip...)
	if len(vs) == 0 {
		return
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = "  " + v.String()
	}
	b.t.Errorf("%s, %s: %d serious or critical accessibility violations:\n%s", b.opts.Name, what, len(vs), strings.Join(lines, "\n"))
}

// activeJS is a JavaScript expression for the element that has the keyboard focus, followed
// into shadow roots and same-origin frames (the widget's launcher and chat frame).
const activeJS = `(() => { let e = document.activeElement;
	for (;;) {
		if (e && e.shadowRoot && e.shadowRoot.activeElement) { e = e.shadowRoot.activeElement; continue; }
		if (e && (e.tagName === 'IFRAME' || e.tagName === 'FRAME')) {
			try { const d = e.contentDocument; if (d && d.activeElement && d.activeElement !== d.body) { e = d.activeElement; continue; } } catch (err) {}
		}
		return e;
	} })()`

// FocusedIs is a JavaScript condition that is true when the element with the keyboard focus
// (see activeJS) has it and matches the CSS selector, for WaitFor in a keyboard journey.
func FocusedIs(selector string) string {
	return `(() => { const e = ` + activeJS + `; return !!e && e.matches(':focus') && e.matches(` + JSQuote(selector) + `); })()`
}

// AssertFocusVisible fails the test (without stopping it) unless the element with the keyboard
// focus shows it (WCAG 2.4.7): it matches :focus-visible and draws an outline or a box shadow,
// which is how the apps' CSS marks the focus. It returns a short description of the element.
func (b *Browser) AssertFocusVisible(what string) string {
	b.t.Helper()
	type focus struct {
		Desc    string
		Visible bool
	}
	f := Eval[focus](b, `(() => { const e = `+activeJS+`;
		if (!e || e === e.ownerDocument.body) return {Desc: 'nothing', Visible: false};
		const s = e.ownerDocument.defaultView.getComputedStyle(e);
		const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
		const shadow = s.boxShadow && s.boxShadow !== 'none';
		const desc = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
		return {Desc: desc, Visible: e.matches(':focus-visible') && (outline || shadow)};
	})()`)
	if !f.Visible {
		b.Screenshot("failure-focus")
		b.t.Errorf("%s, %s: the focus on %s is not visible", b.opts.Name, what, f.Desc)
	}
	return f.Desc
}

// TabTo presses Tab (at most limit times) until the element with the focus matches the CSS
// selector, as a keyboard user moves through a page, and fails the test when it never does.
func (b *Browser) TabTo(selector string, limit int) {
	b.t.Helper()
	// A headless tab never has the window's focus, so that an autofocused field would not
	// match :focus; emulating the focus makes the page behave as the one a person uses.
	b.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	}))
	for i := 0; i < limit; i++ {
		if Eval[bool](b, FocusedIs(selector)) {
			return
		}
		b.Do(chromedp.KeyEvent("\t"))
	}
	if !Eval[bool](b, FocusedIs(selector)) {
		b.Screenshot("failure")
		b.t.Fatalf("%s: %d Tabs never reached %s", b.opts.Name, limit, selector)
	}
}

// ReduceMotion makes the page see prefers-reduced-motion: reduce, as for a person who turned
// animations off in their system, for AssertStill.
func (b *Browser) ReduceMotion() {
	b.t.Helper()
	b.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}})
		return err
	}))
}

// AssertStill fails the test (without stopping it) when an element of the page, of its open
// shadow roots or of its same-origin frames has an animation or a transition that takes time:
// with ReduceMotion nothing may move.
func (b *Browser) AssertStill(what string) {
	b.t.Helper()
	moving := Eval[[]string](b, `(() => {
		const out = [];
		const long = v => v.split(',').some(d => parseFloat(d) > 0);
		const walk = root => {
			for (const e of root.querySelectorAll('*')) {
				for (const pseudo of [null, '::before', '::after']) {
					const s = e.ownerDocument.defaultView.getComputedStyle(e, pseudo);
					if ((s.animationName !== 'none' && long(s.animationDuration)) || long(s.transitionDuration)) {
						out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '') + (pseudo || '') +
							' animation ' + s.animationName + ' ' + s.animationDuration + ', transition ' + s.transitionDuration);
					}
				}
				if (e.shadowRoot) walk(e.shadowRoot);
				if (e.tagName === 'IFRAME') { try { if (e.contentDocument) walk(e.contentDocument); } catch (err) {} }
			}
		};
		walk(document);
		return out;
	})()`)
	if len(moving) > 0 {
		b.t.Errorf("%s, %s: with reduced motion, these still move:\n  %s", b.opts.Name, what, strings.Join(moving, "\n  "))
	}
}
