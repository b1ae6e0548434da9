package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/contact"
)

func TestContacts(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				name string
				fn   func(t *testing.T, b backend)
			}{
				{"LinkAndMerge", testContactLinkAndMerge},
				{"ConcurrentMerge", testContactConcurrentMerge},
				{"TenantIsolation", testContactTenantIsolation},
				{"Verification", testContactVerification},
				{"EditAndSearch", testContactEditAndSearch},
				{"LinksAfterCommit", testLinkerLinksAfterCommit},
				{"LatestIdentitiesWin", testLinkerLatestIdentitiesWin},
				{"FloodDropsAndSweeps", testLinkerFlood},
				{"CloseWhileLinking", testLinkerCloseWhileLinking},
				{"SweepAfterKill", testLinkerSweepAfterKill},
				{"ClosedChangeAfterKill", testLinkerClosedChangeAfterKill},
				{"ClosedChangeDropped", testLinkerClosedChangeDropped},
				{"TwoTenants", testLinkerTwoTenants},
			} {
				t.Run(c.name, func(t *testing.T) { c.fn(t, b) })
			}
		})
	}
}

// linked commits a visitor chat and links it to its contact, returning the link.
func linked(t *testing.T, s *Store, tenantID, connectorID int64, mod func(*Chat)) ChatContact {
	t.Helper()
	c := newChat(t, s, tenantID, func(c *Chat) {
		c.ConnectorID = connectorID
		c.CreatedAt = now()
		mod(c)
	})
	if err := s.LinkChat(ctx, c); err != nil {
		t.Fatal(err)
	}
	return must[ChatContact](t)(s.ChatContact(ctx, tenantID, c.ID))
}

func contactFixture(t *testing.T, b backend) (*Store, Tenant, Connector) {
	s := openStore(t, b.newConfig(t))
	ten := newTenant(t, s, "T")
	k := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
	return s, ten, k
}

func testContactLinkAndMerge(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	// An anonymous visitor, then someone with an e-mail on another browser.
	anon := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorID = "v1" })
	alice := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorID = "v2"; c.VisitorEmail = "Alice@Example.com"; c.VisitorName = "Alice" })
	if anon.ContactID == alice.ContactID {
		t.Fatal("an anonymous visitor and Alice are one contact before anything joins them")
	}
	// The anonymous visitor comes back and gives Alice's address: one contact now.
	third := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorID = "v1"; c.VisitorEmail = "alice@example.com" })
	if third.ContactID != alice.ContactID {
		t.Fatalf("third chat went to contact %d, want Alice's %d", third.ContactID, alice.ContactID)
	}
	wantErr(t, func() error { _, err := s.Contact(ctx, ten.ID, anon.ContactID); return err }(), ErrNotFound)
	c := must[Contact](t)(s.Contact(ctx, ten.ID, alice.ContactID))
	if c.Name != "Alice" || c.Email != "Alice@Example.com" || len(c.Identities) != 3 {
		t.Fatalf("contact %+v", c)
	}
	tl := must[[]TimelineEntry](t)(s.ContactTimeline(ctx, ten.ID, c.ID, 0))
	if len(tl) != 3 {
		t.Fatalf("timeline has %d chats, want 3", len(tl))
	}
	merges := must[[]ContactMerge](t)(s.ContactMerges(ctx, ten.ID, c.ID))
	if len(merges) != 1 || merges[0].MergedID != anon.ContactID || merges[0].ByUserID != 0 ||
		len(merges[0].Identities) != 1 || merges[0].Identities[0] != (contact.Identity{Kind: contact.KindVisitor, Value: "v1"}) {
		t.Fatalf("merges %+v", merges)
	}
	// The same chat linked again changes nothing.
	again := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorID = "v2"; c.VisitorEmail = "alice@example.com" })
	if again.ContactID != c.ID {
		t.Fatal("a returning Alice is not Alice")
	}
	// A message Alice left when nobody was there is on her timeline as such.
	left := linked(t, s, ten.ID, k.ID, func(c *Chat) {
		c.VisitorEmail, c.State, c.CloseCause = "alice@example.com", stateClosed, CloseCauseLeftMessage
	})
	if tl := must[[]TimelineEntry](t)(s.ContactTimeline(ctx, ten.ID, c.ID, 0)); len(tl) != 5 || !tl[0].Left || tl[0].Chat.ID != left.ChatID {
		t.Fatalf("timeline with a left message: %+v", tl)
	}
	// A shared browser: Bob on Alice's browser is not Alice.
	bob := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorID = "v1"; c.VisitorEmail = "bob@example.com" })
	if bob.ContactID == c.ID {
		t.Fatal("Bob on Alice's browser was merged into Alice")
	}
	// Manual merge, recorded with who did it; a contact is not merged into itself.
	wantErr(t, s.MergeContacts(ctx, ten.ID, c.ID, c.ID, 7), ErrInvalid)
	if err := s.MergeContacts(ctx, ten.ID, c.ID, bob.ContactID, 7); err != nil {
		t.Fatal(err)
	}
	merges = must[[]ContactMerge](t)(s.ContactMerges(ctx, ten.ID, c.ID))
	if len(merges) != 2 || merges[0].ByUserID != 7 || merges[0].MergedID != bob.ContactID {
		t.Fatalf("merges after manual merge %+v", merges)
	}
	if n := len(must[[]TimelineEntry](t)(s.ContactTimeline(ctx, ten.ID, c.ID, 0))); n != 6 {
		t.Fatalf("timeline after manual merge has %d chats, want 6", n)
	}
}

// Many chats of one person arriving at once, on different browsers, end as one contact with
// every chat; no link is lost and no identity is held twice.
func testContactConcurrentMerge(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	const n = 16
	chats := make([]Chat, n)
	for i := range chats {
		chats[i] = newChat(t, s, ten.ID, func(c *Chat) {
			c.ConnectorID = k.ID
			c.VisitorID = fmt.Sprintf("v%d", i)
			if i%2 == 0 {
				c.VisitorEmail = "same@example.com"
			} else {
				c.CustomerID = "C-1"
				if i == 1 {
					c.VisitorEmail = "same@example.com" // joins the two keys
				}
			}
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, c := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.LinkChat(ctx, c)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	page := must[ContactPage](t)(s.Contacts(ctx, ten.ID, "", 50, 0))
	if page.Total != 1 {
		t.Fatalf("%d contacts after concurrent links, want 1: %+v", page.Total, page.Contacts)
	}
	if got := len(must[[]TimelineEntry](t)(s.ContactTimeline(ctx, ten.ID, page.Contacts[0].ID, 0))); got != n {
		t.Fatalf("timeline has %d chats, want %d", got, n)
	}
	if got := len(page.Contacts[0].Identities); got != n+2 {
		t.Fatalf("contact has %d identities, want %d", got, n+2)
	}
}

func testContactTenantIsolation(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	other := newTenant(t, s, "U")
	ok := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Web"}))
	mine := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorEmail = "x@example.com"; c.VisitorID = "v" })
	theirs := linked(t, s, other.ID, ok.ID, func(c *Chat) { c.VisitorEmail = "x@example.com"; c.VisitorID = "v" })
	if mine.ContactID == theirs.ContactID {
		t.Fatal("one contact over two tenants")
	}
	wantErr(t, func() error { _, err := s.Contact(ctx, ten.ID, theirs.ContactID); return err }(), ErrNotFound)
	wantErr(t, func() error { _, err := s.ChatContact(ctx, ten.ID, theirs.ChatID); return err }(), ErrNotFound)
	wantErr(t, s.MergeContacts(ctx, ten.ID, mine.ContactID, theirs.ContactID, 1), ErrNotFound)
	wantErr(t, func() error {
		_, err := s.UpdateContact(ctx, Contact{ID: theirs.ContactID, TenantID: ten.ID, Name: "Mallory"})
		return err
	}(), ErrNotFound)
	if tl := must[[]TimelineEntry](t)(s.ContactTimeline(ctx, ten.ID, theirs.ContactID, 0)); len(tl) != 0 {
		t.Fatalf("foreign timeline visible: %+v", tl)
	}
	if p := must[ContactPage](t)(s.Contacts(ctx, ten.ID, "x@", 10, 0)); p.Total != 1 || p.Contacts[0].ID != mine.ContactID {
		t.Fatalf("search shows %+v", p)
	}
	_, err := s.RegenerateIdentitySecret(ctx, ten.ID, ok.ID)
	wantErr(t, err, ErrInvalid)
}

func testContactVerification(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	k2 := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Shop"}))
	if sec := must[string](t)(s.IdentitySecret(ctx, k.ID)); sec != "" {
		t.Fatalf("a new connector has secret %q", sec)
	}
	secret := must[string](t)(s.RegenerateIdentitySecret(ctx, ten.ID, k.ID))
	other := must[string](t)(s.RegenerateIdentitySecret(ctx, ten.ID, k2.ID))
	if len(secret) < 32 || secret == other || must[string](t)(s.IdentitySecret(ctx, k.ID)) != secret {
		t.Fatalf("secrets %q %q", secret, other)
	}
	pd := func(user, hash string) func(*Chat) {
		return func(c *Chat) { c.PData = map[string]string{contact.PDataUserID: user, contact.PDataUserHash: hash} }
	}
	good := linked(t, s, ten.ID, k.ID, pd("u-1", contact.Sign(secret, "u-1")))
	if !good.UserVerified || good.UserID != "u-1" {
		t.Fatalf("signed user id not verified: %+v", good)
	}
	for name, mod := range map[string]func(*Chat){
		"forged":                  pd("u-1", contact.Sign("guess", "u-1")),
		"replayed for another id": pd("u-2", contact.Sign(secret, "u-1")),
		"other connector's hash":  pd("u-1", contact.Sign(other, "u-1")),
		"unsigned":                pd("u-1", ""),
	} {
		l := linked(t, s, ten.ID, k.ID, mod)
		if l.UserVerified || l.ContactID == good.ContactID {
			t.Errorf("%s: %+v is verified or joined the verified user's contact %d", name, l, good.ContactID)
		}
	}
	// The regenerated secret no longer verifies old hashes.
	must[string](t)(s.RegenerateIdentitySecret(ctx, ten.ID, k.ID))
	if l := linked(t, s, ten.ID, k.ID, pd("u-1", contact.Sign(secret, "u-1"))); l.UserVerified {
		t.Fatal("a hash of the old secret verified")
	}
	// Two verified users sharing an e-mail address are not merged, by the rules or by hand.
	secret = must[string](t)(s.IdentitySecret(ctx, k.ID))
	a := linked(t, s, ten.ID, k.ID, func(c *Chat) {
		pd("a", contact.Sign(secret, "a"))(c)
		c.VisitorEmail = "shared@example.com"
	})
	bb := linked(t, s, ten.ID, k.ID, func(c *Chat) {
		pd("b", contact.Sign(secret, "b"))(c)
		c.VisitorEmail = "shared@example.com"
	})
	if a.ContactID == bb.ContactID || !a.UserVerified || !bb.UserVerified {
		t.Fatalf("two verified users: %+v %+v", a, bb)
	}
	wantErr(t, s.MergeContacts(ctx, ten.ID, a.ContactID, bb.ContactID, 1), ErrConflict)
}

func testContactEditAndSearch(t *testing.T, b backend) {
	s, ten, k := contactFixture(t, b)
	l := linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorName = "Jo"; c.VisitorPhone = "+49 30 1234567" })
	linked(t, s, ten.ID, k.ID, func(c *Chat) { c.VisitorName = "100% Real_Name"; c.VisitorEmail = "r@example.com" })
	c := must[Contact](t)(s.Contact(ctx, ten.ID, l.ContactID))
	c.Name, c.Company, c.Notes = "Johanna", "ACME", "Prefers German.\nVIP"
	got := must[Contact](t)(s.UpdateContact(ctx, c))
	if got.Name != "Johanna" || got.Company != "ACME" || got.Notes != c.Notes || got.Phone != "+49 30 1234567" {
		t.Fatalf("updated %+v", got)
	}
	for _, bad := range []Contact{
		{ID: c.ID, TenantID: ten.ID, Name: "a\x00b"},
		{ID: c.ID, TenantID: ten.ID, Name: string(make([]rune, ContactFieldRunes+1))},
		{ID: c.ID, TenantID: ten.ID, Notes: "\xff"},
	} {
		_, err := s.UpdateContact(ctx, bad)
		wantErr(t, err, ErrInvalid)
	}
	for q, want := range map[string]int64{
		"":              2,
		"johanna":       1,
		"acme":          1,
		"4930":          1, // the phone identity, normalised
		"%":             1,
		"_":             1,
		"' OR 1=1 --":   0,
		"x%' OR '1'='1": 0,
		"\x00":          0,
	} {
		if p := must[ContactPage](t)(s.Contacts(ctx, ten.ID, q, 10, 0)); p.Total != want || int64(len(p.Contacts)) != want {
			t.Errorf("search %q: %d contacts, want %d", q, p.Total, want)
		}
	}
}

// BenchmarkLinkChat measures linking a new chat to its contact on SQLite: every other chat
// shares a browser with the one before under another e-mail address (found, kept apart).
// Run with: go test ./backend/store/ -run '^$' -bench LinkChat
func BenchmarkLinkChat(b *testing.B) {
	s := openStore(b, sqliteConfig(b))
	ten, err := s.CreateTenant(ctx, Tenant{Name: "T"})
	if err != nil {
		b.Fatal(err)
	}
	chats := make([]Chat, b.N)
	for i := range chats {
		chats[i] = Chat{ID: NewChatID(), TenantID: ten.ID, ConnectorID: 1, State: "queued", CreatedAt: now().Add(time.Duration(i) * time.Millisecond),
			VisitorID: fmt.Sprintf("v%d", i/2), VisitorEmail: fmt.Sprintf("p%d@example.com", i)}
	}
	for i := range chats {
		if err := s.Commit(ctx, Write{Chat: &chats[i]}); err != nil {
			b.Fatal(err)
		}
	}
	// The linker links them as they are written: wait for that, then start from no contacts.
	for {
		var n int64
		if err := s.r.Model(&contactChatRow{}).Count(&n).Error; err != nil {
			b.Fatal(err)
		}
		if n == int64(len(chats)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, table := range []string{"contact_chats", "contact_identities", "contact_merges", "contacts"} {
		if err := s.w.Exec("DELETE FROM " + table).Error; err != nil {
			b.Fatal(err)
		}
	}
	s.linked.Clear()
	b.ResetTimer()
	for i := range chats {
		if err := s.LinkChat(ctx, chats[i]); err != nil {
			b.Fatal(err)
		}
	}
}
