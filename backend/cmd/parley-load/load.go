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
	"github.com/parleychat/parley/backend/protoclient"
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
	PresenceResult
}

// JSON renders the result.
func (r Result) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// tally collects what agents received and what visitors sent, from many goroutines.
type tally struct {
	mu          sync.Mutex
	sent        map[string]bool // "visitor/n" acked to the visitor
	received    map[string]int
	latencies   []time.Duration
	requestedAt map[string]time.Time // chat id -> when its request was sent
	offeredAt   map[string]time.Time // chat id -> when the first offer arrived
	resumes     []time.Duration      // storm: dial to resume ack
	chats       int
	errors      int
	firstErr    error
}

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
	base, err := url.Parse(o.url)
	if err != nil {
		return Result{}, fmt.Errorf("-url: %w", err)
	}
	ws := "ws://" + base.Host
	if base.Scheme == "https" {
		ws = "wss://" + base.Host
	}
	var pres *presenceSockets
	if o.presence > 0 {
		if pres, err = openPresence(ctx, base.Scheme+"://"+base.Host, ws, hash, o.presence); err != nil {
			return Result{}, err
		}
		defer pres.close()
	}
	t := &tally{sent: map[string]bool{}, received: map[string]int{}, requestedAt: map[string]time.Time{}, offeredAt: map[string]time.Time{}}

	agentCtx, stopAgents := context.WithCancel(ctx)
	defer stopAgents()
	var agents sync.WaitGroup
	ready := make(chan error, len(logins))
	for _, l := range logins {
		agents.Add(1)
		go func() {
			defer agents.Done()
			runAgent(agentCtx, ws, l, t, ready)
		}()
	}
	for range logins {
		if err := <-ready; err != nil {
			return Result{}, err
		}
	}

	start := time.Now()
	storm := newBarrier(o.visitors)
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
			arrived := false
			if err := runVisitor(ctx, ws, hash, i, o, t, storm, &arrived); err != nil {
				t.fail(err)
			}
			if !arrived {
				storm.arrive()
			}
		}()
	}
	visitors.Wait()
	elapsed := time.Since(start)
	// Give the last deliveries a moment, then stop the agents.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		t.mu.Lock()
		missing := 0
		for k := range t.sent {
			if t.received[k] == 0 {
				missing++
			}
		}
		t.mu.Unlock()
		if missing == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopAgents()
	agents.Wait()
	r := summarize(t, elapsed)
	if pres != nil {
		r.PresenceResult = pres.res
	}
	return r, nil
}

// summarize computes the result from the tally.
func summarize(t *tally, elapsed time.Duration) Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := Result{Chats: t.chats, Sent: len(t.sent), Errors: t.errors}
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
	return r
}

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

// runAgent signs in, becomes available, accepts every offer and records every visitor message.
func runAgent(ctx context.Context, ws string, l login, t *tally, ready chan<- error) {
	c, err := protoclient.Dial(ctx, ws+"/ws/agent", protoclient.Options{IDPrefix: "a" + strconv.FormatInt(l.id, 10) + "-"})
	if err != nil {
		ready <- err
		return
	}
	defer c.Drop()
	if _, err := c.Call(ctx, "", &protocol.AgentConnect{Token: l.token}); err != nil {
		ready <- fmt.Errorf("agent.connect: %w", err)
		return
	}
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.AgentReady); return ok })
	if err != nil {
		ready <- err
		return
	}
	status := int64(0)
	for _, s := range ev.Body.(*protocol.AgentReady).Statuses {
		if s.AllowsChat && s.Settable {
			status = s.ID
			break
		}
	}
	if status == 0 {
		ready <- errors.New("the tenant has no agent status that allows chat")
		return
	}
	if err := c.Send(ctx, c.NewID(), "", &protocol.StatusSet{Status: status}); err != nil {
		ready <- err
		return
	}
	if _, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.AgentStatus); return ok }); err != nil {
		ready <- err
		return
	}
	ready <- nil
	for {
		ev, err := c.Next(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.fail(fmt.Errorf("agent %s: %w", l.login, err))
			}
			return
		}
		switch b := ev.Body.(type) {
		case *protocol.Offer:
			t.mu.Lock()
			if _, ok := t.offeredAt[ev.Chat]; !ok {
				t.offeredAt[ev.Chat] = time.Now()
			}
			t.mu.Unlock()
			if err := c.Send(ctx, c.NewID(), ev.Chat, &protocol.OfferAccept{}); err != nil {
				t.fail(err)
			}
		case *protocol.Message:
			if b.Role != protocol.RoleVisitor || !strings.HasPrefix(b.Text, "load ") {
				continue
			}
			f := strings.Fields(b.Text)
			if len(f) != 4 {
				continue
			}
			nanos, _ := strconv.ParseInt(f[3], 10, 64)
			t.mu.Lock()
			key := f[1] + "/" + f[2]
			t.received[key]++
			if t.received[key] == 1 {
				t.latencies = append(t.latencies, time.Since(time.Unix(0, nanos)))
			}
			t.mu.Unlock()
		case *protocol.Error:
			t.fail(fmt.Errorf("agent %s got error %s: %s", l.login, b.Code, b.Message))
		}
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

// connectVisitor dials and sends visitor.connect.
func connectVisitor(ctx context.Context, ws, hash string, n int) (*protoclient.Client, error) {
	c, err := protoclient.Dial(ctx, ws+"/ws/visitor", protoclient.Options{IDPrefix: "v" + strconv.Itoa(n) + "-"})
	if err != nil {
		return nil, err
	}
	if _, err := c.Call(ctx, "", &protocol.VisitorConnect{Connector: hash, Lang: "en", Page: "http://load.test/"}); err != nil {
		c.Drop()
		return nil, fmt.Errorf("visitor.connect: %w", err)
	}
	return c, nil
}

// runVisitor asks for a chat, waits for the agent, (in a storm, drops its connection with all
// the others and resumes,) sends its messages and closes the chat.
func runVisitor(ctx context.Context, ws, hash string, n int, o options, t *tally, storm *barrier, arrived *bool) error {
	c, err := connectVisitor(ctx, ws, hash, n)
	if err != nil {
		return err
	}
	defer func() { c.Drop() }()
	requested := time.Now()
	ack, err := c.Call(ctx, "", &protocol.ChatRequest{Name: "Load visitor " + strconv.Itoa(n)})
	if err != nil {
		return fmt.Errorf("chat.request: %w", err)
	}
	chatID, chatToken := ack.Body.(*protocol.Ack).Chat, ack.Body.(*protocol.Ack).Token
	t.mu.Lock()
	t.requestedAt[chatID] = requested
	t.mu.Unlock()
	if _, err := c.Await(ctx, func(ev protocol.Event) bool {
		j, ok := ev.Body.(*protocol.Joined)
		return ok && j.Role == protocol.RoleAgent
	}); err != nil {
		return fmt.Errorf("waiting for an agent: %w", err)
	}
	t.mu.Lock()
	t.chats++
	t.mu.Unlock()
	if o.storm {
		*arrived = true
		storm.arrive()
		select {
		case <-storm.go_:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.Drop()
		back := time.Now()
		if c, err = connectVisitor(ctx, ws, hash, n); err != nil {
			return fmt.Errorf("storm: %w", err)
		}
		if _, err := c.Call(ctx, chatID, &protocol.Resume{Token: chatToken}); err != nil {
			return fmt.Errorf("storm: resume: %w", err)
		}
		t.mu.Lock()
		t.resumes = append(t.resumes, time.Since(back))
		t.mu.Unlock()
	}
	go func() { // keep the event stream drained
		for range c.Events() {
		}
	}()
	for i := range o.messages {
		text := fmt.Sprintf("load %d %d %d", n, i, time.Now().UnixNano())
		id := c.NewID()
		for {
			_, err := c.CallID(ctx, id, chatID, &protocol.Send{Text: text})
			var pe *protocol.Error
			if errors.As(err, &pe) && pe.Code == protocol.CodeBusy {
				time.Sleep(50 * time.Millisecond) // the server asks to retry: same id
				continue
			}
			if err != nil {
				return fmt.Errorf("send: %w", err)
			}
			break
		}
		t.mu.Lock()
		t.sent[strconv.Itoa(n)+"/"+strconv.Itoa(i)] = true
		t.mu.Unlock()
		if o.interval > 0 {
			select {
			case <-time.After(o.interval):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if _, err := c.Call(ctx, chatID, &protocol.Close{}); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
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
