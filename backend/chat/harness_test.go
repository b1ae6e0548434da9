package chat_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/settings"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/store/schematest"
	"github.com/parleychat/parley/shared/protocol"
)

// The chat rules run here against fake connections and a fake clock, with the real store on
// an SQLite file: every test takes milliseconds, and timers fire when the test says so.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// conn is a fake connection: a bounded queue the test reads, transient frames coalesced by
// key beside it, and the close it was given.
type conn struct {
	id, ip, origin, host, cookie string

	out       chan []byte
	done      chan struct{}
	closeOnce sync.Once
	code      atomic.Int64
	reason    atomic.Value

	mu        sync.Mutex
	transient map[string][]byte
	order     []string
	backlog   []protocol.Event // read while looking for an answer, not yet handed out
}

var connIDs atomic.Int64

func newConn(queue int) *conn {
	return &conn{id: "c" + strconv.FormatInt(connIDs.Add(1), 10), ip: "203.0.113.7",
		out: make(chan []byte, queue), done: make(chan struct{}), transient: map[string][]byte{}}
}

func (c *conn) Send(f []byte) bool {
	if c.TrySend(f) {
		return true
	}
	c.Close(protocol.CloseSlow, "send queue full")
	return false
}

func (c *conn) TrySend(f []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.out <- f:
		return true
	default:
		return false
	}
}

func (c *conn) SendWait(ctx context.Context, f []byte) error {
	select {
	case c.out <- f:
		return nil
	case <-c.done:
		return io.EOF
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *conn) SendTransient(key string, f []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.transient[key]; !ok {
		c.order = append(c.order, key)
	}
	c.transient[key] = f
}

func (c *conn) Close(code protocol.CloseCode, reason string) {
	c.closeOnce.Do(func() {
		c.code.Store(int64(code))
		c.reason.Store(reason)
		close(c.done)
	})
}

func (c *conn) Done() <-chan struct{}     { return c.done }
func (c *conn) ID() string                { return c.id }
func (c *conn) IP() string                { return c.ip }
func (c *conn) Origin() string            { return c.origin }
func (c *conn) Host() string              { return c.host }
func (c *conn) UserAgent() string         { return "test" }
func (c *conn) Cookie(name string) string { return c.cookie }

func (c *conn) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// takeTransient returns the transient events waiting, in the order their keys came, and
// clears them.
func (c *conn) takeTransient() []protocol.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []protocol.Event
	for _, k := range c.order {
		if ev, err := protocol.DecodeEvent(c.transient[k]); err == nil {
			out = append(out, ev)
		}
	}
	clear(c.transient)
	c.order = nil
	return out
}

// popTransient takes the oldest waiting transient frame, nil if none.
func (c *conn) popTransient() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.order) == 0 {
		return nil
	}
	k := c.order[0]
	c.order = c.order[1:]
	f := c.transient[k]
	delete(c.transient, k)
	return f
}

// next returns the next event: one set aside while looking for an answer, a transient one, or
// a queued one, waiting up to 5 s.
func (c *conn) next(t testing.TB) protocol.Event {
	t.Helper()
	c.mu.Lock()
	if len(c.backlog) > 0 {
		ev := c.backlog[0]
		c.backlog = c.backlog[1:]
		c.mu.Unlock()
		return ev
	}
	c.mu.Unlock()
	return c.read(t)
}

// read returns the next transient or queued event, waiting up to 5 s.
func (c *conn) read(t testing.TB) protocol.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if f := c.popTransient(); f != nil {
			ev, err := protocol.DecodeEvent(f)
			if err != nil {
				t.Fatalf("undecodable transient frame %s: %v", f, err)
			}
			return ev
		}
		select {
		case f := <-c.out:
			ev, err := protocol.DecodeEvent(f)
			if err != nil {
				t.Fatalf("undecodable frame %s: %v", f, err)
			}
			return ev
		case <-deadline:
			t.Fatalf("%s: no event within 5 s", c.id)
		case <-time.After(time.Millisecond):
		}
	}
}

// await returns the next event of type T, dropping others.
func await[T protocol.EventBody](t testing.TB, c *conn) (protocol.Event, T) {
	t.Helper()
	for {
		ev := c.next(t)
		if b, ok := ev.Body.(T); ok {
			return ev, b
		}
	}
}

// answer returns the answer to command id (ack, answering event or error); other events stay
// for next.
func answer(t testing.TB, c *conn, id string) protocol.Event {
	t.Helper()
	c.mu.Lock()
	for i, ev := range c.backlog {
		if ev.ID == id {
			c.backlog = append(c.backlog[:i:i], c.backlog[i+1:]...)
			c.mu.Unlock()
			return ev
		}
	}
	c.mu.Unlock()
	for {
		ev := c.read(t)
		if ev.ID == id {
			return ev
		}
		c.mu.Lock()
		c.backlog = append(c.backlog, ev)
		c.mu.Unlock()
	}
}

// env is a chat service on a real SQLite store with one tenant, a group, a connector, an
// "Available" and a "Pause" status, and two agents and a supervisor signed in to the store.
type env struct {
	t     *testing.T
	st    *store.Store
	bus   *changes.Local
	cache *settings.Cache
	svc   *chat.Service
	clk   *clock.Fake
	cfg   store.Config
	ccfg  chat.Config

	tenant    store.Tenant
	group     store.ACDGroup
	connector store.Connector
	available store.AgentStatus
	agents    []store.User
	tokens    map[int64]string
	cmdID     atomic.Int64
}

// each runs a test on SQLite and on PostgreSQL.
func each(t *testing.T, f func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "sqlite") })
	t.Run("postgres", func(t *testing.T) { f(t, "postgres") })
}

// newEnv starts the service on a fresh database of the kind named ("sqlite" or "postgres");
// change adjusts the configuration first.
func newEnv(t *testing.T, db string, change func(*chat.Config, *store.Config)) *env {
	t.Helper()
	e := &env{t: t, clk: clock.NewFake(t0), tokens: map[int64]string{}}
	if db == "postgres" {
		e.cfg = store.Config{DataDir: t.TempDir(), DatabaseURL: schematest.PostgresURL(t), Logger: logger()}
	} else {
		e.cfg = store.Config{DataDir: schematest.SQLiteDir(t), Logger: logger()}
	}
	e.ccfg = chat.Config{Clock: e.clk, Logger: logger(), CommandRate: 1000, CommandBurst: 1000}
	if change != nil {
		change(&e.ccfg, &e.cfg)
	}
	e.open()
	e.seed()
	e.start()
	return e
}

func logger() *slog.Logger {
	if os.Getenv("PARLEY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (e *env) open() {
	e.bus = changes.NewLocal()
	e.cfg.Changes = e.bus
	st, err := store.Open(context.Background(), e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
}

func (e *env) start() {
	e.cache = settings.New(e.st, e.bus)
	svc, err := chat.New(context.Background(), e.st, e.cache, e.bus, e.ccfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
	e.t.Cleanup(e.stop)
}

// stop shuts the service and the store down (once).
func (e *env) stop() {
	if e.svc == nil {
		return
	}
	e.svc.Close()
	e.cache.Close()
	if err := e.st.Close(); err != nil {
		e.t.Error(err)
	}
	e.bus.Close()
	e.svc = nil
}

// restart stops everything and starts it again on the same database, as after a crash in
// which nothing acknowledged was lost.
func (e *env) restart() {
	e.stop()
	e.open()
	e.start()
}

func (e *env) seed() {
	t, ctx, st := e.t, context.Background(), e.st
	var err error
	if e.tenant, err = st.CreateTenant(ctx, store.Tenant{Name: "Acme", TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	if e.group, err = st.CreateGroup(ctx, store.ACDGroup{TenantID: e.tenant.ID, Name: "Support"}); err != nil {
		t.Fatal(err)
	}
	if e.available, err = st.CreateStatus(ctx, store.AgentStatus{TenantID: e.tenant.ID, Name: "Available", AllowsChat: true, AgentSettable: true}); err != nil {
		t.Fatal(err)
	}
	if _, err = st.CreateStatus(ctx, store.AgentStatus{TenantID: e.tenant.ID, Name: "Pause", AgentSettable: true}); err != nil {
		t.Fatal(err)
	}
	if e.connector, err = st.CreateConnector(ctx, store.Connector{TenantID: e.tenant.ID, Name: "Shop", GroupID: e.group.ID,
		Texts: map[string]string{"welcomeMessage": "Welcome!", "bye": "Goodbye."}}); err != nil {
		t.Fatal(err)
	}
	for i, u := range []store.User{
		{Login: "anna", Nickname: "Anna", Role: store.RoleAgent},
		{Login: "ben", Nickname: "Ben", Role: store.RoleAgent},
		{Login: "sven", Nickname: "Sven", Role: store.RoleSupervisor},
	} {
		u.TenantID, u.Active, u.MaxChats, u.Groups = e.tenant.ID, true, 5, []int64{e.group.ID}
		if i == 2 {
			u.MaxChats, u.Groups = 0, nil
		}
		if u, err = st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := st.SetUserStatus(ctx, u.ID, e.available.ID); err != nil {
			t.Fatal(err)
		}
		tok, err := st.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.agents = append(e.agents, u)
		e.tokens[u.ID] = tok
	}
	if err := e.bus.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// client is a connection with its session: frames go in through the session as the reader
// goroutine would hand them over.
type client struct {
	*conn
	e  *env
	ss *chat.Session
}

func (e *env) visitor() *client {
	c := newConn(1024)
	cl := &client{conn: c, e: e, ss: e.svc.OpenVisitor(c)}
	if ev := cl.call("", &protocol.VisitorConnect{Connector: e.connector.Hash, Lang: "en", Page: "https://shop.example/"}); ev.Body.EventType() != protocol.TypeConnected {
		e.t.Fatalf("visitor.connect answered with %+v", ev.Body)
	}
	return cl
}

// agent connects agent n (0 Anna, 1 Ben, 2 Sven the supervisor) and returns agent.ready.
func (e *env) agent(n int) (*client, *protocol.AgentReady) {
	c := newConn(1024)
	cl := &client{conn: c, e: e, ss: e.svc.OpenAgent(c)}
	cl.call("", &protocol.AgentConnect{Token: e.tokens[e.agents[n].ID]})
	_, ready := await[*protocol.AgentReady](e.t, c)
	return cl, ready
}

// send hands the session a command with the given id.
func (cl *client) send(id, chatID string, body protocol.CommandBody) {
	frame, err := protocol.EncodeCommand(protocol.Command{ID: id, Chat: chatID, Body: body})
	if err != nil {
		cl.e.t.Fatal(err)
	}
	cl.ss.Frame(frame)
}

// call sends a command and returns its answer; an error answer fails the test unless the
// body is an *protocol.Error the caller asked for with callErr.
func (cl *client) call(chatID string, body protocol.CommandBody) protocol.Event {
	cl.e.t.Helper()
	ev := cl.callErr(chatID, body)
	if e, ok := ev.Body.(*protocol.Error); ok {
		cl.e.t.Fatalf("%s: %s: %s", body.CommandType(), e.Code, e.Message)
	}
	return ev
}

func (cl *client) callErr(chatID string, body protocol.CommandBody) protocol.Event {
	cl.e.t.Helper()
	id := "k" + strconv.FormatInt(cl.e.cmdID.Add(1), 10)
	cl.send(id, chatID, body)
	return answer(cl.e.t, cl.conn, id)
}

// code is the error code of an answer, "" for success.
func code(ev protocol.Event) protocol.Code {
	if e, ok := ev.Body.(*protocol.Error); ok {
		return e.Code
	}
	return ""
}

// request asks for a chat and returns its id and token.
func (cl *client) request(name, question string) (string, string) {
	cl.e.t.Helper()
	a := cl.call("", &protocol.ChatRequest{Name: name, Question: question}).Body.(*protocol.Ack)
	return a.Chat, a.Token
}

// take makes the agent accept the next offer of chatID. Events other than the offer, the
// accept's answer and chat.opened stay for next (the chat's history may already be coming).
func (cl *client) take(chatID string) {
	cl.e.t.Helper()
	cl.find(func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.Offer)
		return ok && o.Chat == chatID
	})
	id := "acc" + chatID
	cl.send(id, chatID, &protocol.OfferAccept{})
	if e, ok := answer(cl.e.t, cl.conn, id).Body.(*protocol.Error); ok {
		cl.e.t.Fatalf("accept: %s %s", e.Code, e.Message)
	}
	cl.find(func(ev protocol.Event) bool {
		o, ok := ev.Body.(*protocol.ChatOpened)
		return ok && o.Chat.ID == chatID
	})
}

// find returns the first event for which match is true, keeping the others for next.
func (cl *client) find(match func(protocol.Event) bool) protocol.Event {
	cl.e.t.Helper()
	c := cl.conn
	c.mu.Lock()
	for i, ev := range c.backlog {
		if match(ev) {
			c.backlog = append(c.backlog[:i:i], c.backlog[i+1:]...)
			c.mu.Unlock()
			return ev
		}
	}
	c.mu.Unlock()
	for {
		ev := c.read(cl.e.t)
		if match(ev) {
			return ev
		}
		c.mu.Lock()
		c.backlog = append(c.backlog, ev)
		c.mu.Unlock()
	}
}

// durable collects the chat's durable events the connection receives until pred says stop.
func (cl *client) durable(chatID string, until func(protocol.Event) bool) []protocol.Event {
	cl.e.t.Helper()
	var out []protocol.Event
	for {
		ev := cl.next(cl.e.t)
		if ev.Seq == 0 || ev.Chat != chatID {
			continue
		}
		out = append(out, ev)
		if until(ev) {
			return out
		}
	}
}

// messageText is the text of a message event, "" otherwise.
func messageText(ev protocol.Event) string {
	if m, ok := ev.Body.(*protocol.Message); ok {
		return m.Text
	}
	return ""
}

// storedSeqs checks a chat's stored numbering: 1..n for agents, 1..m for the visitor.
func (e *env) checkNumbering(chatID string) {
	e.t.Helper()
	ctx := context.Background()
	evs, err := e.st.EventsAfter(ctx, chatID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var vis uint64
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			e.t.Fatalf("chat %s: event %d has seq %d: a hole", chatID, i, ev.Seq)
		}
		if !ev.AgentsOnly {
			vis++
			if ev.VisitorSeq != vis {
				e.t.Fatalf("chat %s: visitor seq %d where %d was due", chatID, ev.VisitorSeq, vis)
			}
		}
	}
}

func decode[T any](t testing.TB, raw json.RawMessage) T {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
