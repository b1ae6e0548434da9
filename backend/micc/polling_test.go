package micc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/micc"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A client that stops calling GetEvents counts as gone: the agent sees the customer leave,
// the chat ends after the connector's reconnect window, and the ChatID is no longer known.
// The silence is shortened to 2 s; nothing calls the ChatService while the test waits,
// since any call would count as the client being there.
func TestSilentClientIsGone(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		opts.Configure = func(c *config.Config) { c.MiCCGoneAfter = 2 * time.Second }
		env := servertest.Start(t, opts)
		env.ChangeConnector(t, func(c *store.Connector) { c.ReconnectWindow = time.Second })
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		chatID, _ := handledChat(t, ctx, env, agent)
		// From here on the client says nothing.
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			p, ok := ev.Body.(*protocol.Presence)
			return ok && ev.Chat == chatID && p.Role == protocol.RoleVisitor && !p.Online
		}); err != nil {
			t.Fatalf("the agent never saw the silent customer leave: %v", err)
		}
		if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
			s, ok := ev.Body.(*protocol.ChatState)
			return ok && ev.Chat == chatID && s.State == protocol.StateClosed && s.Cause == protocol.CauseVisitorGone
		}); err != nil {
			t.Fatalf("the chat of the silent customer did not end: %v", err)
		}
		fault(t, env.URL, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 10}, http.StatusNotFound)
		fault(t, env.URL, "GetChatInfo", map[string]any{"ChatID": chatID}, http.StatusNotFound)
	})
}

// A client that keeps a poll waiting is not silent, however long the poll waits: only the
// time without any call counts.
func TestWaitingPollKeepsClient(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) { c.MiCCGoneAfter = time.Second }})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	chatID := requestChat(t, env, env.URL)
	awaitT[*protocol.Offer](t, ctx, agent)
	first := call[struct{ Events []wireEvent }](t, env.URL, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 10, "After": 0})
	last := first.Events[len(first.Events)-1].Seq
	// Three silences' worth of one waiting poll, answered by the agent's accept at its end.
	done := make(chan struct{ Events []wireEvent }, 1)
	go func() {
		done <- call[struct{ Events []wireEvent }](t, env.URL, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 60000, "After": last})
	}()
	// The poll is still waiting when three silences have passed: nothing has happened in the chat.
	select {
	case r := <-done:
		t.Fatalf("the poll answered without an event: %+v", r)
	case <-time.After(3 * time.Second):
	}
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatalf("the chat of a polling client was taken away: %v", err)
	}
	if r := <-done; len(r.Events) == 0 {
		t.Fatal("the waiting poll got nothing from the agent's accept")
	}
	if info := call[micc.GetChatInfoResponse](t, env.URL, "GetChatInfo", map[string]any{"ChatID": chatID}); info.State != micc.Handling {
		t.Fatalf("GetChatInfo %+v", info)
	}
}

// At most 50 polls wait at once per client address: the 51st gets 429 with a fault body,
// while another address still polls; once the 50 have ended there is room again. The
// server sits behind a trusted proxy, so that the customers' chats come from addresses of
// their own (20 open chats per address are allowed) while one back end polls for all of them.
func TestPollsPerAddress(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.ProxyHeader = "X-Forwarded-For"
		c.TrustedProxies = []string{"127.0.0.1/32"}
	}})
	const backEnd, other = "203.0.113.7", "198.51.100.9"
	// One chat per poll: a newer poll of the same chat would answer the older one.
	ids := make([]string, micc.MaxPollsPerAddress+2)
	for i := range ids {
		status, body := post(t, env.URL, "RequestChat", map[string]any{"SessionID": "session-" + itoa(i), "CustomerName": "Customer " + itoa(i),
			"TenantID": env.Demo.MiCC.MiCCTenant, "ServiceGroupID": env.Demo.MiCC.GroupID}, "X-Forwarded-For", "10.0."+itoa(i)+".1")
		var r micc.RequestChatResponse
		if err := json.Unmarshal(body, &r); status != http.StatusOK || err != nil || r.ChatID == nil {
			t.Fatalf("RequestChat %d: %d %s", i, status, body)
		}
		ids[i] = *r.ChatID
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	// The back end polls for 50 chats as MiCC clients do, a minute at a time, again as soon
	// as answered, until stopped.
	for _, id := range ids[:micc.MaxPollsPerAddress] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var after uint64
			for !stop.Load() {
				status, evs := pollWith(context.Background(), env.URL, id, after, backEnd)
				if status == http.StatusTooManyRequests {
					// The test's 51st poll took the slot between two of this client's polls.
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if status != http.StatusOK {
					t.Errorf("a poll of the back end got %d", status)
					return
				}
				for _, e := range evs {
					after = e.Seq
				}
			}
		}()
	}
	// release ends the back end's polls the way the service does: a newer poll of each chat
	// (from another address, as this one has no room) answers the waiting one at once.
	release := func() {
		stop.Store(true)
		for _, id := range ids[:micc.MaxPollsPerAddress] {
			post(t, env.URL, "GetEvents", map[string]any{"ChatID": id, "Timeout": 10}, "X-Forwarded-For", other)
		}
		wg.Wait()
	}
	t.Cleanup(func() {
		if !stop.Load() {
			release()
		}
	})
	chat51 := map[string]any{"ChatID": ids[micc.MaxPollsPerAddress], "Timeout": 10}
	refused := false
	for deadline := time.Now().Add(30 * time.Second); !refused && time.Now().Before(deadline); {
		status, body := post(t, env.URL, "GetEvents", chat51, "X-Forwarded-For", backEnd)
		switch status {
		case http.StatusTooManyRequests:
			var f micc.Fault
			if err := json.Unmarshal(body, &f); err != nil || f.Code != string(protocol.CodeRateLimited) || f.Message == "" {
				t.Fatalf("429 body %s", body)
			}
			refused = true
		case http.StatusOK:
			time.Sleep(20 * time.Millisecond) // the 50 are not all waiting yet
		default:
			t.Fatalf("poll 51: %d %s", status, body)
		}
	}
	if !refused {
		t.Fatal("the 51st waiting poll from one address was never refused")
	}
	// Another address is not held to the back end's count.
	if status, body := post(t, env.URL, "GetEvents", map[string]any{"ChatID": ids[micc.MaxPollsPerAddress+1], "Timeout": 10}, "X-Forwarded-For", other); status != http.StatusOK {
		t.Fatalf("a poll from another address got %d %s", status, body)
	}
	release()
	if status, body := post(t, env.URL, "GetEvents", chat51, "X-Forwarded-For", backEnd); status != http.StatusOK {
		t.Fatalf("after the other polls ended, poll 51 got %d %s", status, body)
	}
}

// pollWith sends one minute-long GetEvents with After, from the forwarded address xff when
// not empty, and returns its status (0 when the context ended it) and events.
func pollWith(ctx context.Context, base, chatID string, after uint64, xff string) (int, []wireEvent) {
	body, _ := json.Marshal(map[string]any{"request": map[string]any{"ChatID": chatID, "Timeout": 60000, "After": after}})
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/ChatService/GetEvents", bytes.NewReader(body))
	if err != nil {
		return -1, nil
	}
	r.Header.Set("Content-Type", "application/json")
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return 0, nil
		}
		return -1, nil
	}
	defer resp.Body.Close()
	var out struct{ Events []wireEvent }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out.Events
}

// A client that lost a GetEvents answer (the connection broke while the answer was on its
// way) and polls again with the same After gets the events again, with the same Seq; once
// it moves After past them, they do not come a third time.
func TestLostAnswerRetried(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		chatID, last := handledChat(t, ctx, env, agent)
		// A poll waits; the agent writes; the client's connection breaks before it reads
		// the answer (it may have been written or not: either way the client never saw it).
		pctx, cancel := context.WithCancel(ctx)
		lost := make(chan int, 1)
		go func() { s, _ := pollWith(pctx, env.URL, chatID, last, ""); lost <- s }()
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Your parcel left."}); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-lost
		// The retry with the old After brings the message (it may still be on its way to the
		// adapter when the first retry is answered, so retry until it is there, as a client would).
		var again struct{ Events []wireEvent }
		var seq uint64
		for deadline := time.Now().Add(20 * time.Second); seq == 0 && time.Now().Before(deadline); {
			again = call[struct{ Events []wireEvent }](t, env.URL, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 3000, "After": last})
			for _, e := range again.Events {
				if e.Seq <= last {
					t.Fatalf("an event at or before After %d: %+v", last, again.Events)
				}
				if e.EventType == 0 && e.Data["Message"] == "Your parcel left." {
					seq = e.Seq
				}
			}
		}
		if seq == 0 {
			t.Fatalf("the retry with After %d did not bring the message again: %+v", last, again.Events)
		}
		// Twice more the same: a client may lose an answer more than once.
		third := call[struct{ Events []wireEvent }](t, env.URL, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 3000, "After": last})
		if len(third.Events) != len(again.Events) || third.Events[0].Seq != again.Events[0].Seq {
			t.Fatalf("second retry %+v, first %+v", third.Events, again.Events)
		}
		// Moved past: the message does not come again; the poll waits for the next event.
		after := again.Events[len(again.Events)-1].Seq
		if _, err := agent.Call(ctx, chatID, &protocol.Send{Text: "Anything else?"}); err != nil {
			t.Fatal(err)
		}
		next := call[struct{ Events []wireEvent }](t, env.URL, "GetEvents", map[string]any{"ChatID": chatID, "Timeout": 5000, "After": after})
		for _, e := range next.Events {
			if e.Seq <= after || e.Data["Message"] == "Your parcel left." {
				t.Fatalf("an acknowledged event came again: %+v", next.Events)
			}
		}
		if len(next.Events) == 0 || next.Events[len(next.Events)-1].Data["Message"] != "Anything else?" {
			t.Fatalf("after the retry: %+v", next.Events)
		}
	})
}

// handledChat requests a chat, has the agent accept it and reads the client's events up to
// Handling; it returns the ChatID and the last event's Seq.
func handledChat(t *testing.T, ctx context.Context, env *servertest.Env, agent *protoclient.Client) (string, uint64) {
	t.Helper()
	chatID := requestChat(t, env, env.URL)
	awaitT[*protocol.Offer](t, ctx, agent)
	if _, err := agent.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	got := events(t, env.URL, chatID, isState(1))
	return chatID, got[len(got)-1].Seq
}
