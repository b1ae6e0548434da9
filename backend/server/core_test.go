package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// The tests here attack the chat core through real WebSockets the way a flaky network and a
// hostile client do, on SQLite and PostgreSQL.

// checkNumbering checks a chat's stored sequences: every event numbered 1..n, the visitor's
// 1..m, nothing missing.
func checkNumbering(t *testing.T, st *store.Store, chatID string) int {
	t.Helper()
	evs, err := st.EventsAfter(context.Background(), chatID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var vis uint64
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("chat %s: event %d has seq %d: a hole", chatID, i, e.Seq)
		}
		if !e.AgentsOnly {
			vis++
			if e.VisitorSeq != vis {
				t.Fatalf("chat %s: visitor seq %d where %d was due", chatID, e.VisitorSeq, vis)
			}
		}
	}
	return len(evs)
}

// fill appends n messages to a chat straight through the store, as a long conversation would
// have left them.
func fill(t *testing.T, st *store.Store, chatID string, n int) {
	t.Helper()
	ws := make([]store.Write, 0, n)
	for i := range n {
		m := protocol.Message{Role: protocol.RoleVisitor, Name: "Lena", Text: fmt.Sprint("line ", i), Class: "linev", At: time.Now().UTC()}
		data, _ := json.Marshal(m)
		ws = append(ws, store.Write{Event: &store.Event{ChatID: chatID, Type: string(protocol.TypeMessage), Data: data},
			Message: &store.Message{Role: "visitor", Name: "Lena", Text: m.Text}})
	}
	for len(ws) > 0 {
		k := min(len(ws), 250)
		if err := st.Commit(context.Background(), ws[:k]...); err != nil {
			t.Fatal(err)
		}
		ws = ws[k:]
	}
}

// readAll reads a resume's replay up to the ack, checking order, and returns the number of
// durable events and the ack's seq.
func readAll(t *testing.T, ctx context.Context, c *protoclient.Client, chatID string, after uint64) (int, uint64) {
	t.Helper()
	return resumeAll(t, ctx, c, chatID, &protocol.Resume{After: after}, true)
}

// resumeAll sends a resume and reads the chat's events until its answer, checking that they
// come in order (without a gap when gapFree: an agent sees every event, a visitor not the
// agents' own); it returns how many came and the answer's sequence number. A
// busy answer (the server could not send the history in time) is retried from the last event
// received, as the apps do, a few times.
func resumeAll(t *testing.T, ctx context.Context, c *protoclient.Client, chatID string, r *protocol.Resume, gapFree bool) (int, uint64) {
	t.Helper()
	n, last := 0, r.After
	for busy := 0; ; {
		id := c.NewID()
		r.After = last
		if err := c.Send(ctx, id, chatID, r); err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := c.Next(ctx)
			if err != nil {
				t.Fatalf("after %d events: %v (close %v)", n, err, c.CloseStatus())
			}
			if ev.ID == id {
				e, ok := ev.Body.(*protocol.Error)
				if !ok {
					return n, ev.Body.(*protocol.Ack).Seq
				}
				if busy++; e.Code != protocol.CodeBusy || busy > 3 {
					t.Fatalf("resume after %d events: %s %s", n, e.Code, e.Message)
				}
				t.Logf("resume answered %s after %d events; resuming from %d", e.Code, n, last)
				break
			}
			if ev.Seq != 0 && ev.Chat == chatID {
				if ev.Seq <= last || gapFree && ev.Seq != last+1 {
					t.Fatalf("seq %d after %d", ev.Seq, last)
				}
				last = ev.Seq
				n++
			}
		}
	}
}

// A chat of 10,000 events resumes every time (twice each here), for the visitor and for an
// agent app that reloads and resumes from the start; the connections stay open.
func TestLongChatResumes(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, token := startChat(t, ctx, visitor, agent, "Lena")
		agent.Drop()
		visitor.Drop()
		st := env.Server.Store()
		fill(t, st, chatID, 10000)
		total := checkNumbering(t, st, chatID)
		u := env.DemoUser(t, "agent", 0)
		tok := env.Login(t, u.Login, u.Password)
		for i := range 2 {
			v, _ := env.Visitor(t)
			if n, _ := resumeAll(t, ctx, v, chatID, &protocol.Resume{Token: token}, false); n < 10000 {
				t.Fatalf("visitor resume %d: %d events", i, n)
			}
			a, _ := env.AgentWithToken(t, tok)
			// Events may follow the filled ones (the dropped clients' presence lines, written
			// when their grace times end): the resume must bring every event from the first,
			// without a gap, up to at least the last one filled.
			if got, last := readAll(t, ctx, a, chatID, 0); uint64(got) != last || got < total {
				t.Fatalf("agent resume %d: %d events up to %d, want all of at least %d", i, got, last, total)
			}
			for _, c := range []*protoclient.Client{v, a} {
				select {
				case <-c.Done():
					t.Fatalf("a client was cut off: %v", c.CloseStatus())
				default:
				}
				c.Drop()
			}
		}
	})
}

// A visitor flooding typing, previews and messages for 5 seconds is slowed down or cut off
// itself; its agent stays connected and gets every message the visitor was told was sent.
func TestFloodLeavesAgentConnected(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Flo")
		acked := map[string]bool{}
		var mu sync.Mutex
		// The agent reads everything as it comes, as the app does.
		texts := map[string]bool{}
		agentDone := make(chan struct{})
		go func() {
			defer close(agentDone)
			for ev := range agent.Events() {
				if m, ok := ev.Body.(*protocol.Message); ok {
					mu.Lock()
					texts[m.Text] = true
					mu.Unlock()
				}
			}
		}()
		answers := make(chan protocol.Event, 1<<16)
		go func() {
			for ev := range visitor.Events() {
				answers <- ev
			}
			close(answers)
		}()
		end := time.Now().Add(5 * time.Second)
		sent := 0
		for i := 0; time.Now().Before(end); i++ {
			var body protocol.CommandBody
			switch i % 3 {
			case 0:
				body = &protocol.Typing{On: i%2 == 0}
			case 1:
				body = &protocol.Preview{Text: strings.Repeat("x", i%200)}
			default:
				body = &protocol.Send{Text: fmt.Sprint("flood ", i)}
			}
			if err := visitor.Send(ctx, fmt.Sprint("f", i), chatID, body); err != nil {
				break // the flooder was cut off
			}
			sent++
		}
		// Collect the visitor's answers for a moment.
		deadline := time.After(3 * time.Second)
	collect:
		for {
			select {
			case ev, ok := <-answers:
				if !ok {
					break collect
				}
				if _, isAck := ev.Body.(*protocol.Ack); isAck && strings.HasPrefix(ev.ID, "f") {
					var n int
					fmt.Sscanf(ev.ID, "f%d", &n)
					if n%3 == 2 {
						acked[fmt.Sprint("flood ", n)] = true
					}
				}
			case <-deadline:
				break collect
			}
		}
		select {
		case <-agent.Done():
			t.Fatalf("the agent was cut off by the visitor's flood: %v", agent.CloseStatus())
		default:
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "still here"}); err != nil {
			t.Fatalf("the agent cannot write after the flood: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
		mu.Lock()
		for text := range acked {
			if !texts[text] {
				t.Errorf("acknowledged %q never reached the agent", text)
			}
		}
		mu.Unlock()
		checkNumbering(t, env.Server.Store(), chatID)
		t.Logf("%d commands sent, %d messages acknowledged", sent, len(acked))
		agent.Drop()
		<-agentDone
	})
}

// The same message.send id sent again while the first is being committed gets the first
// answer, 50 times out of 50, and leaves no hole; the same id with another text is a conflict.
func TestRetryWhileInFlight(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		opts.Configure = func(c *config.Config) { c.CommandsPerSecond, c.CommandBurst = 1000, 1000 }
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, _ := startChat(t, ctx, visitor, agent, "Rita")
		for try := range 50 {
			id := fmt.Sprint("r", try)
			for _, text := range []string{"same", "same", "other"} {
				if err := visitor.Send(ctx, id, chatID, &protocol.Send{Text: text + " " + id}); err != nil {
					t.Fatal(err)
				}
			}
			var seqs []uint64
			conflicts := 0
			for len(seqs)+conflicts < 3 {
				ev, err := visitor.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if ev.ID != id {
					continue
				}
				switch b := ev.Body.(type) {
				case *protocol.Ack:
					seqs = append(seqs, b.Seq)
				case *protocol.Error:
					if b.Code != protocol.CodeConflict {
						t.Fatalf("try %d: %s %s", try, b.Code, b.Message)
					}
					conflicts++
				}
			}
			if conflicts != 1 || seqs[0] != seqs[1] {
				t.Fatalf("try %d: acks %v, %d conflicts", try, seqs, conflicts)
			}
		}
		msgs, err := env.Server.Store().Messages(ctx, chatID, 0)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range msgs {
			count[m.ClientID]++
			if strings.HasPrefix(m.Text, "other") {
				t.Fatalf("the conflicting text was stored: %q", m.Text)
			}
		}
		for try := range 50 {
			if n := count[fmt.Sprint("r", try)]; n != 1 {
				t.Fatalf("id r%d stored %d times", try, n)
			}
		}
		checkNumbering(t, env.Server.Store(), chatID)
	})
}

// NUL is refused wherever text is accepted, with a clear code; the chat goes on without a hole.
func TestNULRefused(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Nu\x00l"}); !isCode(err, protocol.CodeInvalid) {
			t.Fatalf("name with NUL: %v", err)
		}
		chatID, _ := startChat(t, ctx, visitor, agent, "Nul")
		for _, body := range []protocol.CommandBody{
			&protocol.Send{Text: "a\x00b"},
			&protocol.Preview{Text: "\x00"},
			&protocol.FieldSubmit{Name: "x", Value: "\x00"},
		} {
			if _, err := visitor.Call(ctx, chatID, body); !isCode(err, protocol.CodeInvalid) {
				t.Fatalf("%s with NUL: %v", body.CommandType(), err)
			}
		}
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "\x00"}); !isCode(err, protocol.CodeInvalid) {
			t.Fatalf("agent text with NUL: %v", err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "fine"}); err != nil {
			t.Fatal(err)
		}
		checkNumbering(t, env.Server.Store(), chatID)
	})
}

// Numbers a browser cannot hold are refused as invalid, and the connection goes on.
func TestHugeNumbersRefused(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) { hugeNumbers(t, opts) })
}

func hugeNumbers(t *testing.T, opts servertest.Options) {
	env := servertest.Start(t, opts)
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	visitor, _ := env.Visitor(t)
	chatID, token := startChat(t, ctx, visitor, agent, "Max")
	for _, after := range []uint64{1 << 53, 1<<64 - 1} {
		if _, err := visitor.Call(ctx, chatID, &protocol.Resume{Token: token, After: after}); !isCode(err, protocol.CodeInvalid) {
			t.Fatalf("resume after %d: %v", after, err)
		}
	}
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "still works"}); err != nil {
		t.Fatal(err)
	}
}

// Sockets that never send their connect command are closed after the connect timeout; a
// frame over the hard limit closes the connection with 1009 after a disconnect event.
func TestSilentAndOversizedSockets(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) { silentAndOversized(t, opts) })
}

func silentAndOversized(t *testing.T, opts servertest.Options) {
	opts.Configure = func(c *config.Config) { c.ConnectTimeout = 500 * time.Millisecond }
	env := servertest.Start(t, opts)
	ctx := ctxT(t)
	var silent []*protoclient.Client
	for range 20 {
		c, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{})
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	for _, c := range silent {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("a silent socket stayed open")
		}
		if c.CloseStatus() != websocket.StatusCode(protocol.CloseBadRequest) {
			t.Fatalf("silent socket closed with %v", c.CloseStatus())
		}
	}
	big, _ := env.Visitor(t)
	if err := big.Write(ctx, []byte(`{"v":1,"type":"ping","id":"x","data":{"pad":"`+strings.Repeat("x", 2<<20)+`"}}`)); err != nil {
		t.Fatal(err)
	}
	var last protocol.Event
	for ev := range big.Events() {
		last = ev
	}
	if d, ok := last.Body.(*protocol.Disconnect); !ok || d.Code != protocol.CloseTooLarge || d.Reconnect {
		t.Fatalf("last event before the close: %+v", last.Body)
	}
	if big.CloseStatus() != websocket.StatusMessageTooBig {
		t.Fatalf("close status %v", big.CloseStatus())
	}
}

// A reconnect storm: every visitor of many active chats comes back at once, through a commit
// queue shrunk to a few writes. Nobody is stuck, every resume is answered, and the server
// shuts down within its timeout.
func TestReconnectStorm(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		opts.Configure = func(c *config.Config) {
			c.CommitQueue = 4
			c.VisitorConnectsPerMinute = 0
		}
		env := servertest.Start(t, opts)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		st := env.Server.Store()
		// Room for every chat with the two demo agents.
		for _, du := range env.Demo.Users {
			u, err := st.UserByLogin(ctx, du.Login)
			if err != nil {
				t.Fatal(err)
			}
			u.MaxChats = 500
			if _, err := st.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		policy, err := st.TenantSettings(ctx, env.Demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		policy.MaxChatsPerIP = 0 // every visitor here comes from 127.0.0.1
		if _, err := st.SaveTenantSettings(ctx, policy); err != nil {
			t.Fatal(err)
		}
		env.Settled(t)
		agent, _ := env.Agent(t, 0)
		const n = 60
		type chatRef struct{ id, token string }
		chats := make([]chatRef, n)
		accepted := make(chan string, n)
		go func() {
			for ev := range agent.Events() {
				if o, ok := ev.Body.(*protocol.Offer); ok {
					go func() {
						if _, err := agent.Call(ctx, o.Chat, &protocol.OfferAccept{}); err == nil {
							accepted <- o.Chat
						}
					}()
				}
			}
		}()
		var visitors []*protoclient.Client
		for i := range n {
			v, _ := env.Visitor(t)
			ack, err := v.Call(ctx, "", &protocol.ChatRequest{Name: fmt.Sprint("V", i), Question: "hi"})
			if err != nil {
				t.Fatal(err)
			}
			a := ack.Body.(*protocol.Ack)
			chats[i] = chatRef{a.Chat, a.Token}
			visitors = append(visitors, v)
		}
		for range n {
			select {
			case <-accepted:
			case <-ctx.Done():
				t.Fatal("not every chat was accepted")
			}
		}
		for _, v := range visitors {
			v.Drop()
		}
		// Everyone at once: connect, resume, write.
		var wg sync.WaitGroup
		var failed, busy atomic.Int64
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := protoclient.Dial(ctx, env.WS+"/ws/visitor", protoclient.Options{})
				if err != nil {
					failed.Add(1)
					return
				}
				defer v.Drop()
				if _, err := v.Call(ctx, "", &protocol.VisitorConnect{Connector: env.Demo.ConnectorHash}); err != nil {
					failed.Add(1)
					return
				}
				if _, err := v.Call(ctx, chats[i].id, &protocol.Resume{Token: chats[i].token}); err != nil {
					failed.Add(1)
					return
				}
				for k := range 5 {
					id := v.NewID()
					for {
						_, err := v.CallID(ctx, id, chats[i].id, &protocol.Send{Text: fmt.Sprint("back ", k)})
						if isCode(err, protocol.CodeBusy) {
							busy.Add(1)
							time.Sleep(20 * time.Millisecond)
							continue // a retry with the same id, as the widget does
						}
						if err != nil {
							failed.Add(1)
						}
						break
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("the storm froze the server")
		}
		if failed.Load() != 0 {
			t.Fatalf("%d visitors failed to come back", failed.Load())
		}
		for _, c := range chats {
			checkNumbering(t, st, c.id)
		}
		t.Logf("%d busy answers retried", busy.Load())
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		start := time.Now()
		if err := env.Server.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Fatalf("shutdown took %v", took)
		}
	})
}

// PostgreSQL connections terminated again and again while visitors write: every acknowledged
// message is stored once, and no chat has a hole.
func TestDatabaseConnectionsTerminated(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Postgres: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	agent, _ := env.Agent(t, 0)
	const n = 3
	var chats []string
	var visitors []*protoclient.Client
	for i := range n {
		v, _ := env.Visitor(t)
		id, _ := startChat(t, ctx, v, agent, fmt.Sprint("Pg", i))
		chats = append(chats, id)
		visitors = append(visitors, v)
	}
	st := env.Server.Store()
	admin, err := gorm.Open(postgres.Open(env.DatabaseURL()), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if db, err := admin.DB(); err == nil {
		defer db.Close()
	}
	stop := make(chan struct{})
	killed := make(chan struct{})
	var kills atomic.Int64
	// Every server connection is terminated five times a second: often enough that most
	// commits meet a dead connection, seldom enough that a new connection can open and commit
	// in between on a loaded 2-core machine (at 20 a second nothing got through there).
	go func() {
		defer close(killed)
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			var k int64
			if admin.Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Scan(&k).Error == nil {
				kills.Add(k)
			}
		}
	}()
	acked := make([]map[string]bool, n)
	var wg sync.WaitGroup
	for i, v := range visitors {
		acked[i] = map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// At least 40 lines each, and on until the killer has ended a few connections:
			// on a quick machine 40 lines take less than its first round.
			for k := 0; k < 40 || (kills.Load() < 3 && k < 5000); k++ {
				id := fmt.Sprint("p", k)
				for {
					_, err := v.CallID(ctx, id, chats[i], &protocol.Send{Text: id})
					if err == nil {
						acked[i][id] = true
						break
					}
					if !isCode(err, protocol.CodeBusy) && !isCode(err, protocol.CodeInternal) {
						t.Errorf("send: %v", err)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-killed
	if kills.Load() == 0 {
		t.Fatal("no connection was terminated")
	}
	// Pooled connections the storm killed fail once each before the pool replaces them.
	for range 20 {
		if _, err := st.Messages(ctx, chats[0], 1); err == nil {
			break
		}
	}
	for i, id := range chats {
		msgs, err := st.Messages(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, m := range msgs {
			count[m.ClientID]++
		}
		for cid := range acked[i] {
			if count[cid] != 1 {
				t.Fatalf("chat %d: %s stored %d times", i, cid, count[cid])
			}
		}
		checkNumbering(t, st, id)
	}
	t.Logf("%d connections terminated", kills.Load())
}
