package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/store/schematest"
	"github.com/parleychat/parley/shared/protocol"
)

// TestKillNineLosesNothing runs the real server binary under load and kills it with SIGKILL in
// the middle of writing, three times, on SQLite and PostgreSQL: after each restart every
// message that was acknowledged is stored exactly once, no chat has a hole in its numbering,
// and the visitors resume and go on.
func TestKillNineLosesNothing(t *testing.T) {
	crashEach(t, func(t *testing.T, srv *crashServer) {
		srv.start()
		killNineLosesNothing(t, srv)
		srv.kill()
	})
}

// killNineLosesNothing writes into 12 chats on the running server srv and kills it three
// times meanwhile, restarting it in its place: every acknowledged message is stored once.
// It returns the acknowledged messages lost and the messages stored more than once (the test
// has failed when either is not 0).
func killNineLosesNothing(t *testing.T, srv *crashServer) (lost, duplicated int) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	hash, tokens := srv.prepare(ctx)
	type chatRef struct {
		id, token string
		acked     map[string]bool
	}
	const visitors = 12
	chats := make([]*chatRef, visitors)
	agent := srv.agent(ctx, tokens[0])
	for i := range visitors {
		v := srv.visitor(ctx, hash)
		ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: fmt.Sprint("K", i)})
		if err != nil {
			t.Fatal(err)
		}
		a := ack.Body.(*protocol.Ack)
		chats[i] = &chatRef{id: a.Chat, token: a.Token, acked: map[string]bool{}}
		for {
			ev, err := agent.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if o, ok := ev.Body.(*protocol.Offer); ok && o.Chat == a.Chat {
				break
			}
		}
		if _, err := agent.Call(ctx, a.Chat, &protocol.OfferAccept{}); err != nil {
			t.Fatal(err)
		}
		v.Drop()
	}
	agent.Drop()
	var mu sync.Mutex
	for round := range 3 {
		// Every visitor comes back, then writes as fast as it is acknowledged until the
		// server dies: the kill waits until each has had a message acknowledged in this
		// round, so that it always falls in the middle of writing.
		var wg, writing sync.WaitGroup
		writing.Add(len(chats))
		for i, c := range chats {
			wg.Add(1)
			go func() {
				defer wg.Done()
				once := sync.OnceFunc(writing.Done)
				defer once()
				v, err := protoclient.Dial(ctx, srv.ws()+"/ws/visitor", protoclient.Options{})
				if err != nil {
					t.Errorf("round %d: dial %d: %v", round, i, err)
					return
				}
				defer v.Drop()
				if _, err := v.Call(ctx, "", &protocol.VisitorConnect{Connector: hash}); err != nil {
					t.Errorf("round %d: connect %d: %v", round, i, err)
					return
				}
				if _, err := v.Call(ctx, c.id, &protocol.Resume{Token: c.token}); err != nil {
					t.Errorf("round %d: resume %d: %v", round, i, err)
					return
				}
				for k := 0; ; k++ {
					id := fmt.Sprintf("r%d-%d", round, k)
					if _, err := v.CallID(ctx, id, c.id, &protocol.Send{Text: id}); err != nil {
						return // the server died: only acknowledged ones count
					}
					mu.Lock()
					c.acked[id] = true
					mu.Unlock()
					once()
				}
			}()
		}
		writing.Wait()
		time.Sleep(time.Duration(100+150*round) * time.Millisecond)
		srv.kill()
		wg.Wait()
		srv.start()
		st := srv.store(ctx)
		total := 0
		for i, c := range chats {
			msgs, err := st.Messages(ctx, c.id, 0)
			if err != nil {
				t.Fatal(err)
			}
			// The visitors' lines, by the id of the command that sent each. The server's own
			// lines have none, and two of them are no duplicate (the chats' agent is gone, and a
			// node's death may have the chat routed again, with its line).
			count := map[string]int{}
			for _, m := range msgs {
				if m.ClientID != "" {
					count[m.ClientID]++
				}
			}
			for id := range c.acked {
				if count[id] == 0 {
					lost++
					t.Errorf("round %d, chat %d: acknowledged %s not stored", round, i, id)
				}
			}
			for id, n := range count {
				if n > 1 {
					duplicated += n - 1
					t.Errorf("round %d, chat %d: %q stored %d times: %s", round, i, id, n, linesOf(msgs, id))
				}
			}
			checkNumbering(t, st, c.id)
			total += len(c.acked)
		}
		_ = st.Close()
		if lost+duplicated > 0 {
			t.Fatalf("round %d: %d acknowledged messages lost, %d stored more than once", round, lost, duplicated)
		}
		t.Logf("round %d: %d messages acknowledged so far, all stored once", round, total)
	}
	return lost, duplicated
}

// serveEnv makes the test binary run the server instead of the tests (servertest.Serve), so
// that a test can kill it as a process.
const serveEnv = servertest.ServeEnv

// crashEach runs a crash test once per database, with a server process of its own (not yet
// started: the test may add to its environment first). The two databases run at once, and beside
// the package's other crash tests: each mostly waits on its process (starts, restarts, retries
// that are due), so running them side by side shortens the suite without loading the machine.
func crashEach(t *testing.T, f func(t *testing.T, srv *crashServer)) {
	t.Parallel()
	bin, err := os.Executable() // this test binary, which serves when serveEnv is set
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			// Databases already at the schema (schematest), as the package's other servers get.
			srv := &crashServer{t: t, bin: bin}
			if db == "postgres" {
				srv.dir, srv.dbURL = t.TempDir(), schematest.PostgresURL(t)
			} else {
				srv.dir = schematest.SQLiteDir(t)
			}
			f(t, srv)
		})
	}
}

// crashServer is the server run as a process of its own, so that it can be killed.
type crashServer struct {
	t        *testing.T
	bin, dir string
	dbURL    string
	addr     string
	// env is more of the server's environment.
	env  []string
	cmd  *exec.Cmd
	logs lockedBuffer
}

// lockedBuffer is a server process's output: the process writes it while a failing test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (s *crashServer) ws() string { return "ws://" + s.addr }

func (s *crashServer) start() {
	s.t.Helper()
	if s.addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.t.Fatal(err)
		}
		s.addr = ln.Addr().String()
		ln.Close()
	}
	cmd := exec.Command(s.bin)
	cmd.Env = append(os.Environ(), serveEnv+"=1", servertest.FastRetryEnv+"=1", "PARLEY_ADDR="+s.addr, "PARLEY_DATA="+s.dir, "DATABASE_URL="+s.dbURL, "PARLEY_LOG_LEVEL=warn",
		"PARLEY_WEB="+filepath.Join(s.dir, "web"), "PARLEY_VISITOR_CONNECTS_PER_MINUTE=0", "PARLEY_AGENT_CONNECTS_PER_MINUTE=0",
		"PARLEY_COMMANDS_PER_SECOND=100000", "PARLEY_COMMAND_BURST=100000")
	cmd.Env = append(cmd.Env, s.env...)
	cmd.Stdout, cmd.Stderr = &s.logs, &s.logs
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	s.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(90 * time.Second) // a loaded machine may take long to start
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the server did not become ready:\n%s", s.logs.String())
}

// until polls check every interval until it reports done, failing the test when ctx ends
// first with check's last word on where it stood and the server's log.
func (s *crashServer) until(ctx context.Context, every time.Duration, check func() (done bool, stood string)) {
	s.t.Helper()
	for {
		done, stood := check()
		if done {
			return
		}
		if ctx.Err() != nil {
			s.t.Fatalf("%s\n%s", stood, s.logs.String())
		}
		time.Sleep(every)
	}
}

// crashAndRestart kills the server, closes the test's store st, runs between (a peer coming
// back, say) while it is down, starts it again and returns the test's store opened anew.
func (s *crashServer) crashAndRestart(ctx context.Context, st *store.Store, between func()) *store.Store {
	s.t.Helper()
	s.kill()
	_ = st.Close()
	between()
	s.start()
	return s.store(ctx)
}

// kill sends SIGKILL: no shutdown, no flush.
func (s *crashServer) kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// stop stops the server gracefully (SIGTERM), as a rolling restart does, killing it when it
// has not ended in 20 s.
func (s *crashServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.t.Errorf("the server did not stop within 20 s of SIGTERM:\n%s", s.logs.String())
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// store opens the server's database from the test process, as the load tool does.
func (s *crashServer) store(ctx context.Context) *store.Store {
	s.t.Helper()
	st, err := store.Open(ctx, store.Config{DatabaseURL: s.dbURL, DataDir: s.dir})
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// prepare gives the demo agents room for every chat and sessions, and lifts the open-chat caps
// (every test visitor comes from one address); it returns the connector's hash and the tokens.
func (s *crashServer) prepare(ctx context.Context) (string, []string) {
	s.t.Helper()
	st := s.store(ctx)
	defer st.Close()
	tenants, err := st.Tenants(ctx)
	if err != nil || len(tenants) == 0 {
		s.t.Fatalf("tenants: %v", err)
	}
	policy, err := st.TenantSettings(ctx, tenants[0].ID)
	if err != nil {
		s.t.Fatal(err)
	}
	policy.MaxChatsPerIP, policy.MaxChatsPerVisitor = 0, 0
	if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
		s.t.Fatal(err)
	}
	conns, err := st.Connectors(ctx, tenants[0].ID)
	if err != nil || len(conns) == 0 {
		s.t.Fatalf("connectors: %v", err)
	}
	agents, err := st.AgentsOfGroup(ctx, conns[0].GroupID)
	if err != nil || len(agents) == 0 {
		s.t.Fatalf("agents: %v", err)
	}
	var tokens []string
	for _, u := range agents {
		u.MaxChats = 100
		if _, err := st.UpdateUser(ctx, u); err != nil {
			s.t.Fatal(err)
		}
		tok, err := st.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			s.t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	// The running server read nothing of these yet: it learns them on first use.
	return conns[0].Hash, tokens
}

func (s *crashServer) visitor(ctx context.Context, hash string) *protoclient.Client {
	s.t.Helper()
	v, err := protoclient.Dial(ctx, s.ws()+"/ws/visitor", protoclient.Options{})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := v.Call(ctx, "", &protocol.VisitorConnect{Connector: hash}); err != nil {
		s.t.Fatal(err)
	}
	return v
}

func (s *crashServer) agent(ctx context.Context, token string) *protoclient.Client {
	s.t.Helper()
	a, err := protoclient.Dial(ctx, s.ws()+"/ws/agent", protoclient.Options{})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := a.Call(ctx, "", &protocol.AgentConnect{Token: token}); err != nil {
		s.t.Fatal(err)
	}
	for {
		ev, err := a.Next(ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		if ready, ok := ev.Body.(*protocol.AgentReady); ok {
			for _, st := range ready.Statuses {
				if st.AllowsChat {
					if _, err := a.Call(ctx, "", &protocol.StatusSet{Status: st.ID}); err != nil {
						s.t.Fatal(err)
					}
					return a
				}
			}
			s.t.Fatal("no status allows chat")
		}
	}
}

// linesOf describes the stored lines of client id id (a system line's is ""), so that a line
// stored twice says which it is.
func linesOf(msgs []store.Message, id string) string {
	var b strings.Builder
	for _, m := range msgs {
		if m.ClientID == id {
			fmt.Fprintf(&b, "[seq %d, %s, %q] ", m.Seq, m.Role, m.Text)
		}
	}
	return b.String()
}
