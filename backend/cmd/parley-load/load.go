package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/protocol"
)

// options are the command's flags.
type options struct {
	url                  string
	visitors, agents     int
	messages             int
	interval, duration   time.Duration
	rate                 float64
	dataDir, databaseURL string
	connector            string
	// storm makes every visitor, once its chat is active, drop its connection at the same
	// moment as all the others and come back: connect, resume, then send its messages.
	storm bool
	// presence is how many loaders' presence sockets to hold through the run (presence.go).
	presence int
	// msgRate is the open loop's messages per second over all visitors (0: closed loop).
	msgRate float64
	// steady holds the messages back until every chat has started.
	steady bool
	// serverPID is the server's process on this machine, for its CPU time and memory.
	serverPID int
	// stormWrites is how many messages each agent writes into each chat in a storm, and
	// stormWait how long a visitor waits for them once back.
	stormWrites int
	stormWait   time.Duration
	// replay and idle are the separate measurements of replay.go and idle.go.
	replay, idle int
	settle       time.Duration
	// lines prints `name value` lines, their names ending in _label when label is set.
	lines    bool
	label    string
	freePort bool
	// cpuProfile is where -cpuprofile writes the tool's own CPU profile.
	cpuProfile string
}

// Result is the run's outcome, printed as one JSON line.
type Result struct {
	Chats      int     `json:"chats"`
	Sent       int     `json:"sent"`
	Delivered  int     `json:"delivered"`
	Lost       int     `json:"lost"`
	Duplicated int     `json:"duplicated"`
	MsgsPerS   float64 `json:"msgs_per_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	OfferP50ms float64 `json:"offer_p50_ms"`
	OfferP99ms float64 `json:"offer_p99_ms"`
	// ResumeP50ms and ResumeP99ms time a storm's way back, from dialling to the resume's ack.
	ResumeP50ms float64 `json:"resume_p50_ms,omitempty"`
	ResumeP99ms float64 `json:"resume_p99_ms,omitempty"`
	Errors      int     `json:"errors"`
	// MovedVisitors and MovedAgents count the clients that came back on another node after
	// theirs went, Reconnects those that came back on the same one (move.go).
	MovedVisitors int `json:"moved_visitors"`
	MovedAgents   int `json:"moved_agents"`
	Reconnects    int `json:"reconnects"`
	// FirstError is what the first client that failed was told, so that a run with errors
	// says what went wrong.
	FirstError string `json:"first_error,omitempty"`
	// CPU per delivered message while the messages went (-server-pid, -steady): the server's
	// and its PostgreSQL backends', in µs.
	CPUServerUs   float64 `json:"cpu_server_us_per_msg,omitempty"`
	CPUDatabaseUs float64 `json:"cpu_database_us_per_msg,omitempty"`
	CPUUs         float64 `json:"cpu_us_per_msg,omitempty"`
	// CPULoadUs is the load tool's own CPU per delivered message in the same window (-steady):
	// what the clients on this machine take from the server's share of it.
	CPULoadUs float64 `json:"load_cpu_us_per_msg,omitempty"`
	StormResult
	ReplayResult
	IdleResult
	PresenceResult
}

// StormResult is what a storm's visitors got of the messages their agents wrote while they
// were away.
type StormResult struct {
	// StormWritten is how many messages the agents wrote (and the server acknowledged).
	StormWritten int `json:"storm_written,omitempty"`
	// StormResumeS is the time from the visitors coming back until the last of them had
	// every message of its agent (or, when some were lost, until the last that came).
	StormResumeS    float64 `json:"storm_resume_s,omitempty"`
	StormLost       int     `json:"storm_lost"`
	StormDuplicated int     `json:"storm_duplicated"`
	// StormReconnects is how often a visitor came back again because the server closed its
	// connection before it had every message.
	StormReconnects int `json:"storm_reconnects"`
}

// JSON renders the result.
func (r Result) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// tally collects what agents received and what visitors sent, from many goroutines.
type tally struct {
	mu          sync.Mutex
	sent        map[lineKey]bool // acked to the visitor
	received    map[lineKey]int
	latencies   []time.Duration
	requestedAt map[string]time.Time // chat id -> when its request was sent
	offeredAt   map[string]time.Time // chat id -> when the first offer arrived
	resumes     []time.Duration      // storm: dial to resume ack
	chats       int
	errors      int
	firstErr    error
	// sendWindow is when the messages started and ended (-steady), cpu the CPU times then.
	sendStart, sendEnd time.Time
	cpu                [2]cpuSample
	loadCPU            [2]time.Duration
	cpuErr             error
	// storm: the chats each agent took, what the agents wrote and the visitors got (by
	// "chat/n"), when the visitors came back and when the last had all.
	agentChats      map[int64][]string
	stormSent       map[string]bool
	stormGot        map[string]int
	stormBack       time.Time
	stormLatest     time.Time
	stormReconnects int
	// moves counts the clients that came back after their connection ended (move.go).
	moves moves
}

// lineKey names a load visitor's line: the visitor's number and the line's.
type lineKey struct{ visitor, n int }

func (t *tally) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errors++
	if t.firstErr == nil {
		t.firstErr = err
	}
}

func run(ctx context.Context, o options) (Result, error) {
	hash, logins, err := prepare(ctx, o)
	if err != nil {
		return Result{}, err
	}
	bases, err := socketBases(o.url)
	if err != nil {
		return Result{}, err
	}
	ws := bases[0]
	base, err := url.Parse(strings.TrimSpace(strings.Split(o.url, ",")[0]))
	if err != nil {
		return Result{}, fmt.Errorf("-url: %w", err)
	}
	var pres *presenceSockets
	if o.presence > 0 {
		if pres, err = openPresence(ctx, base.Scheme+"://"+base.Host, ws, hash, o.presence); err != nil {
			return Result{}, err
		}
		defer pres.close()
	}
	if o.idle > 0 {
		return runIdle(ctx, o, ws, hash)
	}
	t := &tally{sent: map[lineKey]bool{}, received: map[lineKey]int{}, requestedAt: map[string]time.Time{}, offeredAt: map[string]time.Time{},
		agentChats: map[int64][]string{}, stormSent: map[string]bool{}, stormGot: map[string]int{}}
	g := newGates(o)

	agentCtx, stopAgents := context.WithCancel(ctx)
	defer stopAgents()
	var agents sync.WaitGroup
	ready := make(chan error, len(logins))
	for k, l := range logins {
		agents.Add(1)
		go func() {
			defer agents.Done()
			runAgent(agentCtx, bases, k, l, o, t, g, ready)
		}()
	}
	for range logins {
		if err := <-ready; err != nil {
			return Result{}, err
		}
	}
	if o.replay > 0 {
		return runReplay(ctx, o, ws, hash)
	}
	var meter *cpuMeter
	if o.serverPID > 0 && o.steady {
		if meter, err = newCPUMeter(ctx, o.serverPID, o.databaseURL); err != nil {
			return Result{}, err
		}
		defer meter.close()
	}
	windowDone := make(chan struct{})
	if o.steady {
		go func() {
			defer close(windowDone)
			t.window(ctx, g, meter)
		}()
	} else {
		close(windowDone)
	}
	if o.msgRate > 0 {
		go g.dispatch(ctx, o)
	}

	start := time.Now()
	var visitors sync.WaitGroup
	var pace *time.Ticker
	if o.rate > 0 {
		pace = time.NewTicker(time.Duration(float64(time.Second) / o.rate))
		defer pace.Stop()
	}
	for i := range o.visitors {
		if pace != nil {
			select {
			case <-pace.C:
			case <-ctx.Done():
			}
		}
		visitors.Add(1)
		go func() {
			defer visitors.Done()
			var passed passes
			if err := runVisitor(ctx, bases, hash, i, o, t, g, &passed); err != nil {
				t.fail(err)
			}
			g.leave(&passed)
		}()
	}
	visitors.Wait()
	elapsed := time.Since(start)
	// Give the last deliveries a moment (and the clients still coming back after their node
	// went the time they take), then stop the agents.
	deadline := time.Now().Add(2 * time.Second)
	for ctx.Err() == nil {
		t.mu.Lock()
		missing := 0
		for k := range t.sent {
			if t.received[k] == 0 {
				missing++
			}
		}
		t.mu.Unlock()
		if missing == 0 || time.Now().After(deadline) && t.moves.underway.Load() == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopAgents()
	agents.Wait()
	<-windowDone
	if o.steady {
		t.mu.Lock()
		if !t.sendStart.IsZero() && t.sendEnd.After(t.sendStart) {
			elapsed = t.sendEnd.Sub(t.sendStart)
		}
		t.mu.Unlock()
	}
	r := summarize(t, elapsed)
	if o.steady && r.Delivered > 0 {
		t.mu.Lock()
		r.CPULoadUs = round(float64(t.loadCPU[1]-t.loadCPU[0]) / float64(time.Microsecond) / float64(r.Delivered))
		t.mu.Unlock()
	}
	if meter != nil {
		t.mu.Lock()
		if t.cpuErr != nil {
			t.mu.Unlock()
			return r, t.cpuErr
		}
		server, database := cpuUsed(t.cpu[0], t.cpu[1])
		t.mu.Unlock()
		if r.Delivered > 0 {
			perMsg := func(d time.Duration) float64 {
				return round(float64(d) / float64(time.Microsecond) / float64(r.Delivered))
			}
			r.CPUServerUs, r.CPUDatabaseUs, r.CPUUs = perMsg(server), perMsg(database), perMsg(server+database)
		}
	}
	if pres != nil {
		r.PresenceResult = pres.res
	}
	return r, nil
}

// summarize computes the result from the tally.
func summarize(t *tally, elapsed time.Duration) Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := Result{Chats: t.chats, Sent: len(t.sent), Errors: t.errors, MovedVisitors: int(t.moves.visitors.Load()),
		MovedAgents: int(t.moves.agents.Load()), Reconnects: int(t.moves.reconnects.Load())}
	if t.firstErr != nil {
		r.FirstError = t.firstErr.Error()
	}
	for k, n := range t.received {
		if n > 0 {
			r.Delivered++
		}
		if n > 1 {
			r.Duplicated += n - 1
		}
		_ = k
	}
	for k := range t.sent {
		if t.received[k] == 0 {
			r.Lost++
		}
	}
	if elapsed > 0 {
		r.MsgsPerS = round(float64(r.Delivered) / elapsed.Seconds())
	}
	r.P50ms, r.P99ms = percentiles(t.latencies)
	var offers []time.Duration
	for chat, at := range t.offeredAt {
		if req, ok := t.requestedAt[chat]; ok {
			offers = append(offers, at.Sub(req))
		}
	}
	r.OfferP50ms, r.OfferP99ms = percentiles(offers)
	r.ResumeP50ms, r.ResumeP99ms = percentiles(t.resumes)
	for k := range t.stormSent {
		if t.stormGot[k] == 0 {
			r.StormLost++
		}
	}
	for _, n := range t.stormGot {
		if n > 1 {
			r.StormDuplicated += n - 1
		}
	}
	r.StormWritten, r.StormReconnects = len(t.stormSent), t.stormReconnects
	if !t.stormBack.IsZero() && t.stormLatest.After(t.stormBack) {
		r.StormResumeS = round(t.stormLatest.Sub(t.stormBack).Seconds())
	}
	return r
}

// percentiles returns the median and the 99th percentile of ds in milliseconds: the samples at
// q·(n-1) of the sorted samples, rounded down. It sorts ds.
func percentiles(ds []time.Duration) (p50, p99 float64) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q * float64(len(ds)-1))
		return round(float64(ds[i]) / float64(time.Millisecond))
	}
	return at(0.50), at(0.99)
}

func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// runAgent signs in on node k of bases, becomes available, accepts every offer and records
// every visitor message, moving to another node when its own goes (move.go); in a storm it
// writes into its chats while their visitors are away.
func runAgent(ctx context.Context, bases []string, k int, l login, o options, t *tally, g *gates, ready chan<- error) {
	a := &agentLink{bases: bases, l: l, m: &t.moves, at: home(bases, k), seqs: map[string]uint64{}}
	var err error
	if a.c, _, err = a.join(ctx, bases[a.at]); err != nil {
		ready <- err
		return
	}
	defer func() { a.c.Drop() }()
	ready <- nil
	if o.storm {
		go stormWrite(ctx, a.c, l, o, t, g)
	}
	// maybe are the chats whose offer the agent accepted without hearing back: the node went
	// meanwhile, and the chat may be the agent's.
	var maybe sync.Map
	for {
		ev, err := a.c.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			t.mu.Lock()
			chats := slices.Clone(t.agentChats[l.id])
			t.mu.Unlock()
			maybe.Range(func(k, _ any) bool { chats = append(chats, k.(string)); return true })
			if err := a.move(ctx, chats); err != nil {
				if ctx.Err() == nil {
					t.fail(err)
				}
				return
			}
			continue
		}
		a.saw(ev)
		switch b := ev.Body.(type) {
		case *protocol.Offer:
			t.mu.Lock()
			if _, ok := t.offeredAt[ev.Chat]; !ok {
				t.offeredAt[ev.Chat] = time.Now()
			}
			t.mu.Unlock()
			c := a.c
			go func() {
				_, err := c.Call(ctx, ev.Chat, &protocol.OfferAccept{})
				switch {
				case err == nil:
					t.mu.Lock()
					t.agentChats[l.id] = append(t.agentChats[l.id], ev.Chat)
					t.mu.Unlock()
				case lostConnection(err):
					maybe.Store(ev.Chat, true)
				}
			}()
		case *protocol.Message:
			t.delivered(b, time.Now())
		case *protocol.Error:
			t.fail(fmt.Errorf("agent %s got error %s: %s", l.login, b.Code, b.Message))
		}
	}
}

// delivered records a message an agent got at now: a load visitor's line ("load visitor n
// sent-at") counts once towards the delivered and its latency, again as a duplicate.
func (t *tally) delivered(m *protocol.Message, now time.Time) {
	if m.Role != protocol.RoleVisitor || !strings.HasPrefix(m.Text, "load ") {
		return
	}
	f := strings.Fields(m.Text)
	if len(f) != 4 {
		return
	}
	nanos, _ := strconv.ParseInt(f[3], 10, 64)
	visitor, err1 := strconv.Atoi(f[1])
	n, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return
	}
	key := lineKey{visitor, n}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.received[key]++
	if t.received[key] == 1 {
		t.latencies = append(t.latencies, now.Sub(time.Unix(0, nanos)))
	}
}

// stormInFlight bounds the messages one agent of a storm has on the way at once.
const stormInFlight = 32

// stormWrite waits until every visitor of the storm has dropped, writes o.stormWrites messages
// into each of the agent's chats, and says it is done.
func stormWrite(ctx context.Context, c *chatConn, l login, o options, t *tally, g *gates) {
	defer g.written.arrive()
	if g.away.wait(ctx) != nil {
		return
	}
	t.mu.Lock()
	chats := slices.Clone(t.agentChats[l.id])
	t.mu.Unlock()
	// An agent has at most stormInFlight messages on the way at once, as an agent app would:
	// hundreds of answers at once overflow the connection's queue on a busy machine, and the
	// server closes a client that does not read them.
	slots := make(chan struct{}, stormInFlight)
	var wg sync.WaitGroup
	for _, chat := range chats {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			for i := range o.stormWrites {
				if err := send(ctx, c, chat, fmt.Sprintf("agentload %s %d", chat, i)); err != nil {
					t.fail(fmt.Errorf("storm: agent %s writing: %w", l.login, err))
					return
				}
				t.mu.Lock()
				t.stormSent[chat+"/"+strconv.Itoa(i)] = true
				t.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// send sends a message into a chat and waits for its ack, sending it again with the same id
// when the server asks to retry.
func send(ctx context.Context, c *chatConn, chat, text string) error {
	id := c.NewID()
	for {
		_, err := c.CallID(ctx, id, chat, &protocol.Send{Text: text})
		if isBusy(err) {
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		return err
	}
}

// barrier lets every visitor of a storm go at the same moment: each arrives once, and all
// are released when the last has.
type barrier struct {
	mu   sync.Mutex
	left int
	go_  chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{left: n, go_: make(chan struct{})} }

func (b *barrier) arrive() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left--; b.left == 0 {
		close(b.go_)
	}
}

// wait waits for the barrier's release, or fails when ctx ends.
func (b *barrier) wait(ctx context.Context) error {
	select {
	case <-b.go_:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// connectVisitor dials and sends visitor.connect, its command ids starting with prefix.
func connectVisitor(ctx context.Context, ws, hash, prefix string) (*chatConn, error) {
	c, err := dialChat(ctx, ws+"/ws/visitor", prefix)
	if err != nil {
		return nil, err
	}
	if _, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: hash, Lang: "en", Page: "http://load.test/"}); err != nil {
		c.Drop()
		return nil, fmt.Errorf("visitor.connect: %w", err)
	}
	return c, nil
}

// runVisitor asks for a chat on node n of bases, waits for the agent, (in a storm, drops its
// connection with all the others, and resumes once their agents have written,) sends its
// messages and closes the chat, moving to another node when its own goes (move.go). p records
// the gates it has passed, for [gates.leave].
func runVisitor(ctx context.Context, bases []string, hash string, n int, o options, t *tally, g *gates, p *passes) error {
	v := &visitorLink{bases: bases, hash: hash, n: n, m: &t.moves, at: home(bases, n)}
	requested := time.Now()
	if err := v.request(ctx, "Load visitor "+strconv.Itoa(n)); err != nil {
		return err
	}
	defer func() { v.c.Drop() }()
	t.mu.Lock()
	t.requestedAt[v.chat] = requested
	t.mu.Unlock()
	for {
		ev, err := v.next(ctx)
		if err != nil {
			return fmt.Errorf("waiting for an agent: %w", err)
		}
		if j, ok := ev.Body.(*protocol.Joined); ok && j.Role == protocol.RoleAgent {
			break
		}
	}
	t.mu.Lock()
	t.chats++
	t.mu.Unlock()
	if o.storm {
		c, err := stormVisitor(ctx, bases[v.at], hash, n, o, t, g, p, v.c, v.chat, v.token, v.seq.Load())
		v.c = c
		if err != nil {
			return err
		}
	} else {
		v.startDraining() // keep the event stream drained
	}
	if o.steady {
		p.steady = true
		g.steady.arrive()
		if err := g.steady.wait(ctx); err != nil {
			return err
		}
	}
	sendOne := func(i int, at time.Time) error {
		// The message's id is its own, the same on every node the visitor may move to; it starts
		// with the time, as the widget's do.
		id := protocol.TimeID(at) + "-v" + strconv.Itoa(n) + "-m" + strconv.Itoa(i)
		if _, _, err := v.call(ctx, id, &protocol.Send{Text: fmt.Sprintf("load %d %d %d", n, i, at.UnixNano())}); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		t.mu.Lock()
		t.sent[lineKey{n, i}] = true
		t.mu.Unlock()
		return nil
	}
	if o.msgRate > 0 {
		// Open loop: each message when it is due; its latency counts from then.
		i := 0
		for due := range g.jobs[n] {
			if err := sendOne(i, due); err != nil {
				return err
			}
			i++
		}
	} else {
		for i := range o.messages {
			if err := sendOne(i, time.Now()); err != nil {
				return err
			}
			if o.interval > 0 {
				select {
				case <-time.After(o.interval):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	}
	if o.steady {
		p.sent = true
		g.sent.arrive()
	}
	_, moved, err := v.call(ctx, "v"+strconv.Itoa(n)+"-close", &protocol.Close{})
	var pe *protocol.Error
	if moved && errors.As(err, &pe) && (pe.Code == protocol.CodeForbidden || pe.Code == protocol.CodeConflict) {
		// The close was done before the node went: the chat resumed on the next node had ended.
		err = nil
	}
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// stormVisitor waits for every visitor to have its chat, drops its connection with all the
// others, waits for the agents to have written, comes back, resumes after the last event it had
// (seq) and waits, up to o.stormWait, for every message its agent wrote. It returns the
// connection it ends with, whose events it keeps reading and counting; an error only when ctx
// ends (what did not come in time is counted as lost).
func stormVisitor(ctx context.Context, ws, hash string, n int, o options, t *tally, g *gates, p *passes,
	c *chatConn, chatID, chatToken string, seq uint64) (*chatConn, error) {
	p.storm = true
	g.storm.arrive()
	if err := g.storm.wait(ctx); err != nil {
		return c, err
	}
	c.Drop()
	p.away = true
	g.away.arrive()
	if err := g.written.wait(ctx); err != nil {
		return c, err
	}
	back := time.Now()
	t.mu.Lock()
	if t.stormBack.IsZero() {
		t.stormBack = back
	}
	want := 0
	for i := range o.stormWrites {
		if t.stormSent[chatID+"/"+strconv.Itoa(i)] {
			want++
		}
	}
	t.mu.Unlock()
	if want == 0 {
		return c, fmt.Errorf("storm: no agent wrote into chat %s", chatID)
	}
	got := map[string]bool{}
	count := func(ev protocol.Event) { // the agent's messages, and any that come twice
		m, ok := ev.Body.(*protocol.Message)
		if !ok || m.Role != protocol.RoleAgent || !strings.HasPrefix(m.Text, "agentload ") {
			return
		}
		f := strings.Fields(m.Text)
		if len(f) != 3 || f[1] != chatID {
			return
		}
		key := chatID + "/" + f[2]
		t.mu.Lock()
		defer t.mu.Unlock()
		t.stormGot[key]++
		if !got[key] {
			got[key] = true
			t.stormLatest = later(t.stormLatest, time.Now())
		}
	}
	// Come back, resume after the last event had, and read until every message is there. A
	// connection the server closes meanwhile (it asks clients it cannot catch up to come back)
	// is made again, as the widget does; what has not come by the deadline counts as lost.
	wait, cancel := context.WithTimeout(ctx, o.stormWait)
	defer cancel()
	for first := true; ; first = false {
		if !first {
			t.mu.Lock()
			t.stormReconnects++
			t.mu.Unlock()
			select {
			case <-time.After(100 * time.Millisecond):
			case <-wait.Done():
				return c, ctx.Err()
			}
		}
		nc, err := connectVisitor(wait, ws, hash, "v"+strconv.Itoa(n)+"-")
		if err != nil {
			if wait.Err() != nil {
				return c, ctx.Err()
			}
			continue
		}
		c = nc
		if _, err := c.Call(wait, chatID, &protocol.Resume{Token: chatToken, After: seq}); err != nil {
			c.Drop()
			if wait.Err() != nil {
				return c, ctx.Err()
			}
			continue
		}
		if first {
			t.mu.Lock()
			t.resumes = append(t.resumes, time.Since(back))
			t.mu.Unlock()
		}
		for len(got) < want {
			ev, err := c.Next(wait)
			if err != nil {
				break
			}
			if ev.Chat == chatID && ev.Seq > seq {
				seq = ev.Seq
			}
			count(ev)
		}
		if len(got) == want {
			go func() { // keep reading: a message that comes twice counts
				for ev := range c.Events() {
					count(ev)
				}
			}()
			return c, nil
		}
		if wait.Err() != nil {
			return c, ctx.Err()
		}
		c.Drop()
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// gates are the moments the run's visitors and agents wait for each other: a storm's drop
// (storm), its visitors all away (away) and the agents done writing (written); with -steady,
// every chat started (steady) and every message sent (sent). jobs hand an open loop's due
// times to each visitor.
type gates struct {
	storm, away, written, steady, sent *barrier
	jobs                               []chan time.Time
}

// passes records the gates one visitor has arrived at.
type passes struct{ storm, away, steady, sent bool }

func newGates(o options) *gates {
	g := &gates{storm: newBarrier(o.visitors), away: newBarrier(o.visitors), written: newBarrier(o.agents),
		steady: newBarrier(o.visitors), sent: newBarrier(o.visitors)}
	if o.msgRate > 0 {
		g.jobs = make([]chan time.Time, o.visitors)
		for i := range g.jobs {
			g.jobs[i] = make(chan time.Time, o.messages)
		}
	}
	return g
}

// leave arrives at every gate a visitor that ended (or failed) has not passed, so that the
// others are not kept waiting for it.
func (g *gates) leave(p *passes) {
	for _, gate := range []struct {
		passed bool
		b      *barrier
	}{{p.storm, g.storm}, {p.away, g.away}, {p.steady, g.steady}, {p.sent, g.sent}} {
		if !gate.passed {
			gate.b.arrive()
		}
	}
}

// dispatch is the open loop's clock: once every chat has started, it hands the visitors, in
// turn, the times their messages are due, o.msgRate a second, o.visitors·o.messages in all.
func (g *gates) dispatch(ctx context.Context, o options) {
	defer func() {
		for _, j := range g.jobs {
			close(j)
		}
	}()
	if g.steady.wait(ctx) != nil {
		return
	}
	start := time.Now()
	every := float64(time.Second) / o.msgRate
	for k := range o.visitors * o.messages {
		due := start.Add(time.Duration(float64(k) * every))
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return
			}
		}
		g.jobs[k%o.visitors] <- due // room for every message: never waits
	}
}

// window records when the messages start and end (-steady) and the CPU times then.
func (t *tally) window(ctx context.Context, g *gates, meter *cpuMeter) {
	mark := func(at *time.Time, cpu *cpuSample, own *time.Duration) {
		t.mu.Lock()
		*at = time.Now()
		*own = selfCPU()
		t.mu.Unlock()
		if meter == nil {
			return
		}
		s, err := meter.sample(ctx)
		t.mu.Lock()
		*cpu = s
		if err != nil && t.cpuErr == nil {
			t.cpuErr = err
		}
		t.mu.Unlock()
	}
	for i, b := range []*barrier{g.steady, g.sent} {
		if b.wait(ctx) != nil {
			return
		}
		if i == 0 {
			mark(&t.sendStart, &t.cpu[0], &t.loadCPU[0])
		} else {
			mark(&t.sendEnd, &t.cpu[1], &t.loadCPU[1])
		}
	}
}

// login is a prepared agent account with a session token.
type login struct {
	id    int64
	login string
	token string
}

// prepare creates or refreshes the load agents in the server's database, signs them in there
// (so that the server's per-address sign-in limit does not throttle the run) and finds the
// connector.
func prepare(ctx context.Context, o options) (string, []login, error) {
	st, err := store.Open(ctx, store.Config{DatabaseURL: o.databaseURL, DataDir: o.dataDir})
	if err != nil {
		return "", nil, fmt.Errorf("open the server's database to prepare agents: %w", err)
	}
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil || len(tenants) == 0 {
		return "", nil, fmt.Errorf("no tenant in the database (start the server with demo data first): %v", err)
	}
	tenant := tenants[0]
	var conn store.Connector
	if o.connector != "" {
		if conn, err = st.ConnectorByHash(ctx, o.connector); err != nil {
			return "", nil, fmt.Errorf("connector %q: %w", o.connector, err)
		}
	} else {
		conns, err := st.Connectors(ctx, tenant.ID)
		if err != nil || len(conns) == 0 {
			return "", nil, fmt.Errorf("the tenant has no connector: %v", err)
		}
		conn = conns[0]
	}
	// Every load visitor comes from this machine's address: lift the per-address and
	// per-visitor caps of open chats (the server reads them on the first visitor's connect).
	policy, err := st.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		return "", nil, err
	}
	policy.MaxChatsPerIP, policy.MaxChatsPerVisitor = 0, 0
	if o.presence > 0 && !conn.VisitorPresence {
		// The loaders' presence sockets need the connector's visitor presence.
		conn.VisitorPresence = true
		if conn, err = st.UpdateConnector(ctx, conn); err != nil {
			return "", nil, fmt.Errorf("switch visitor presence on: %w", err)
		}
	}
	if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
		return "", nil, fmt.Errorf("lift the open-chat caps: %w", err)
	}
	capacity := (o.visitors+o.agents-1)/o.agents + 1
	// Load agents sign in with sessions made here; their password is random and never used.
	hash, err := password.HashWithParams(token.NewSecret(), password.Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	if err != nil {
		return "", nil, err
	}
	var out []login
	for i := range o.agents {
		name := fmt.Sprintf("load-agent-%d@load.parley", i+1)
		u, err := st.UserByLogin(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			u, err = st.CreateUser(ctx, store.User{TenantID: conn.TenantID, Login: name, Name: fmt.Sprintf("Load Agent %d", i+1), Nickname: fmt.Sprintf("Load%d", i+1),
				Role: "agent", PasswordHash: hash, MaxChats: capacity, Lang: "en", Active: true, Groups: []int64{conn.GroupID}})
		} else if err == nil {
			u.MaxChats, u.Active, u.PasswordHash = capacity, true, hash
			if !slices.Contains(u.Groups, conn.GroupID) {
				u.Groups = append(u.Groups, conn.GroupID)
			}
			u, err = st.UpdateUser(ctx, u)
		}
		if err != nil {
			return "", nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		token, err := st.CreateSession(ctx, u.ID, o.duration+time.Hour)
		if err != nil {
			return "", nil, fmt.Errorf("sign in %s: %w", name, err)
		}
		out = append(out, login{id: u.ID, login: name, token: token})
	}
	return conn.Hash, out, nil
}
