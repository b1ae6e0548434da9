package presence

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func visitor(id string, tenant, conn int64, addr string) Visitor {
	return Visitor{ID: id, TenantID: tenant, ConnectorID: conn, ConnectorName: "Web", Address: addr, VisitorID: "b-" + id, Page: "https://shop.example/" + id}
}

func ids(r *Registry, tenant int64) []string {
	var out []string
	for _, v := range r.Online(tenant) {
		out = append(out, v.ID)
	}
	return out
}

func TestCapsPerAddressAndConnector(t *testing.T) {
	r := New(Limits{PerAddress: 2, PerConnector: 3})
	must := func(v Visitor, want error) {
		t.Helper()
		if _, err := r.Join(t0, v); !errors.Is(err, want) {
			t.Fatalf("join %s: %v, want %v", v.ID, err, want)
		}
	}
	must(visitor("a", 1, 10, "1.1.1.1"), nil)
	must(visitor("b", 1, 10, "1.1.1.1"), nil)
	must(visitor("c", 1, 10, "1.1.1.1"), ErrAddressFull)
	// The same address on another tenant's site has its own count.
	must(visitor("d", 2, 20, "1.1.1.1"), nil)
	must(visitor("e", 1, 10, "2.2.2.2"), nil)
	must(visitor("f", 1, 10, "3.3.3.3"), ErrConnectorFull)
	// One leaves: room again, for the address and the connector.
	r.Disconnect(t0, "a")
	must(visitor("g", 1, 10, "1.1.1.1"), nil)
	if got := r.Len(); got != 4 {
		t.Fatalf("len %d", got)
	}
}

func TestFloodStaysBounded(t *testing.T) {
	r := New(Limits{PerAddress: 20, PerConnector: 500})
	for i := range 2000 {
		_, _ = r.Join(t0, visitor(fmt.Sprint("v", i), 1, 10, fmt.Sprint("10.0.", i/100, ".", i%100)))
		r.View(t0, fmt.Sprint("v", i), strings.Repeat("x", 5000), strings.Repeat("y", 5000), "a\x00b")
	}
	if r.Len() != 500 {
		t.Fatalf("len %d, want the connector cap", r.Len())
	}
	on := r.Online(1)
	if len(on) != 200 {
		t.Fatalf("listed %d, want the protocol's cap", len(on))
	}
	for _, v := range on {
		if len(v.Page) > 2048 || len(v.Title) > 200 || strings.Contains(v.Referrer, "\x00") {
			t.Fatalf("unclipped: %d %d %q", len(v.Page), len(v.Title), v.Referrer)
		}
	}
}

func TestIdleVisitorsAreDropped(t *testing.T) {
	r := New(Limits{Idle: time.Minute})
	_, _ = r.Join(t0, visitor("a", 1, 10, "x"))
	_, _ = r.Join(t0, visitor("b", 1, 10, "y"))
	r.Beat(t0.Add(50*time.Second), "a")
	idle, left := r.Sweep(t0.Add(time.Minute))
	if !slices.Equal(idle, []string{"b"}) || left != nil {
		t.Fatalf("idle %v left %v", idle, left)
	}
	if got := ids(r, 1); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("online %v", got)
	}
	if idle, _ := r.Sweep(t0.Add(110 * time.Second)); !slices.Equal(idle, []string{"a"}) {
		t.Fatalf("idle %v", idle)
	}
}

func TestInvitationLifecycle(t *testing.T) {
	r := New(Limits{LeftGrace: 15 * time.Second})
	_, _ = r.Join(t0, visitor("a", 1, 10, "x"))
	if _, err := r.Invite(2, "a", "ch1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another tenant's agent invited: %v", err)
	}
	if _, err := r.Invite(1, "nobody", "ch1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := r.Invite(1, "a", "ch1"); err != nil {
		t.Fatal(err)
	}
	// Two agents racing: the second is refused.
	if _, err := r.Invite(1, "a", "ch2"); !errors.Is(err, ErrInvited) {
		t.Fatalf("second invitation: %v", err)
	}
	if on := r.Online(1); len(on) != 1 || on[0].Chat != "ch1" {
		t.Fatalf("online %+v", on)
	}
	// The visitor moves to another page: the socket goes, the next page reports them again.
	r.Disconnect(t0.Add(time.Second), "a")
	if got := ids(r, 1); len(got) != 0 {
		t.Fatalf("a gone page is listed: %v", got)
	}
	// Another browser from the same address is another visitor.
	if id, err := r.Join(t0.Add(2*time.Second), visitor("new", 1, 10, "x")); err != nil || id != "new" {
		t.Fatalf("another browser: %q %v", id, err)
	}
	v := visitor("a2", 1, 10, "x")
	v.VisitorID = "b-a"
	if id, err := r.Join(t0.Add(3*time.Second), v); err != nil || id != "a" {
		t.Fatalf("the same browser on the next page: %q %v", id, err)
	}
	if got, ok := r.Invited("ch1"); !ok || got.ID != "a" {
		t.Fatalf("invitation lost across pages: %+v %v", got, ok)
	}
	if _, left := r.Sweep(t0.Add(time.Minute)); left != nil {
		t.Fatalf("left %v while on the site", left)
	}
	// The visitor answers: the invitation is over, once; they are in the chat, not invited
	// again, until it ends.
	if !r.Answered("ch1") || r.Answered("ch1") {
		t.Fatal("answered not once")
	}
	if on := r.Online(1); on[len(on)-1].Chat != "" || on[len(on)-1].InChat != "ch1" {
		t.Fatalf("online %+v", on)
	}
	if _, err := r.Invite(1, "a", "ch2"); !errors.Is(err, ErrInvited) {
		t.Fatalf("invited while in a chat: %v", err)
	}
	if _, ok := r.EndInvite("ch1"); ok {
		t.Fatal("an answered invitation ended as open")
	}
	if _, ok := r.EndInvite("ch1"); ok {
		t.Fatal("ended twice")
	}
	if _, err := r.Invite(1, "a", "ch3"); err != nil {
		t.Fatalf("invite again after the chat: %v", err)
	}
}

// A browser may open the next page's socket before the last page's goes away: the invited
// visitor is taken up by the new page at once, and keeps their id and invitation; a visitor
// who was not invited is another presence (a second tab), not taken over.
func TestNextPageBeforeTheLastCloses(t *testing.T) {
	r := New(Limits{LeftGrace: 15 * time.Second})
	_, _ = r.Join(t0, visitor("a", 1, 10, "x"))
	_, _ = r.Join(t0, visitor("c", 1, 10, "x"))
	if _, err := r.Invite(1, "a", "ch1"); err != nil {
		t.Fatal(err)
	}
	next := visitor("a2", 1, 10, "x")
	next.VisitorID = "b-a"
	if id, err := r.Join(t0.Add(time.Second), next); err != nil || id != "a" {
		t.Fatalf("the next page while the last is open: %q %v", id, err)
	}
	if got, ok := r.Invited("ch1"); !ok || got.ID != "a" || got.Page != next.Page {
		t.Fatalf("invitation after the next page: %+v %v", got, ok)
	}
	if r.Len() != 2 {
		t.Fatalf("%d visitors held, want 2", r.Len())
	}
	tab := visitor("c2", 1, 10, "x")
	tab.VisitorID = "b-c"
	if id, err := r.Join(t0.Add(time.Second), tab); err != nil || id != "c2" {
		t.Fatalf("a second tab of a visitor not invited: %q %v", id, err)
	}
	if _, left := r.Sweep(t0.Add(time.Minute)); left != nil {
		t.Fatalf("left %v while on the site", left)
	}
}

func TestInvitedVisitorWhoLeaves(t *testing.T) {
	r := New(Limits{LeftGrace: 15 * time.Second})
	_, _ = r.Join(t0, visitor("a", 1, 10, "x"))
	_, _ = r.Invite(1, "a", "ch1")
	r.Disconnect(t0.Add(time.Second), "a")
	if _, left := r.Sweep(t0.Add(15 * time.Second)); left != nil {
		t.Fatalf("left before the grace time: %v", left)
	}
	_, left := r.Sweep(t0.Add(16 * time.Second))
	if !slices.Equal(left, []Left{{ID: "a", Chat: "ch1"}}) {
		t.Fatalf("left %v", left)
	}
	if r.Len() != 0 {
		t.Fatal("kept")
	}
	if _, ok := r.EndInvite("ch1"); ok {
		t.Fatal("a left invitation still open")
	}
	// An invited visitor going idle is treated as gone, then left.
	_, _ = r.Join(t0, visitor("b", 1, 10, "x"))
	_, _ = r.Invite(1, "b", "ch2")
	if idle, _ := r.Sweep(t0.Add(3 * time.Minute)); !slices.Equal(idle, []string{"b"}) {
		t.Fatalf("idle %v", idle)
	}
	if _, left := r.Sweep(t0.Add(3*time.Minute + 15*time.Second)); !slices.Equal(left, []Left{{ID: "b", Chat: "ch2"}}) {
		t.Fatalf("left %v", left)
	}
}

func TestDropConnectorAndDirty(t *testing.T) {
	r := New(Limits{})
	_, _ = r.Join(t0, visitor("a", 1, 10, "x"))
	_, _ = r.Join(t0.Add(time.Second), visitor("b", 1, 11, "x"))
	_, _ = r.Join(t0, visitor("c", 2, 20, "x"))
	_, _ = r.Invite(1, "a", "ch1")
	if got := r.TakeDirty(); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("dirty %v", got)
	}
	if got := r.TakeDirty(); len(got) != 0 {
		t.Fatalf("dirty again %v", got)
	}
	r.Beat(t0.Add(time.Second), "a") // a heartbeat changes nothing agents see
	if got := r.TakeDirty(); len(got) != 0 {
		t.Fatalf("dirty after a beat %v", got)
	}
	gone, chats := r.DropConnector(10)
	if !slices.Equal(gone, []string{"a"}) || !slices.Equal(chats, []string{"ch1"}) {
		t.Fatalf("dropped %v %v", gone, chats)
	}
	if got := ids(r, 1); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("online %v", got)
	}
	if got := r.TakeDirty(); !slices.Equal(got, []int64{1}) {
		t.Fatalf("dirty %v", got)
	}
}
