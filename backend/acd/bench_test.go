package acd

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

var acdReport = flag.Bool("acd.report", false, "print the p99 latency of single Apply calls at scale (also ACD_REPORT=1)")

const (
	loadAgents  = 2000
	loadWaiting = 10000
	loadMax     = 3 // chats per agent
)

// load drives an engine at contact-center scale: every agent busy, ten thousand
// chats waiting, chats closing and arriving, offers accepted, agents changing status,
// timers firing as the clock runs.
type load struct {
	e       *Engine
	now     time.Time
	r       *rand.Rand
	active  []ChatID
	pending []Offer
	seq     int
	away    []AgentState
	agents  []AgentState
	applies int
}

func newLoad(tb testing.TB) *load {
	tb.Helper()
	l := &load{e: New(), now: t0, r: rand.New(rand.NewPCG(1, 2))}
	for g := GroupID(1); g <= 4; g++ {
		l.e.Apply(l.now, GroupConfig{Group: g, Strategy: []Strategy{LongestIdle, LeastBusy, RoundRobin, LongestIdle}[g-1]})
	}
	for k := ConnectorID(1); k <= 8; k++ {
		cfg := ConnectorConfig{
			Connector: k, Group: GroupID(1 + (k-1)%4), Priority: int(k % 3),
			ConnectWait: 30 * time.Second, AnswerTime: 2 * time.Minute, FreeAgentSearch: 24 * time.Hour,
			Waiting1: 30 * time.Second, Waiting2: 90 * time.Second, Final: 10 * time.Minute,
		}
		if k%2 == 0 {
			cfg.Skills[0] = SkillReq{Skill: "en", Min: 2, IgnoreAfter: 3 * time.Minute}
			cfg.IgnoreSkillsIfNoneSkilled = true
		}
		l.e.Apply(l.now, cfg)
	}
	for i := range loadAgents {
		a := AgentState{Agent: AgentID(i + 1), Groups: []GroupID{GroupID(1 + i%4)}, MaxChats: loadMax,
			AllowsChat: true, Connected: true, Skills: map[string]int{"en": i % 4}, MissedLimit: 3, MissedStatus: 5}
		if i%3 == 0 {
			a.Groups = append(a.Groups, GroupID(1+(i+1)%4))
		}
		l.agents = append(l.agents, a)
		l.e.Apply(l.now, a)
	}
	// Fill every slot, then the queue.
	for l.e.Counts().Waiting < loadWaiting || len(l.active) < loadAgents*loadMax*9/10 {
		l.now = l.now.Add(time.Millisecond)
		l.take(l.e.Apply(l.now, l.request()))
		l.acceptAll(false)
	}
	return l
}

func (l *load) request() ChatRequested {
	l.seq++
	return ChatRequested{Chat: ChatID(fmt.Sprint("c", l.seq)), Connector: ConnectorID(1 + l.r.IntN(8)), RequestedAt: l.now}
}

func (l *load) take(ds []Decision) {
	for _, d := range ds {
		if o, ok := d.(Offer); ok {
			l.pending = append(l.pending, o)
		}
	}
}

// acceptAll accepts and answers the pending offers; with timed set, each Apply
// counts for the latency report.
func (l *load) acceptAll(timed bool) {
	for len(l.pending) > 0 {
		o := l.pending[0]
		l.pending = l.pending[1:]
		ds := l.apply(OfferAccepted{Chat: o.Chat, Agent: o.Agent}, timed)
		for _, d := range ds {
			if a, ok := d.(Assigned); ok {
				l.apply(FirstReply{Chat: a.Chat, Agent: a.Agent}, timed)
				l.active = append(l.active, a.Chat)
			}
		}
		l.take(ds)
	}
}

var (
	latencies []time.Duration
	cpuTimes  []time.Duration // CPU time of the same Apply calls, when measurable
	byKind    = map[string][]time.Duration{}
	cpuByKind = map[string][]time.Duration{}
)

func (l *load) apply(ev Event, timed bool) []Decision {
	if !timed {
		return l.e.Apply(l.now, ev)
	}
	report := *acdReport || os.Getenv("ACD_REPORT") == "1"
	var cpu0 time.Duration
	if report {
		cpu0, _ = threadCPU()
	}
	start := time.Now()
	ds := l.e.Apply(l.now, ev)
	d := time.Since(start)
	latencies = append(latencies, d)
	if report {
		k := fmt.Sprintf("%T", ev)
		if _, ok := ev.(Tick); ok && len(updates(ds)) > 0 {
			k += " (queue update round)"
		}
		if cpu1, ok := threadCPU(); ok {
			cpuTimes = append(cpuTimes, cpu1-cpu0)
			cpuByKind[k] = append(cpuByKind[k], cpu1-cpu0)
		}
		byKind[k] = append(byKind[k], d)
	}
	l.applies++
	return ds
}

// step is one round of traffic: a chat closes, its slot goes to the next waiting
// chat (offer accepted and answered), a new chat arrives, now and then an agent goes
// away or comes back, and the clock moves 10ms (Tick when a timer is due).
func (l *load) step(timed bool) {
	if len(l.active) > 0 {
		i := l.r.IntN(len(l.active))
		c := l.active[i]
		l.active[i] = l.active[len(l.active)-1]
		l.active = l.active[:len(l.active)-1]
		l.take(l.apply(ChatClosed{Chat: c}, timed))
	}
	l.acceptAll(timed)
	l.take(l.apply(l.request(), timed))
	l.acceptAll(timed)
	if l.r.IntN(50) == 0 {
		if len(l.away) > 0 && l.r.IntN(2) == 0 {
			a := l.away[0]
			l.away = l.away[1:]
			a.AllowsChat = true
			l.take(l.apply(a, timed))
		} else {
			a := l.agents[l.r.IntN(len(l.agents))]
			a.AllowsChat = false
			l.away = append(l.away, a)
			l.take(l.apply(a, timed))
		}
		l.acceptAll(timed)
	}
	l.now = l.now.Add(10 * time.Millisecond)
	if dl, ok := l.e.NextDeadline(); ok && !dl.After(l.now) {
		l.take(l.apply(Tick{}, timed))
		l.acceptAll(timed)
	}
}

// BenchmarkDecision measures the cost of one Apply at 10,000 waiting chats and 2,000
// busy agents, over a realistic mix of events (see load.step).
func BenchmarkDecision(b *testing.B) {
	l := newLoad(b)
	latencies = latencies[:0]
	l.applies = 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		l.step(true)
	}
	b.StopTimer()
	if l.applies > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(l.applies), "ns/apply")
		b.ReportMetric(float64(l.applies)/float64(b.N), "applies/op")
		b.ReportMetric(float64(p99(latencies).Microseconds()), "p99_us")
	}
	if w := l.e.Counts().Waiting; w < loadWaiting*9/10 {
		b.Fatalf("queue drained to %d: the benchmark no longer measures the intended scale", w)
	}
}

func p99(ls []time.Duration) time.Duration {
	if len(ls) == 0 {
		return 0
	}
	s := slices.Clone(ls)
	slices.Sort(s)
	return s[len(s)*99/100]
}

// TestDecisionLatencyReport prints acd_decision_p99_us: the 99th percentile of single
// Apply latencies at scale. It runs only with -acd.report or ACD_REPORT=1 (make bench).
func TestDecisionLatencyReport(t *testing.T) {
	if !*acdReport && os.Getenv("ACD_REPORT") != "1" {
		t.Skip("set -acd.report or ACD_REPORT=1")
	}
	runtime.LockOSThread() // for threadCPU
	defer runtime.UnlockOSThread()
	l := newLoad(t)
	for range 2000 { // warm up
		l.step(false)
	}
	latencies = latencies[:0]
	cpuTimes = cpuTimes[:0]
	clear(byKind)
	clear(cpuByKind)
	for range 20000 {
		l.step(true)
	}
	s := slices.Clone(latencies)
	slices.Sort(s)
	pct := func(p int) time.Duration { return s[len(s)*p/100] }
	c := l.e.Counts()
	t.Logf("%d applies, %d waiting, %d agents staffed: p50 %v p90 %v p99 %v max %v",
		len(s), c.Waiting, c.Agents, pct(50), pct(90), pct(99), s[len(s)-1])
	if len(cpuTimes) > 0 {
		c := slices.Clone(cpuTimes)
		slices.Sort(c)
		t.Logf("CPU time of the same calls (without time lost to other processes): p50 %v p90 %v p99 %v max %v",
			c[len(c)/2], c[len(c)*90/100], c[len(c)*99/100], c[len(c)-1])
	}
	kinds := slices.Sorted(maps.Keys(byKind))
	for _, k := range kinds {
		ls := slices.Clone(byKind[k])
		slices.Sort(ls)
		cpu := ""
		if cs := slices.Clone(cpuByKind[k]); len(cs) > 0 {
			slices.Sort(cs)
			cpu = fmt.Sprintf("  (CPU p50 %v p99 %v)", cs[len(cs)/2], cs[len(cs)*99/100])
		}
		t.Logf("  %-36s n=%6d p50 %9v p99 %9v max %9v%s", k, len(ls), ls[len(ls)/2], ls[len(ls)*99/100], ls[len(ls)-1], cpu)
	}
	fmt.Printf("acd_decision_p99_us %d\n", pct(99).Microseconds())
}

// BenchmarkQueueRound measures one full QueueUpdate round over 10,000 waiting chats in
// one group (every chat told a new "of N"), per chat told.
func BenchmarkQueueRound(b *testing.B) {
	o := DefaultOptions()
	o.QueueUpdateEvery = 0
	o.QueueUpdateBatch = 0
	e := NewWithOptions(o)
	now := t0
	e.Apply(now, ConnectorConfig{Connector: 1, Group: 1})
	e.Apply(now, AgentState{Agent: 1, Groups: []GroupID{1}, MaxChats: 1, AllowsChat: true, Connected: true})
	for i := range loadWaiting {
		e.Apply(now, ChatRequested{Chat: ChatID(fmt.Sprint("c", i)), Connector: 1})
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// Each arrival changes everyone's "of N": one round over the whole queue.
		i++
		ds := e.Apply(now, ChatRequested{Chat: ChatID(fmt.Sprint("n", i)), Connector: 1})
		b.StopTimer()
		if n := len(updates(ds)); n < loadWaiting {
			b.Fatalf("%d updates", n)
		}
		e.Apply(now, ChatClosed{Chat: ChatID(fmt.Sprint("n", i))})
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/loadWaiting, "ns/update")
}

// BenchmarkDecisionIdle measures the other extreme: 2,000 agents mostly free, so every
// chat is offered at once and each offer chooses among many eligible agents.
func BenchmarkDecisionIdle(b *testing.B) {
	e := New()
	now := t0
	e.Apply(now, ConnectorConfig{Connector: 1, Group: 1, ConnectWait: 30 * time.Second,
		Skills: [3]SkillReq{{Skill: "en", Min: 1}}})
	for i := range loadAgents {
		e.Apply(now, AgentState{Agent: AgentID(i + 1), Groups: []GroupID{1}, MaxChats: loadMax,
			AllowsChat: true, Connected: true, Skills: map[string]int{"en": i % 3}})
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		now = now.Add(10 * time.Millisecond)
		id := ChatID(fmt.Sprint("c", i))
		for _, d := range e.Apply(now, ChatRequested{Chat: id, Connector: 1}) {
			if o, ok := d.(Offer); ok {
				e.Apply(now, OfferAccepted{Chat: o.Chat, Agent: o.Agent})
			}
		}
		if i > 1000 {
			e.Apply(now, ChatClosed{Chat: ChatID(fmt.Sprint("c", i-1000))})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/3, "ns/apply")
}
