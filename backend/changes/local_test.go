package changes

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// patience bounds every wait for a delivery, so that a broken bus fails the test instead of
// hanging it; it is not a speed requirement.
const patience = 10 * time.Second

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatal("nothing delivered")
		var zero T
		return zero
	}
}

func newBus(t *testing.T) *Local {
	l := NewLocal()
	t.Cleanup(l.Close)
	return l
}

func TestJSON(t *testing.T) {
	s := Setting{Kind: KindConnector, TenantID: 3, ID: 7, Deleted: true}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"kind":"connector","tenant":3,"id":7,"deleted":true}` {
		t.Fatalf("setting encodes as %s", b)
	}
	var back Setting
	if err := json.Unmarshal(b, &back); err != nil || back != s {
		t.Fatalf("setting round trip: %+v, %v", back, err)
	}
	e := ChatEvent{ChatID: "c1", TenantID: 3, Seq: 9, VisitorSeq: 4, Type: "message",
		Data: json.RawMessage(`{"text":"hi"}`), At: time.Date(2026, 5, 1, 12, 0, 0, 1000, time.UTC)}
	b, err = json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var eb ChatEvent
	if err := json.Unmarshal(b, &eb); err != nil || !reflect.DeepEqual(eb, e) {
		t.Fatalf("chat event round trip: %s -> %+v, %v", b, eb, err)
	}
}

func TestChatsSynchronousInOrder(t *testing.T) {
	l := newBus(t)
	var a, b []uint64
	cancelA := l.SubscribeChats(func(e ChatEvent) { a = append(a, e.Seq) })
	defer cancelA()
	l.SubscribeChats(func(e ChatEvent) { b = append(b, e.Seq) })
	for i := uint64(1); i <= 1000; i++ {
		l.PublishChat(ChatEvent{ChatID: "c", Seq: i})
		// Delivered before PublishChat returns, on this goroutine (no lock needed to read).
		if len(a) != int(i) || a[i-1] != i || len(b) != int(i) || b[i-1] != i {
			t.Fatalf("after publishing %d: a=%d b=%d events", i, len(a), len(b))
		}
	}
}

func TestChatsCancel(t *testing.T) {
	l := newBus(t)
	var n int
	var cancel func()
	cancel = l.SubscribeChats(func(e ChatEvent) {
		n++
		if e.Seq == 2 {
			cancel() // from the handler itself
		}
	})
	for i := uint64(1); i <= 5; i++ {
		l.PublishChat(ChatEvent{Seq: i})
	}
	if n != 2 {
		t.Fatalf("calls after cancel: got %d calls, want 2", n)
	}
	cancel() // twice is harmless
	var m int
	other := l.SubscribeChats(func(ChatEvent) { m++ })
	l.PublishChat(ChatEvent{Seq: 6})
	other()
	l.PublishChat(ChatEvent{Seq: 7})
	if m != 1 {
		t.Fatalf("got %d calls, want 1", m)
	}
}

// TestChatsConcurrentSubscribers subscribes and cancels while one goroutine publishes: every
// subscriber sees an unbroken, increasing run of the published events.
func TestChatsConcurrentSubscribers(t *testing.T) {
	l := newBus(t)
	const events = 20000
	var full []uint64
	cancelFull := l.SubscribeChats(func(e ChatEvent) { full = append(full, e.Seq) })
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				var mu sync.Mutex
				var seen []uint64
				cancel := l.SubscribeChats(func(e ChatEvent) {
					mu.Lock()
					seen = append(seen, e.Seq)
					mu.Unlock()
				})
				for range 50 {
					mu.Lock()
					n := len(seen)
					mu.Unlock()
					if n > 10 {
						break
					}
				}
				cancel()
				mu.Lock()
				for i := 1; i < len(seen); i++ {
					if seen[i] != seen[i-1]+1 {
						errs <- "gap or disorder in a subscriber's events"
						break
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := uint64(1); i <= events; i++ {
		l.PublishChat(ChatEvent{Seq: i})
	}
	stop.Store(true)
	wg.Wait()
	cancelFull()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if len(full) != events {
		t.Fatalf("the subscriber present throughout got %d of %d events", len(full), events)
	}
	for i, s := range full {
		if s != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, s)
		}
	}
}

func TestSettingsInOrderOnOwnGoroutine(t *testing.T) {
	l := newBus(t)
	got := make(chan Setting, 1000)
	release := make(chan struct{})
	l.SubscribeSettings(func(s Setting) {
		<-release // a slow subscriber
		got <- s
	})
	fast := make(chan Setting, 1000)
	l.SubscribeSettings(func(s Setting) { fast <- s })
	for i := range int64(1000) {
		// Returns although the first subscriber handles nothing yet.
		l.PublishSetting(Setting{Kind: KindConnector, TenantID: 1, ID: i})
	}
	for i := range int64(1000) {
		if s := recv(t, fast); s.ID != i {
			t.Fatalf("fast subscriber: change %d has id %d", i, s.ID)
		}
	}
	close(release)
	for i := range int64(1000) {
		if s := recv(t, got); s.ID != i {
			t.Fatalf("slow subscriber: change %d has id %d", i, s.ID)
		}
	}
}

// blocked subscribes a handler that reports each change on entered and then waits for a value
// on proceed before returning.
func blocked(l *Local) (entered chan Setting, proceed chan struct{}, cancel func()) {
	entered, proceed = make(chan Setting, 100), make(chan struct{})
	cancel = l.SubscribeSettings(func(s Setting) {
		entered <- s
		<-proceed
	})
	return entered, proceed, cancel
}

func TestSettingsCoalesce(t *testing.T) {
	l := newBus(t)
	entered, proceed, _ := blocked(l)
	first := Setting{Kind: KindTenant, TenantID: 1, ID: 1}
	a := Setting{Kind: KindConnector, TenantID: 1, ID: 5}
	b := Setting{Kind: KindIPBlocks, TenantID: 1}
	l.PublishSetting(first)
	if recv(t, entered) != first {
		t.Fatal("first change not delivered")
	}
	// The subscriber is busy with first: these wait, and runs of equal changes collapse.
	for _, s := range []Setting{a, a, a, b, b, a, first} {
		l.PublishSetting(s)
	}
	var got []Setting
	for range 4 {
		proceed <- struct{}{}
		got = append(got, recv(t, entered))
	}
	if want := []Setting{a, b, a, first}; !reflect.DeepEqual(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	// The change being delivered is not pending any more: publishing it again while its
	// handler runs delivers it again.
	l.PublishSetting(first)
	proceed <- struct{}{}
	if recv(t, entered) != first {
		t.Fatal("a change equal to the one being delivered was dropped")
	}
	close(proceed)
}

func TestSettingsCancel(t *testing.T) {
	l := NewLocal()
	entered, proceed, cancel := blocked(l)
	l.PublishSetting(Setting{Kind: KindTenant, ID: 1})
	recv(t, entered)
	l.PublishSetting(Setting{Kind: KindTenant, ID: 2})
	cancel() // while the first is being handled and the second waits
	cancel()
	close(proceed)
	l.PublishSetting(Setting{Kind: KindTenant, ID: 3})
	l.Close() // waits for the subscriber's goroutine
	if len(entered) != 0 {
		t.Fatalf("delivered after cancel: %v", <-entered)
	}

	// Cancelling from the handler itself.
	l = newBus(t)
	got := make(chan Setting, 10)
	var self func()
	self = l.SubscribeSettings(func(s Setting) {
		got <- s
		self()
	})
	witness := make(chan Setting, 10)
	l.SubscribeSettings(func(s Setting) { witness <- s })
	l.PublishSetting(Setting{Kind: KindTenant, ID: 1})
	recv(t, got)
	recv(t, witness)
	l.PublishSetting(Setting{Kind: KindTenant, ID: 2})
	recv(t, witness)
	l.Close()
	if len(got) != 0 {
		t.Fatal("delivered after cancelling from the handler")
	}
}

func TestClose(t *testing.T) {
	l := NewLocal()
	entered, proceed, _ := blocked(l)
	var chats int
	l.SubscribeChats(func(ChatEvent) { chats++ })
	l.PublishSetting(Setting{Kind: KindTenant, ID: 1})
	recv(t, entered)
	l.PublishSetting(Setting{Kind: KindTenant, ID: 2})
	sub := l.settings[0]
	closed := make(chan struct{})
	go func() {
		l.Close() // drops the waiting change and waits for the goroutine
		close(closed)
	}()
	<-sub.stop
	close(proceed)
	<-closed
	l.Close()
	if len(entered) != 0 {
		t.Fatal("a waiting change was delivered after Close")
	}
	l.PublishChat(ChatEvent{Seq: 1})
	l.PublishSetting(Setting{Kind: KindTenant, ID: 3})
	if chats != 0 {
		t.Fatal("chat event delivered after Close")
	}
	l.SubscribeChats(func(ChatEvent) { t.Error("chat subscriber called after Close") })()
	l.SubscribeSettings(func(Setting) { t.Error("settings subscriber called after Close") })()
	l.PublishChat(ChatEvent{Seq: 2})
	l.PublishSetting(Setting{Kind: KindTenant, ID: 4})
}

// TestSettingsConcurrent publishes from several goroutines to several subscribers while others
// come and go: each subscriber present throughout gets every change, each publisher's in order.
func TestSettingsConcurrent(t *testing.T) {
	l := newBus(t)
	const publishers, each = 4, 2000
	type sub struct {
		ch chan Setting
	}
	subs := make([]sub, 3)
	for i := range subs {
		subs[i].ch = make(chan Setting, publishers*each)
		ch := subs[i].ch
		l.SubscribeSettings(func(s Setting) { ch <- s })
	}
	var churn sync.WaitGroup
	var stop atomic.Bool
	churn.Add(1)
	go func() {
		defer churn.Done()
		for !stop.Load() {
			l.SubscribeSettings(func(Setting) {})()
		}
	}()
	var wg sync.WaitGroup
	for p := range int64(publishers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range int64(each) {
				l.PublishSetting(Setting{Kind: KindUser, TenantID: p, ID: i})
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	churn.Wait()
	for n, s := range subs {
		next := make([]int64, publishers)
		for range publishers * each {
			c := recv(t, s.ch)
			if c.ID != next[c.TenantID] {
				t.Fatalf("subscriber %d: publisher %d's change %d came before %d", n, c.TenantID, c.ID, next[c.TenantID])
			}
			next[c.TenantID]++
		}
	}
}

// TestFlush: Flush returns once every subscriber has handled what was published before it.
func TestFlush(t *testing.T) {
	l := NewLocal()
	defer l.Close()
	var handled atomic.Int64
	release := make(chan struct{})
	l.SubscribeSettings(func(Setting) { <-release; handled.Add(1) })
	l.SubscribeSettings(func(Setting) { handled.Add(1) })
	for i := range 3 {
		l.PublishSetting(Setting{Kind: KindConnector, ID: int64(i)})
	}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Flush(short); err == nil {
		t.Fatal("Flush returned while a subscriber was still busy")
	}
	close(release)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := handled.Load(); n != 6 {
		t.Fatalf("%d handled after Flush, want 6", n)
	}
}
