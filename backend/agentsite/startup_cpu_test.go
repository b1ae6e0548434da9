//go:build startupcpu && linux

package agentsite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
)

// TestAgentAppStartupCPU measures what loading the agent app up to its sign-in form costs the
// browser, so that a change to the app's start can be judged by numbers: for each of
// STARTUP_RUNS (default 5) fresh Chromium profiles, as CI's browser tests start, the CPU time
// of Chromium's whole process tree (by process type) and the wall time from navigation until
// the form is there, then the same for a reload, which the installed service worker serves
// from its cache as on an agent's laptop. Chromium's own start, up to its blank tab, is
// measured apart: every browser test pays it, whatever the app.
//
// It is behind the startupcpu build tag, since it asserts nothing:
//
//	make agentui widget
//	CI=true go test -tags startupcpu -run TestAgentAppStartupCPU -count=1 -v ./backend/agentsite/
//
// To find where the time goes:
//
//   - STARTUP_WEB names another build directory (an app built without -ldflags="-s -w"
//     keeps the functions' names in profiles);
//   - STARTUP_PROFILE=file.cpuprofile saves the page's JavaScript and WebAssembly CPU profile
//     of the first load, for Chromium's DevTools (Performance, load profile);
//   - STARTUP_THREADS=1 adds each thread's CPU time ("thread renderer/ThreadPoolForeg");
//   - STARTUP_TRACE=file.json saves a Chromium trace of the first browser's first 4 s;
//   - STARTUP_FLAGS="name=value name2" adds Chromium flags, and STARTUP_SCRIPT JavaScript to
//     run before the page's own (to switch a part off and compare).
func TestAgentAppStartupCPU(t *testing.T) {
	runs := 5
	if s := os.Getenv("STARTUP_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("STARTUP_RUNS: %v", err)
		}
		runs = n
	}
	browsertest.ChromiumPath(t)
	web := os.Getenv("STARTUP_WEB")
	if web == "" {
		browsertest.RequireBuilt(t, "agent/manifest.json")
	}
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		if web != "" {
			c.WebDir = web
		}
	}})

	var cold, warm []sample
	var starts []time.Duration
	for i := range runs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var flags []chromedp.ExecAllocatorOption
			for _, f := range strings.Fields(os.Getenv("STARTUP_FLAGS")) {
				name, value, ok := strings.Cut(f, "=")
				if ok {
					flags = append(flags, chromedp.Flag(name, value))
				} else {
					flags = append(flags, chromedp.Flag(name, true))
				}
			}
			if f := os.Getenv("STARTUP_TRACE"); f != "" && i == 0 {
				flags = append(flags, chromedp.Flag("trace-startup", "toplevel,blink,v8,v8.wasm,devtools.timeline,disabled-by-default-devtools.timeline,loading,ServiceWorker,navigation,disabled-by-default-v8.compile"),
					chromedp.Flag("trace-startup-file", f), chromedp.Flag("trace-startup-format", "json"), chromedp.Flag("trace-startup-duration", "4"))
			}
			b := browsertest.New(t, browsertest.Options{Name: "startup", Width: 1440, Height: 900, Lang: "en-US", Flags: flags})
			pid := chromedp.FromContext(b.Ctx()).Browser.Process().Pid
			started := sample{cpu: treeCPU(pid)}.total()
			starts = append(starts, started)
			t.Logf("run %d: Chromium's start to a blank tab: CPU %.2fs", i, started.Seconds())
			if js := os.Getenv("STARTUP_SCRIPT"); js != "" {
				b.Do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: js})
					return chromedp.Void{}, err
				})
			}
			profile := i == 0 && os.Getenv("STARTUP_PROFILE") != ""
			if profile {
				startProfile(t, b)
			}
			cold = append(cold, measure(t, b, pid, func() { b.Do(chromedp.Navigate(env.URL + "/agent/")) }))
			if profile {
				stopProfile(t, b, os.Getenv("STARTUP_PROFILE"))
			}
			// Let the service worker finish its install (it caches the app) before the reload.
			settle(t, b)
			warm = append(warm, measure(t, b, pid, func() { b.Do(chromedp.Reload()) }))
			if os.Getenv("STARTUP_TRACE") != "" && i == 0 {
				time.Sleep(8 * time.Second) // Chromium writes the trace after its duration
			}
			t.Logf("run %d: first load %s; reload %s", i, cold[len(cold)-1], warm[len(warm)-1])
		})
	}
	t.Logf("Chromium's start: CPU %s", median(starts))
	t.Logf("first load (fresh profile): %s", summary(cold))
	t.Logf("reload (service worker's cache): %s", summary(warm))
}

// sample is one load: its wall time, the CPU time of Chromium's processes by type, and the
// CPU time of the test process (the server) meanwhile.
type sample struct {
	wall   time.Duration
	cpu    map[string]time.Duration
	server time.Duration
}

// total is the CPU time of all of Chromium's processes.
func (s sample) total() time.Duration {
	var d time.Duration
	for k, v := range s.cpu {
		if !strings.HasPrefix(k, "thread ") {
			d += v
		}
	}
	return d
}

// String gives the sample's times for the log, processes and threads under 10 ms left out.
func (s sample) String() string {
	keys := make([]string, 0, len(s.cpu))
	for k := range s.cpu {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if s.cpu[k] < 10*time.Millisecond {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", k, s.cpu[k].Seconds()))
	}
	return fmt.Sprintf("wall %.2fs, chromium CPU %.2fs (%s), server CPU %.2fs",
		s.wall.Seconds(), s.total().Seconds(), strings.Join(parts, ", "), s.server.Seconds())
}

// summary gives the median and range of the samples' wall and CPU times.
func summary(ss []sample) string {
	if len(ss) == 0 {
		return "no samples"
	}
	med := func(f func(sample) time.Duration) string {
		v := make([]time.Duration, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		return median(v)
	}
	return fmt.Sprintf("chromium CPU %s, wall %s, renderer CPU %s, server CPU %s",
		med(sample.total), med(func(s sample) time.Duration { return s.wall }),
		med(func(s sample) time.Duration { return s.cpu["renderer"] }),
		med(func(s sample) time.Duration { return s.server }))
}

// median formats the median and the range of durations.
func median(v []time.Duration) string {
	if len(v) == 0 {
		return "no samples"
	}
	v = append([]time.Duration(nil), v...)
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return fmt.Sprintf("median %.2fs (%.2f–%.2f)", v[len(v)/2].Seconds(), v[0].Seconds(), v[len(v)-1].Seconds())
}

// signInShown is true once the app has drawn its sign-in form.
const signInShown = `!!document.querySelector('#signin-login')`

// measure runs load and waits for the sign-in form, sampling the CPU time of Chromium's
// process tree and of this process around it.
func measure(t *testing.T, b *browsertest.Browser, pid int, load func()) sample {
	t.Helper()
	before, self := treeCPU(pid), selfCPU()
	start := time.Now()
	load()
	ctx, cancel := context.WithTimeout(b.Ctx(), 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[any](signInShown, chromedp.WithPollingInterval(10*time.Millisecond))); err != nil {
		t.Fatalf("waiting for the sign-in form: %v\nconsole: %q", err, b.Console())
	}
	s := sample{wall: time.Since(start), cpu: map[string]time.Duration{}, server: selfCPU() - self}
	after := treeCPU(pid)
	for k, v := range after {
		s.cpu[k] = v - before[k]
	}
	return s
}

// settle waits until the service worker is active and has cached the app, or 20 s.
func settle(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx(), 25*time.Second)
	defer cancel()
	const ready = `(async () => { const r = await navigator.serviceWorker.getRegistration(); if (!r || !r.active) return false;
		const keys = await caches.keys(); for (const k of keys) { const c = await caches.open(k); if ((await c.keys()).some(q => q.url.includes('app.wasm'))) return true; } return false; })()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[any](ready, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Logf("service worker not settled: %v", err)
	}
}

// treeCPU sums the user and system CPU time of process pid and its descendants (with their
// reaped children) by Chromium process type (--type=, "browser" for the main process).
func treeCPU(pid int) map[string]time.Duration {
	type proc struct {
		ppid int
		cpu  time.Duration
		kind string
	}
	procs := map[int]proc{}
	ents, _ := os.ReadDir("/proc")
	tick := time.Second / 100 // USER_HZ on Linux
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name in parentheses may hold spaces: fields start after the last ')'.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		if len(f) < 15 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		var ticks int64
		for _, i := range []int{11, 12, 13, 14} { // utime stime cutime cstime
			n, _ := strconv.ParseInt(f[i], 10, 64)
			ticks += n
		}
		kind := "browser"
		if cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
			// Chromium rewrites its children's command lines into one space-separated string.
			for _, a := range strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " ")) {
				if v, ok := strings.CutPrefix(a, "--type="); ok {
					kind = v
				}
				if v, ok := strings.CutPrefix(a, "--utility-sub-type="); ok {
					kind = "utility:" + strings.TrimSuffix(strings.TrimPrefix(v, "network.mojom."), "Service")
				}
			}
		}
		procs[p] = proc{ppid: ppid, cpu: time.Duration(ticks) * tick, kind: kind}
	}
	in := func(p int) bool {
		for i := 0; p > 1 && i < 64; i++ {
			if p == pid {
				return true
			}
			p = procs[p].ppid
		}
		return false
	}
	out := map[string]time.Duration{}
	for p, pr := range procs {
		if !in(p) {
			continue
		}
		out[pr.kind] += pr.cpu
		if threads {
			tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(p), "task"))
			for _, tk := range tasks {
				stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "task", tk.Name(), "stat"))
				if err != nil {
					continue
				}
				st := string(stat)
				name := st[strings.IndexByte(st, '(')+1 : strings.LastIndexByte(st, ')')]
				f := strings.Fields(st[strings.LastIndexByte(st, ')')+2:])
				u, _ := strconv.ParseInt(f[11], 10, 64)
				sy, _ := strconv.ParseInt(f[12], 10, 64)
				out["thread "+pr.kind+"/"+name] += time.Duration(u+sy) * tick
			}
		}
	}
	return out
}

// threads makes treeCPU add per-thread entries ("thread KIND/NAME").
var threads = os.Getenv("STARTUP_THREADS") != ""

// selfCPU is this process's user and system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startProfile starts the page's CPU profiler at a fine interval.
func startProfile(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	err := chromedp.Do(b.Ctx(), func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, profiler.Enable, cdp.Empty{}); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := cdp.Call(ctx, tg, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, profiler.Start, cdp.Empty{})
		return chromedp.Void{}, err
	})
	if err != nil {
		t.Fatalf("start profiler: %v", err)
	}
}

// stopProfile stops the profiler and writes its profile to file.
func stopProfile(t *testing.T, b *browsertest.Browser, file string) {
	t.Helper()
	res, err := chromedp.Run(b.Ctx(), func(ctx context.Context, tg *chromedp.Target) (profiler.StopResult, error) {
		return cdp.Call(ctx, tg, profiler.Stop, cdp.Empty{})
	})
	if err != nil {
		t.Fatalf("stop profiler: %v", err)
	}
	data, err := json.Marshal(res.Profile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
