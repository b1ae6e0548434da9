package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/shared/protocol"
)

// TestOneStatementTypesCoverTheInserts holds pgColumnTypes to the columns of the message and
// event inserts: a column added to them without a type would make the one-statement write
// cast its parameter to nothing.
func TestOneStatementTypesCoverTheInserts(t *testing.T) {
	for _, cols := range [][]string{messageInsert.cols, eventInsert.cols} {
		for _, c := range cols {
			if pgColumnTypes[c] == "" {
				t.Errorf("column %q has no PostgreSQL type in pgColumnTypes", c)
			}
		}
	}
}

// TestOneStatementColumns holds the one statement's arrays to the columns of the message and
// event inserts, in their order: a row whose every column differs comes out of the arrays as
// the inserts' values.
func TestOneStatementColumns(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	m := messageRow{ChatID: "c", Seq: 2, Role: "visitor", UserID: 3, Name: "n", Text: "t", ClientID: "k", Internal: true, At: at,
		Lang: "fr", Translation: "tr", TranslationLang: "en"}
	e := eventRow{ChatID: "c", Seq: 4, VisitorSeq: 5, Type: "message", Data: "{}", At: at}
	for _, c := range []struct {
		name   string
		want   []any
		arrays []any
	}{
		{"messages", messageInsert.args(nil, &m), messageColumns([]messageRow{m})},
		{"events", eventInsert.args(nil, &e), eventColumns([]eventRow{e})},
	} {
		if len(c.arrays) != len(c.want) {
			t.Fatalf("%s: %d arrays for %d columns", c.name, len(c.arrays), len(c.want))
		}
		for i := range c.want {
			if got, want := fmt.Sprint(reflect.ValueOf(c.arrays[i]).Index(0)), fmt.Sprint(c.want[i]); got != want {
				t.Errorf("%s: array %d holds %s; the insert's column %d is %s", c.name, i, got, i, want)
			}
		}
	}
}

// TestOneStatementWrites checks the one-statement write of a chat's messages on PostgreSQL:
// numbering them (the visitor's numbers skipping agents-only events) and their messages as the
// transaction does, publishing them with the chat's tenant, for a few events and for 300 of
// 150 chats in one batch; a closing event goes through the transaction.
func TestOneStatementWrites(t *testing.T) {
	cfg := migratedPostgresConfig(t)
	var mu sync.Mutex
	var published []changes.ChatEvent
	cfg.Changes = publisherFunc(func(e changes.ChatEvent) {
		mu.Lock()
		published = append(published, e)
		mu.Unlock()
	})
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	note := func(i int) Write {
		return Write{Event: &Event{ChatID: c.ID, Type: "note", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), AgentsOnly: true}}
	}

	first := []Write{msgWrite(c.ID, 0, "a", "m1"), note(1), msgWrite(c.ID, 0, "b", "m2")}
	if err := s.Commit(ctx, first...); err != nil {
		t.Fatal(err)
	}
	if got := s.CommitStats().Single; got != 1 {
		t.Fatalf("%d one-statement writes after a message, a note and a message of one chat; want 1", got)
	}
	for i, want := range [][2]uint64{{1, 1}, {2, 0}, {3, 2}} {
		if e := first[i].Event; e.Seq != want[0] || e.VisitorSeq != want[1] || e.AgentsOnly != (want[1] == 0) {
			t.Fatalf("event %d numbered %d/%d (agents only %v); want %d/%d", i, e.Seq, e.VisitorSeq, e.AgentsOnly, want[0], want[1])
		}
	}
	if first[2].Message.Seq != 3 {
		t.Fatalf("the second message got seq %d; want 3, its event's", first[2].Message.Seq)
	}

	four := []Write{note(2), msgWrite(c.ID, 0, "c", "m3"), msgWrite(c.ID, 0, "d", "m4"), note(3)}
	if err := s.Commit(ctx, four...); err != nil {
		t.Fatal(err)
	}
	var nine []Write
	for i := range 9 {
		nine = append(nine, msgWrite(c.ID, 0, fmt.Sprint("n", i), fmt.Sprint("n", i)))
	}
	if err := s.Commit(ctx, nine...); err != nil {
		t.Fatal(err)
	}
	closing := Write{Event: &Event{ChatID: c.ID, Type: string(protocol.TypeChatState), Data: json.RawMessage(`{"state":"closed"}`)}}
	if err := s.Commit(ctx, closing); err != nil {
		t.Fatal(err)
	}
	if got := s.CommitStats().Single; got != 3 {
		t.Fatalf("%d one-statement writes; want 3 (a closing event goes through the transaction)", got)
	}
	if four[3].Event.Seq != 7 || nine[8].Event.Seq != 16 || nine[8].Event.VisitorSeq != 13 || closing.Event.Seq != 17 {
		t.Fatalf("numbers %d, %d/%d, %d; want 7, 16/13, 17", four[3].Event.Seq, nine[8].Event.Seq, nine[8].Event.VisitorSeq, closing.Event.Seq)
	}
	checkChat(t, s, c.ID, 17, 14)
	msgs := must[[]Message](t)(s.Messages(ctx, c.ID, 0))
	evs := must[[]Event](t)(s.EventsAfter(ctx, c.ID, 0, 0))
	if len(msgs) != 13 {
		t.Fatalf("%d messages stored; want 13", len(msgs))
	}
	for _, m := range msgs {
		if e := evs[m.Seq-1]; e.Type != "message" || !json.Valid(e.Data) || string(e.Data) != fmt.Sprintf(`{"text":%q}`, m.Text) {
			t.Fatalf("message %q has seq %d, whose event is %s %s", m.Text, m.Seq, e.Type, e.Data)
		}
	}

	// A batch the size of one at the message rate's ceiling: two lines in each of 150 chats.
	var chats []Chat
	var wide []Write
	for i := range 150 {
		ch := newChat(t, s, ten.ID, nil)
		chats = append(chats, ch)
		if i%2 == 0 {
			wide = append(wide, Write{Event: &Event{ChatID: ch.ID, Type: "note", Data: json.RawMessage(`{}`), AgentsOnly: true}})
		}
		wide = append(wide, msgWrite(ch.ID, 0, fmt.Sprint("w1 ", i), "w1"), msgWrite(ch.ID, 0, fmt.Sprint("w2 ", i), "w2"))
	}
	single := s.CommitStats().Single
	if err := s.Commit(ctx, wide...); err != nil {
		t.Fatal(err)
	}
	if got := s.CommitStats().Single; got != single+1 {
		t.Fatalf("%d one-statement writes for a batch of %d events of 150 chats; want one", got-single, len(wide))
	}
	for i, ch := range chats {
		if i%2 == 0 {
			checkChat(t, s, ch.ID, 3, 2)
		} else {
			checkChat(t, s, ch.ID, 2, 2)
		}
		msgs := must[[]Message](t)(s.Messages(ctx, ch.ID, 0))
		evs := must[[]Event](t)(s.EventsAfter(ctx, ch.ID, 0, 0))
		if len(msgs) != 2 || len(evs) != 2+(1-i%2) {
			t.Fatalf("chat %d: %d messages, %d events", i, len(msgs), len(evs))
		}
		for k, m := range msgs {
			if m.Text != fmt.Sprint("w", k+1, " ", i) || evs[m.Seq-1].Type != "message" || evs[m.Seq-1].VisitorSeq != uint64(k+1) {
				t.Fatalf("chat %d: message %q has seq %d, whose event is %+v", i, m.Text, m.Seq, evs[m.Seq-1])
			}
		}
	}

	mu.Lock()
	defer mu.Unlock()
	for _, e := range published {
		if e.TenantID != ten.ID {
			t.Fatalf("event %d of chat %s published with tenant %d; want %d", e.Seq, e.ChatID, e.TenantID, ten.ID)
		}
	}
}

// TestOneStatementSeveralChats checks a one-statement write of several chats' messages, each
// numbered from its own chat's counters, and that a batch with a chat whose tenant has a
// webhook endpoint goes through the transaction as a whole, which writes its webhook
// delivery, while the other chats keep one statement.
func TestOneStatementSeveralChats(t *testing.T) {
	s := openStore(t, migratedPostgresConfig(t))
	quiet, hooked := newTenant(t, s, "Quiet"), newTenant(t, s, "Hooked")
	must[WebhookEndpoint](t)(s.CreateWebhookEndpoint(ctx, WebhookEndpoint{TenantID: hooked.ID, URL: "https://hooks.example.com/h",
		Events: []string{"chat.message"}, Enabled: true}))
	a, b, h := newChat(t, s, quiet.ID, nil), newChat(t, s, quiet.ID, nil), newChat(t, s, hooked.ID, nil)
	if err := s.Commit(ctx, msgWrite(a.ID, 0, "a1", "a1")); err != nil {
		t.Fatal(err)
	}
	both := []Write{msgWrite(b.ID, 0, "b1", "b1"), msgWrite(a.ID, 0, "a2", "a2"), msgWrite(b.ID, 0, "b2", "b2")}
	if err := s.Commit(ctx, both...); err != nil {
		t.Fatal(err)
	}
	if got := s.CommitStats().Single; got != 2 {
		t.Fatalf("%d one-statement writes; want 2", got)
	}
	if both[0].Event.Seq != 1 || both[1].Event.Seq != 2 || both[2].Event.Seq != 2 || both[1].Event.VisitorSeq != 2 {
		t.Fatalf("numbered %d, %d/%d, %d; want 1, 2/2, 2", both[0].Event.Seq, both[1].Event.Seq, both[1].Event.VisitorSeq, both[2].Event.Seq)
	}

	hooks := s.OutboxWrites(OutboxWebhooks)
	mixed := []Write{msgWrite(a.ID, 0, "a3", "a3"), msgWrite(h.ID, 0, "h1", "h1")}
	if err := s.Commit(ctx, mixed...); err != nil {
		t.Fatal(err)
	}
	if s.CommitStats().Single != 2 || s.OutboxWrites(OutboxWebhooks) != hooks+1 {
		t.Fatalf("a batch with a chat of a tenant with webhooks: %d one-statement writes, webhook commits %d → %d; want the transaction, with a delivery",
			s.CommitStats().Single, hooks, s.OutboxWrites(OutboxWebhooks))
	}
	if mixed[0].Event.Seq != 3 || mixed[1].Event.Seq != 1 || mixed[1].Event.VisitorSeq != 1 {
		t.Fatalf("numbered %d, %d/%d; want 3, 1/1", mixed[0].Event.Seq, mixed[1].Event.Seq, mixed[1].Event.VisitorSeq)
	}
	if err := s.Commit(ctx, msgWrite(h.ID, 0, "h2", "h2")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, msgWrite(b.ID, 0, "b3", "b3")); err != nil {
		t.Fatal(err)
	}
	if s.CommitStats().Single != 3 || s.OutboxWrites(OutboxWebhooks) != hooks+2 {
		t.Fatalf("after a line of the hooked chat and one of another: %d one-statement writes, webhook commits %d → %d; want 3, two more",
			s.CommitStats().Single, hooks, s.OutboxWrites(OutboxWebhooks))
	}
	checkChat(t, s, a.ID, 3, 3)
	checkChat(t, s, b.ID, 3, 3)
	checkChat(t, s, h.ID, 2, 2)
}

// TestOneStatementTwoNodes writes one chat's messages from two stores on one database at once,
// as two nodes of a cluster do: the numbering statement's row lock orders them, and the chat
// ends with every event numbered once, without holes.
func TestOneStatementTwoNodes(t *testing.T) {
	cfg := migratedPostgresConfig(t)
	a, b := openStore(t, cfg), openStore(t, Config{DatabaseURL: cfg.DatabaseURL, Logger: testLogger()})
	ten := newTenant(t, a, "T")
	c := newChat(t, a, ten.ID, nil)
	const each = 150
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for n, s := range []*Store{a, b} {
		wg.Go(func() {
			var sent sync.WaitGroup
			for i := range each {
				sent.Add(1)
				w := msgWrite(c.ID, 0, fmt.Sprint(n, "-", i), fmt.Sprint("n", n, "-", i))
				if i%3 == 0 {
					w.Event.AgentsOnly = true
				}
				s.Enqueue(w, func(err error) {
					if err != nil {
						errs <- err
					}
					sent.Done()
				})
				if i%5 == 0 {
					sent.Wait() // some one at a time, some streamed
				}
			}
			sent.Wait()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if a.CommitStats().Single == 0 || b.CommitStats().Single == 0 {
		t.Fatalf("one-statement writes %d and %d: the test tested the transaction", a.CommitStats().Single, b.CommitStats().Single)
	}
	checkChat(t, a, c.ID, 2*each, 2*(each-each/3))
}

// TestOneStatementOutcomeUnknown cuts the connection of a one-statement write after the
// database received it and before its answer, and before it received it: the store finds out
// whether it landed (by the events' contents, their numbers being the statement's), and neither
// fails the write, nor writes it twice, nor leaves a hole; the last two write two chats.
func TestOneStatementOutcomeUnknown(t *testing.T) {
	cfg := postgresConfig(t)
	p := newPGProxy(t, cfg.DatabaseURL)
	s := openStore(t, Config{DatabaseURL: p.url, Logger: testLogger()})
	ten := newTenant(t, s, "T")
	c, d := newChat(t, s, ten.ID, nil), newChat(t, s, ten.ID, nil)
	for i := range 6 {
		after := i%2 == 0
		id := fmt.Sprint("cut-", i)
		marker := []byte(id)
		p.cutAfter.Store(after)
		p.cutAt.Store(&marker)
		attempts := s.CommitStats().Attempts
		ws := []Write{msgWrite(c.ID, 0, fmt.Sprint("m", i), id)}
		if i == 4 {
			ws = append([]Write{{Event: &Event{ChatID: c.ID, Type: "note", AgentsOnly: true}}}, ws...)
		}
		if i >= 4 {
			ws = append([]Write{msgWrite(d.ID, 0, fmt.Sprint("d", i), fmt.Sprint("d", i))}, ws...)
		}
		if err := s.Commit(ctx, ws...); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if p.cutAt.Load() != nil {
			t.Fatalf("write %d: the proxy never saw its client id", i)
		}
		retried := s.CommitStats().Attempts - attempts
		if after && retried != 0 || !after && retried == 0 {
			t.Fatalf("write %d (cut after it reached the database: %v): tried again %d times", i, after, retried)
		}
		last := ws[len(ws)-1].Event
		if want := uint64(i + 1 + min(i/4, 1)); last.Seq != want || last.VisitorSeq != uint64(i+1) {
			t.Fatalf("write %d numbered %d/%d; want %d/%d", i, last.Seq, last.VisitorSeq, want, i+1)
		}
	}
	if s.CommitStats().Single == 0 {
		t.Fatal("no one-statement write: the test tested the transaction")
	}
	checkChat(t, s, c.ID, 7, 6)
	checkChat(t, s, d.ID, 2, 2)

	// A batch past the few rows of the values' statement: its rows go in arrays.
	for j, after := range []bool{true, false} {
		id := fmt.Sprint("arrays-", j)
		marker := []byte(id)
		p.cutAfter.Store(after)
		p.cutAt.Store(&marker)
		attempts, single := s.CommitStats().Attempts, s.CommitStats().Single
		var ws []Write
		for k := range 6 {
			ws = append(ws, msgWrite(d.ID, 0, fmt.Sprint("d", j, k), fmt.Sprint("ad", j, k)))
			ws = append(ws, msgWrite(c.ID, 0, fmt.Sprint("c", j, k), fmt.Sprint("ac", j, k)))
		}
		ws[len(ws)-1].Message.ClientID = id
		if err := s.Commit(ctx, ws...); err != nil {
			t.Fatalf("arrays write %d: %v", j, err)
		}
		if p.cutAt.Load() != nil {
			t.Fatalf("arrays write %d: the proxy never saw its client id", j)
		}
		if retried := s.CommitStats().Attempts - attempts; after && retried != 0 || !after && retried == 0 {
			t.Fatalf("arrays write %d (cut after it reached the database: %v): tried again %d times", j, after, retried)
		}
		if !after && s.CommitStats().Single != single+1 {
			// (One found landed is not counted: it was not seen to succeed.)
			t.Fatalf("arrays write %d was not one statement", j)
		}
		if last := ws[len(ws)-1].Event; last.Seq != uint64(7+6*(j+1)) || last.VisitorSeq != uint64(6+6*(j+1)) {
			t.Fatalf("arrays write %d: the last line numbered %d/%d", j, last.Seq, last.VisitorSeq)
		}
	}
	checkChat(t, s, c.ID, 19, 18)
	checkChat(t, s, d.ID, 14, 14)
}

// TestLandedOneStatementBackendOfAnotherRole: the backend number of a one-statement write whose
// outcome is unknown now belongs to a backend of another role (a superuser's), which the
// store's role may not end. That backend is not the write's, which has ended, so the store
// goes on to look for the write instead of asking again and again.
func TestLandedOneStatementBackendOfAnotherRole(t *testing.T) {
	cfg := migratedPostgresConfig(t)
	s := openStore(t, cfg)
	ten := newTenant(t, s, "T")
	c := newChat(t, s, ten.ID, nil)
	w := msgWrite(c.ID, 0, "landed", "landed")
	if err := s.Commit(ctx, w); err != nil {
		t.Fatal(err)
	}

	// A superuser's backend, held open, and a role of lesser rights that can read the chats.
	super, err := s.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	held, err := super.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var pid int64
	if err := held.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	role := fmt.Sprintf("parley_limited_%d_%d", pid, time.Now().UnixNano()%1e9)
	for _, q := range []string{"CREATE ROLE " + role + " LOGIN", "GRANT SELECT ON events, messages, chat_events, chats TO " + role} {
		if _, err := held.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = s.w.Exec("DROP OWNED BY " + role).Error
		_ = s.w.Exec("DROP ROLE " + role).Error
	})
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	limited, err := gorm.Open(postgres.Open(u.String()), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if sqlDB, err := limited.DB(); err == nil {
		defer sqlDB.Close()
	}

	row := eventToRow(w.Event)
	row.Seq, row.VisitorSeq = 1, 1 // relative: the first event of the statement
	res := &applied{relative: true, backend: uint32(pid), events: []numbered{{ev: w.Event, row: row}}}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ok, err := s.landedOneStatement(limited.WithContext(wctx), res)
	if err != nil || !ok {
		t.Fatalf("looking for a landed write with its backend's number now another role's: %v, %v; want it found", ok, err)
	}
	if res.relative || res.events[0].row.Seq != 1 || res.events[0].tenant != ten.ID {
		t.Fatalf("settled to seq %d, tenant %d (relative %v); want 1, %d", res.events[0].row.Seq, res.events[0].tenant, res.relative, ten.ID)
	}
	if err := held.PingContext(ctx); err != nil {
		t.Fatalf("the superuser's backend was ended: %v", err)
	}
}

// TestOneStatementChatDeletedMeanwhile deletes one of a one-statement write's two chats while
// the write waits for that chat's row: the write is all or nothing, so it fails as a whole
// (its unit names a chat that no longer exists) and leaves the other chat without its line.
func TestOneStatementChatDeletedMeanwhile(t *testing.T) {
	s := openStore(t, migratedPostgresConfig(t))
	ten := newTenant(t, s, "T")
	gone, kept := newChat(t, s, ten.ID, nil), newChat(t, s, ten.ID, nil)
	sqlDB, err := s.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	locker, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT 1 FROM chats WHERE id = $1 FOR UPDATE", gone.ID); err != nil {
		t.Fatal(err)
	}

	result := make(chan error, 1)
	go func() { result <- s.Commit(ctx, msgWrite(kept.ID, 0, "k", "k"), msgWrite(gone.ID, 0, "g", "g")) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := s.w.Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the write never waited for the chat's row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM chats WHERE id = $1", gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err == nil {
		t.Fatal("a write naming a chat deleted meanwhile succeeded")
	}
	if evs := must[[]Event](t)(s.EventsAfter(ctx, kept.ID, 0, 0)); len(evs) != 0 {
		t.Fatalf("the other chat of the failed write got %d events; want none (all or nothing)", len(evs))
	}
	checkChat(t, s, kept.ID, 0, 0)
}
