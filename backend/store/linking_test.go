package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/contact"
)

// The linker's cases run in TestContacts.

// settle waits until the linker has nothing queued, is not linking and has no sweep wanted or
// under way.
func settle(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		l := s.lk
		l.mu.Lock()
		idle := len(l.pending) == 0 && !l.busy && !l.sweep && !l.sweeping
		l.mu.Unlock()
		if idle {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the linker did not settle: %+v", s.LinkStats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// smallQueue opens a store whose link queue holds n chats and whose linker sweeps as soon as
// a link was dropped.
func smallQueue(t *testing.T, b backend, n int) *Store {
	cfg := b.newConfig(t)
	cfg.LinkQueue = n
	s := openStore(t, cfg)
	s.lk.mu.Lock()
	s.lk.gap = 0
	s.lk.mu.Unlock()
	return s
}

// visitorChats commits n new chats of the tenant at once, each with its own e-mail address
// made by email(i), and returns them.
func visitorChats(t *testing.T, s *Store, tenantID, connectorID int64, n int, email func(int) string) []Chat {
	t.Helper()
	chats := make([]Chat, n)
	errs := make(chan error, n)
	for i := range chats {
		chats[i] = Chat{ID: NewChatID(), TenantID: tenantID, ConnectorID: connectorID, State: "queued",
			VisitorID: fmt.Sprintf("v-%d", i), VisitorEmail: email(i), PData: map[string]string{"page": "x"}}
		c := chats[i]
		s.Enqueue(Write{Chat: &c}, func(err error) { errs <- err })
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return chats
}

// contactEmail is the e-mail identity of the chat's contact, "" when the chat has no link.
func contactEmail(t *testing.T, s *Store, tenantID int64, chatID string) string {
	t.Helper()
	l, err := s.ChatContact(ctx, tenantID, chatID)
	if err != nil {
		return ""
	}
	k := must[Contact](t)(s.Contact(ctx, tenantID, l.ContactID))
	for _, i := range k.Identities {
		if i.Kind == contact.KindEmail {
			return i.Value
		}
	}
	return ""
}

func wantAllLinked(t *testing.T, s *Store, tenantID int64, chats []Chat) {
	t.Helper()
	for _, c := range chats {
		if got := contactEmail(t, s, tenantID, c.ID); got != c.VisitorEmail {
			t.Fatalf("chat %s: contact e-mail %q, want %q (%+v)", c.ID, got, c.VisitorEmail, s.LinkStats())
		}
	}
}

func testLinkerLinksAfterCommit(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	chats := visitorChats(t, s, ten.ID, k.ID, 5, func(i int) string { return fmt.Sprintf("p%d@example.com", i) })
	settle(t, s)
	wantAllLinked(t, s, ten.ID, chats)
	// A state change of a linked chat is linked again without a new contact.
	c := chats[0]
	c.State = "active"
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if page := must[ContactPage](t)(s.Contacts(ctx, ten.ID, "", 100, 0)); page.Total != 5 {
		t.Fatalf("%d contacts, want 5", page.Total)
	}
	if st := s.LinkStats(); st.Linked < 6 || st.Failed != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Direct chats between agents have no contact.
	direct := newChat(t, s, ten.ID, func(c *Chat) { c.Kind, c.ConnectorID, c.VisitorID = ChatDirect, 0, "v-x" })
	settle(t, s)
	wantErr(t, func() error { _, err := s.ChatContact(ctx, ten.ID, direct.ID); return err }(), ErrNotFound)
}

// A chat whose visitor gives three addresses one after another, faster than linking, ends
// linked to the contact of the last one.
func testLinkerLatestIdentitiesWin(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	for round := range 5 {
		c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: k.ID, State: "queued", VisitorID: fmt.Sprintf("r%d", round)}
		var wg sync.WaitGroup
		for i, addr := range []string{"", "first@example.com", "second@example.com", "third@example.com"} {
			w := c
			w.VisitorEmail = addr
			if i > 0 {
				w.State = "active"
			}
			wg.Add(1)
			s.Enqueue(Write{Chat: &w}, func(err error) {
				if err != nil {
					t.Error(err)
				}
				wg.Done()
			})
		}
		wg.Wait()
		settle(t, s)
		if got := contactEmail(t, s, ten.ID, c.ID); got != "third@example.com" {
			t.Fatalf("round %d: chat linked to %q, want the last address", round, got)
		}
	}
	// And back to an earlier one: the cache of what was linked does not hide the change.
	c := Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: k.ID, State: "active", VisitorID: "back"}
	for _, addr := range []string{"a@example.com", "b@example.com", "a@example.com"} {
		w := c
		w.VisitorEmail = addr
		if err := s.Commit(ctx, Write{Chat: &w}); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, s)
	if got := contactEmail(t, s, ten.ID, c.ID); got != "a@example.com" {
		t.Fatalf("chat linked to %q, want a@example.com", got)
	}
}

// A flood of new chats overflows a small queue: the chats that did not fit are counted and
// linked by the sweep, and the committer never waited for any of it.
func testLinkerFlood(t *testing.T, b backend) {
	s := smallQueue(t, b, 3)
	ten := newTenant(t, s, "T")
	k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	settle(t, s)
	chats := visitorChats(t, s, ten.ID, k.ID, 150, func(i int) string { return fmt.Sprintf("f%d@example.com", i) })
	settle(t, s)
	st := s.LinkStats()
	if st.Dropped == 0 || st.Swept == 0 {
		t.Fatalf("a queue of 3 took a flood of 150 chats without dropping any: %+v", st)
	}
	wantAllLinked(t, s, ten.ID, chats)
}

// Closing the store while chats wait for their link neither hangs nor leaks the worker, and
// the next Open links whatever was left.
func testLinkerCloseWhileLinking(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ten := newTenant(t, s, "T")
	k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	chats := visitorChats(t, s, ten.ID, k.ID, 100, func(i int) string { return fmt.Sprintf("c%d@example.com", i) })
	// A shutdown whose time is already up cancels the link under way.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Shutdown(done); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, cfg)
	settle(t, s)
	wantAllLinked(t, s, ten.ID, chats)
}

// A process killed after a chat's commit and before its link (here: a linker that is
// stopped), or chats from before contacts existed: the next Open links them in the
// background.
func testLinkerSweepAfterKill(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	s.lk.close(ctx)
	ten := newTenant(t, s, "T")
	k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	chats := visitorChats(t, s, ten.ID, k.ID, sweepBatch+20, func(i int) string { return fmt.Sprintf("k%d@example.com", i) })
	closed := newChat(t, s, ten.ID, func(c *Chat) {
		c.ConnectorID, c.VisitorEmail, c.State, c.ClosedAt = k.ID, "old@example.com", stateClosed, ptr(now())
	})
	chats = append(chats, closed)
	anon := newChat(t, s, ten.ID, func(c *Chat) { c.ConnectorID = k.ID })
	if got := contactEmail(t, s, ten.ID, chats[0].ID); got != "" {
		t.Fatalf("a stopped linker linked chat to %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, cfg)
	settle(t, s)
	wantAllLinked(t, s, ten.ID, chats)
	wantErr(t, func() error { _, err := s.ChatContact(ctx, ten.ID, anon.ID); return err }(), ErrNotFound)
	if st := s.LinkStats(); st.Sweeps == 0 || st.Swept < uint64(len(chats)) {
		t.Fatalf("stats %+v", st)
	}
}

// Chats of two tenants with the same addresses, flooding a small queue, end as contacts of
// their own tenant each.
func testLinkerTwoTenants(t *testing.T, b backend) {
	s := smallQueue(t, b, 5)
	var ids [2]int64
	var chats [2][]Chat
	var wg sync.WaitGroup
	for i := range ids {
		ten := newTenant(t, s, fmt.Sprintf("T%d", i))
		k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
		ids[i] = ten.ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			chats[i] = visitorChats(t, s, ten.ID, k.ID, 40, func(j int) string { return fmt.Sprintf("same%d@example.com", j%10) })
		}()
	}
	wg.Wait()
	settle(t, s)
	for i := range ids {
		wantAllLinked(t, s, ids[i], chats[i])
		if page := must[ContactPage](t)(s.Contacts(ctx, ids[i], "", 100, 0)); page.Total != 10 {
			t.Fatalf("tenant %d has %d contacts, want 10", i, page.Total)
		}
		for _, c := range chats[i] {
			wantErr(t, func() error { _, err := s.ChatContact(ctx, ids[1-i], c.ID); return err }(), ErrNotFound)
		}
	}
}

// linkedThenClosed commits an open chat with first@example.com, waits for its link, and
// returns it closed at closedAt with second@example.com, not yet committed.
func linkedThenClosed(t *testing.T, s *Store, tenantID, connectorID int64, closedAt time.Time) Chat {
	t.Helper()
	c := newChat(t, s, tenantID, func(c *Chat) {
		c.ConnectorID, c.VisitorID, c.VisitorEmail, c.State = connectorID, "v-closing", "first@example.com", "active"
	})
	settle(t, s)
	if got := contactEmail(t, s, tenantID, c.ID); got != "first@example.com" {
		t.Fatalf("open chat linked to %q", got)
	}
	c.VisitorEmail, c.State, c.ClosedAt = "second@example.com", stateClosed, ptr(closedAt.UTC())
	return c
}

// A chat whose visitor gives a new address with the closing write, and a process killed
// before that link (here: a stopped linker): the chat is linked already, to its old contact,
// so only the recheck of recent closes finds it. The close lies days back (the server was
// down that long): the window starts from the newest close, not from the clock.
func testLinkerClosedChangeAfterKill(t *testing.T, b backend) {
	cfg := b.newConfig(t)
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ten := newTenant(t, s, "T")
	k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	old := newChat(t, s, ten.ID, func(c *Chat) {
		c.ConnectorID, c.VisitorEmail, c.State, c.ClosedAt = k.ID, "old@example.com", stateClosed, ptr(now().Add(-10*24*time.Hour))
	})
	c := linkedThenClosed(t, s, ten.ID, k.ID, now().Add(-72*time.Hour))
	s.lk.close(ctx)
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	if got := contactEmail(t, s, ten.ID, c.ID); got != "first@example.com" {
		t.Fatalf("a stopped linker linked the closed chat to %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, cfg)
	settle(t, s)
	if got := contactEmail(t, s, ten.ID, c.ID); got != "second@example.com" {
		t.Fatalf("after the restart the closed chat is linked to %q, want second@example.com (%+v)", got, s.LinkStats())
	}
	if got := contactEmail(t, s, ten.ID, old.ID); got != "old@example.com" {
		t.Fatalf("the old chat is linked to %q", got)
	}
	// The chat closed ten days ago lies outside the window: checked once it had no link, not
	// again after the restart.
	if st := s.LinkStats(); st.Swept != 1 {
		t.Fatalf("the sweep after the restart linked %d chats, want 1: %+v", st.Swept, st)
	}
}

// The same change dropped by a full queue while the process runs: the sweep the drop asks
// for checks again the chats closed lately and links it.
func testLinkerClosedChangeDropped(t *testing.T, b backend) {
	s := smallQueue(t, b, 4)
	ten := newTenant(t, s, "T")
	k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	settle(t, s)
	c := linkedThenClosed(t, s, ten.ID, k.ID, now())
	s.lk.mu.Lock()
	s.lk.limit = 0 // full: every chat is dropped
	s.lk.mu.Unlock()
	if err := s.Commit(ctx, Write{Chat: &c}); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if st := s.LinkStats(); st.Dropped == 0 {
		t.Fatalf("nothing was dropped: %+v", st)
	}
	if got := contactEmail(t, s, ten.ID, c.ID); got != "second@example.com" {
		t.Fatalf("the dropped closed chat is linked to %q, want second@example.com (%+v)", got, s.LinkStats())
	}
}
