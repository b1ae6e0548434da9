package settings_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/settings"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/survey"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var ctx = context.Background()

// patience bounds waits for deliveries so that a bug fails instead of hanging; it is not a
// speed requirement.
const patience = 10 * time.Second

// backends are the databases every test runs on.
var backends = []struct {
	name   string
	config func(tb testing.TB) store.Config
}{
	{"sqlite", func(tb testing.TB) store.Config { return store.Config{DataDir: tb.TempDir()} }},
	{"postgres", func(tb testing.TB) store.Config { return store.Config{DatabaseURL: pgtest.URL(tb)} }},
}

// eachBackend runs fn on SQLite and on PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b.config(t)))
		})
	}
}

// countingStore is the real store, counting the cache's reads of it. A gate, when set, holds
// the next read of one method after it has read the database, until released.
type countingStore struct {
	*store.Store
	mu   sync.Mutex
	n    map[string]int
	gate *gate
}

type gate struct {
	method  string
	reached chan struct{} // closed when the held read has its (old) value
	release chan struct{}
}

func (s *countingStore) count(method string) *gate {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[method]++
	if g := s.gate; g != nil && g.method == method {
		s.gate = nil
		return g
	}
	return nil
}

// hold makes the next read of method wait, once it has read the database, until release is
// closed or its context ends.
func (s *countingStore) hold(method string) *gate {
	g := &gate{method: method, reached: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.gate = g
	s.mu.Unlock()
	return g
}

func (s *countingStore) calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[method]
}

func read[V any](ctx context.Context, s *countingStore, method string, v V, err error) (V, error) {
	if g := s.count(method); g != nil {
		close(g.reached)
		select {
		case <-g.release:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
	}
	return v, err
}

func (s *countingStore) ConnectorByHash(ctx context.Context, hash string) (store.Connector, error) {
	v, err := s.Store.ConnectorByHash(ctx, hash)
	return read(ctx, s, "ConnectorByHash", v, err)
}

func (s *countingStore) Connector(ctx context.Context, id int64) (store.Connector, error) {
	v, err := s.Store.Connector(ctx, id)
	return read(ctx, s, "Connector", v, err)
}

func (s *countingStore) SurveyFields(ctx context.Context, connectorID int64, kind string) ([]store.SurveyField, error) {
	v, err := s.Store.SurveyFields(ctx, connectorID, kind)
	return read(ctx, s, "SurveyFields", v, err)
}

func (s *countingStore) Tenant(ctx context.Context, id int64) (store.Tenant, error) {
	v, err := s.Store.Tenant(ctx, id)
	return read(ctx, s, "Tenant", v, err)
}

func (s *countingStore) TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error) {
	v, err := s.Store.TenantSettings(ctx, tenantID)
	return read(ctx, s, "TenantSettings", v, err)
}

func (s *countingStore) IPBlocks(ctx context.Context, tenantID int64) ([]store.IPBlock, error) {
	v, err := s.Store.IPBlocks(ctx, tenantID)
	return read(ctx, s, "IPBlocks", v, err)
}

func (s *countingStore) MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error) {
	v, err := s.Store.MailSettings(ctx, tenantID)
	return read(ctx, s, "MailSettings", v, err)
}

// applied tells the test when the cache has handled a change: it wraps the cache's
// subscription to the real bus.
type applied struct {
	bus *changes.Local
	ch  chan changes.Setting
}

func (a applied) SubscribeSettings(f func(changes.Setting)) func() {
	return a.bus.SubscribeSettings(func(s changes.Setting) {
		f(s)
		a.ch <- s
	})
}

// env is a real store publishing on a real bus, and a cache reading the store through a
// counter and following the bus.
type env struct {
	st      *store.Store
	cs      *countingStore
	bus     *changes.Local
	applied chan changes.Setting
	cache   *settings.Cache
	marks   int64

	ten  store.Tenant
	conn store.Connector
}

func newEnv(t *testing.T, cfg store.Config) *env {
	e := &env{bus: changes.NewLocal(), applied: make(chan changes.Setting, 1000)}
	cfg.Changes = e.bus
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Cleanup(e.bus.Close)
	e.st = st
	e.cs = &countingStore{Store: st, n: map[string]int{}}
	e.cache = settings.New(e.cs, applied{bus: e.bus, ch: e.applied})
	t.Cleanup(e.cache.Close)

	e.ten = must(st.CreateTenant(ctx, store.Tenant{Name: "Shop", TimeZone: "Europe/Berlin", DefaultLang: "de"}))(t)
	e.conn = must(st.CreateConnector(ctx, store.Connector{TenantID: e.ten.ID, Name: "Web", Title: "Chat with us",
		Texts: map[string]string{"bye": "Bye"}}))(t)
	e.settle(t)
	return e
}

// must returns v, failing the test if err is set: must(f())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// settle returns once the cache has handled every change published so far: changes reach it
// in publish order, so a marker published now arrives after them.
func (e *env) settle(t *testing.T) {
	t.Helper()
	e.marks++
	marker := changes.Setting{Kind: "test_marker", ID: e.marks}
	e.bus.PublishSetting(marker)
	for {
		select {
		case s := <-e.applied:
			if s == marker {
				return
			}
		case <-time.After(patience):
			t.Fatal("the cache handled no marker")
		}
	}
}

func wantEqual[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mismatch\n got: %+v\nwant: %+v", got, want)
	}
}

func (e *env) wantCalls(t *testing.T, method string, n int) {
	t.Helper()
	if got := e.cs.calls(method); got != n {
		t.Fatalf("%s read the store %d times, want %d", method, got, n)
	}
}

func TestReadsFromMemory(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		st, c := e.st, e.cache
		pre := must(st.CreateSurveyField(ctx, store.SurveyField{TenantID: e.ten.ID, ConnectorID: e.conn.ID, Kind: store.SurveyPreChat,
			Field: survey.Field{Name: "name", Type: "text", Prompt: "Name", ValidateLow: -1, ValidateHigh: -1}}))(t)
		post := must(st.CreateSurveyField(ctx, store.SurveyField{TenantID: e.ten.ID, ConnectorID: e.conn.ID, Kind: store.SurveyPostChat,
			Field: survey.Field{Name: "rating", Type: "rating", Prompt: "Rating", ValidateLow: 1, ValidateHigh: 5}}))(t)
		ts := store.DefaultTenantSettings(e.ten.ID)
		ts.MaxChatsPerIP = 2
		ts = must(st.SaveTenantSettings(ctx, ts))(t)
		must(st.CreateIPBlock(ctx, store.IPBlock{TenantID: e.ten.ID, Prefix: "203.0.113.0/24"}))(t)
		must(st.CreateIPBlock(ctx, store.IPBlock{TenantID: e.ten.ID, Prefix: "2001:db8::1"}))(t)
		e.settle(t)

		for range 3 {
			wantEqual(t, must(c.ConnectorByHash(ctx, e.conn.Hash))(t), e.conn)
			wantEqual(t, must(c.Connector(ctx, e.conn.ID))(t), e.conn)
			wantEqual(t, must(c.Survey(ctx, e.conn.ID))(t), settings.Survey{Pre: []store.SurveyField{pre}, Post: []store.SurveyField{post}})
			wantEqual(t, must(c.Tenant(ctx, e.ten.ID))(t), e.ten)
			wantEqual(t, must(c.TenantSettings(ctx, e.ten.ID))(t), ts)
			for ip, want := range map[string]bool{
				"203.0.113.9": true, "::ffff:203.0.113.9": true, "203.0.114.1": false,
				"2001:db8::1": true, "2001:db8::2": false, "not an address": false,
			} {
				if got := must(c.IPBlocked(ctx, e.ten.ID, ip))(t); got != want {
					t.Fatalf("IPBlocked(%s) = %v, want %v", ip, got, want)
				}
				if byStore := must(st.IPBlocked(ctx, e.ten.ID, ip))(t); byStore != want {
					t.Fatalf("the store says IPBlocked(%s) = %v", ip, byStore)
				}
			}
		}
		for _, m := range []string{"ConnectorByHash", "Connector", "SurveyFields", "Tenant", "TenantSettings", "IPBlocks"} {
			e.wantCalls(t, m, 1)
		}

		// A tenant without settings or blocks, and an unknown hash, which is not remembered.
		other := must(st.CreateTenant(ctx, store.Tenant{Name: "Other"}))(t)
		wantEqual(t, must(c.TenantSettings(ctx, other.ID))(t), store.DefaultTenantSettings(other.ID))
		if blocked := must(c.IPBlocked(ctx, other.ID, "203.0.113.9"))(t); blocked {
			t.Fatal("another tenant's block applied")
		}
		for range 2 {
			if _, err := c.ConnectorByHash(ctx, "nosuchhash"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("unknown hash: %v", err)
			}
		}
		e.wantCalls(t, "ConnectorByHash", 3)
	})
}

func TestSavesVisibleAfterDelivery(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		st, c := e.st, e.cache
		other := must(st.CreateTenant(ctx, store.Tenant{Name: "Other"}))(t)
		e.settle(t)
		// Fill the cache.
		must(c.ConnectorByHash(ctx, e.conn.Hash))(t)
		must(c.Connector(ctx, e.conn.ID))(t)
		must(c.Survey(ctx, e.conn.ID))(t)
		must(c.Tenant(ctx, e.ten.ID))(t)
		must(c.TenantSettings(ctx, e.ten.ID))(t)
		must(c.IPBlocked(ctx, e.ten.ID, "192.0.2.1"))(t)
		must(c.TenantSettings(ctx, other.ID))(t)

		// Another tenant's change leaves this tenant's values alone.
		must(st.SaveTenantSettings(ctx, store.TenantSettings{TenantID: other.ID, MaxAttachmentKB: 1}))(t)
		e.settle(t)
		must(c.TenantSettings(ctx, e.ten.ID))(t)
		e.wantCalls(t, "TenantSettings", 2)

		conn := e.conn
		conn.Title, conn.Texts = "Talk to us", map[string]string{"bye": "See you", "bye#de": "Tschüss"}
		conn = must(st.UpdateConnector(ctx, conn))(t)
		e.settle(t)
		wantEqual(t, must(c.ConnectorByHash(ctx, conn.Hash))(t), conn)
		wantEqual(t, must(c.Connector(ctx, conn.ID))(t), conn)

		f := must(st.CreateSurveyField(ctx, store.SurveyField{TenantID: e.ten.ID, ConnectorID: conn.ID, Kind: store.SurveyPreChat,
			Field: survey.Field{Name: "email", Type: "email", Prompt: "E-mail", ValidateLow: -1, ValidateHigh: -1}}))(t)
		e.settle(t)
		wantEqual(t, must(c.Survey(ctx, conn.ID))(t), settings.Survey{Pre: []store.SurveyField{f}})
		f.Prompt = "Your e-mail"
		f = must(st.UpdateSurveyField(ctx, f))(t)
		e.settle(t)
		wantEqual(t, must(c.Survey(ctx, conn.ID))(t), settings.Survey{Pre: []store.SurveyField{f}})
		if err := st.DeleteSurveyField(ctx, e.ten.ID, f.ID); err != nil {
			t.Fatal(err)
		}
		e.settle(t)
		wantEqual(t, must(c.Survey(ctx, conn.ID))(t), settings.Survey{})

		ten := e.ten
		ten.TimeZone, ten.DefaultLang = "America/New_York", "fr"
		ten = must(st.UpdateTenant(ctx, ten))(t)
		e.settle(t)
		wantEqual(t, must(c.Tenant(ctx, ten.ID))(t), ten)

		ts := must(st.SaveTenantSettings(ctx, store.TenantSettings{TenantID: ten.ID, MaxAttachmentKB: 10, MaxChatsPerIP: 1}))(t)
		e.settle(t)
		wantEqual(t, must(c.TenantSettings(ctx, ten.ID))(t), ts)

		b := must(st.CreateIPBlock(ctx, store.IPBlock{TenantID: ten.ID, Prefix: "192.0.2.0/24"}))(t)
		e.settle(t)
		if !must(c.IPBlocked(ctx, ten.ID, "192.0.2.1"))(t) {
			t.Fatal("a new block does not apply")
		}
		if err := st.DeleteIPBlock(ctx, ten.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		e.settle(t)
		if must(c.IPBlocked(ctx, ten.ID, "192.0.2.1"))(t) {
			t.Fatal("a deleted block still applies")
		}
	})
}

// TestChangeDuringLoad: a change that arrives while a load of its key is in flight must not
// let the load's old value be kept, and readers after the change must not get it.
// TestMailSettingsFollowChanges: a visitor connect asks whether transcripts can be mailed; the
// answer comes from memory, and a saved change is seen once delivered.
func TestMailSettingsFollowChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		st, c := e.st, e.cache
		for range 3 {
			if must(c.MailSettings(ctx, e.ten.ID))(t).Configured() {
				t.Fatal("a tenant without SMTP settings is configured")
			}
		}
		e.wantCalls(t, "MailSettings", 1)
		saved := must(st.SaveMailSettings(ctx, store.MailSettings{TenantID: e.ten.ID, Host: "smtp.example.com", Port: 587,
			TLS: store.MailTLSStartTLS, FromAddress: "chat@example.com"}))(t)
		e.settle(t)
		wantEqual(t, must(c.MailSettings(ctx, e.ten.ID))(t), saved)
		must(c.MailSettings(ctx, e.ten.ID))(t)
		e.wantCalls(t, "MailSettings", 2)
	})
}

func TestChangeDuringLoad(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		st, c := e.st, e.cache
		t.Run("TenantSettings", func(t *testing.T) {
			old := must(st.TenantSettings(ctx, e.ten.ID))(t)
			g := e.cs.hold("TenantSettings")
			first := make(chan store.TenantSettings, 1)
			go func() {
				v, _ := c.TenantSettings(ctx, e.ten.ID)
				first <- v
			}()
			<-g.reached // the load has read the old settings and is held
			saved := must(st.SaveTenantSettings(ctx, store.TenantSettings{TenantID: e.ten.ID, MaxAttachmentKB: 7, MaxChatsPerIP: 4}))(t)
			e.settle(t)
			// A reader after the change loads anew, while the old load is still held.
			wantEqual(t, must(c.TenantSettings(ctx, e.ten.ID))(t), saved)
			close(g.release)
			wantEqual(t, <-first, old) // asked before the change
			wantEqual(t, must(c.TenantSettings(ctx, e.ten.ID))(t), saved)
			e.wantCalls(t, "TenantSettings", 2)
		})
		t.Run("ConnectorByHash", func(t *testing.T) {
			// A load by hash learns its connector's id only when it ends.
			g := e.cs.hold("ConnectorByHash")
			first := make(chan store.Connector, 1)
			go func() {
				v, _ := c.ConnectorByHash(ctx, e.conn.Hash)
				first <- v
			}()
			<-g.reached
			conn := e.conn
			conn.Title = "Changed while loading"
			conn = must(st.UpdateConnector(ctx, conn))(t)
			e.settle(t)
			close(g.release)
			if v := <-first; v.Title != e.conn.Title {
				t.Fatalf("the held load returned %q", v.Title)
			}
			wantEqual(t, must(c.ConnectorByHash(ctx, conn.Hash))(t), conn)
			e.wantCalls(t, "ConnectorByHash", 2)
		})
	})
}

// TestColdBurst: many readers of a key not yet loaded make one store read.
func TestColdBurst(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const readers = 2000
		start := make(chan struct{})
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c, err := e.cache.ConnectorByHash(ctx, e.conn.Hash)
				if err != nil || c.ID != e.conn.ID {
					failed.Add(1)
				}
				if _, err := e.cache.TenantSettings(ctx, e.ten.ID); err != nil {
					failed.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		if n := failed.Load(); n != 0 {
			t.Fatalf("%d reads failed", n)
		}
		e.wantCalls(t, "ConnectorByHash", 1)
		e.wantCalls(t, "TenantSettings", 1)
	})
}

// TestReaderGivesUp: a reader whose context ends stops waiting; the load goes on for the others.
func TestReaderGivesUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		g := e.cs.hold("Tenant")
		rctx, cancel := context.WithCancel(ctx)
		gaveUp := make(chan error, 1)
		go func() {
			_, err := e.cache.Tenant(rctx, e.ten.ID)
			gaveUp <- err
		}()
		<-g.reached
		cancel()
		if err := <-gaveUp; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		close(g.release)
		wantEqual(t, must(e.cache.Tenant(ctx, e.ten.ID))(t), e.ten)
		e.wantCalls(t, "Tenant", 1)
	})
}

// TestClose: Close cancels a load in flight and waits for it; reads after it fail.
func TestClose(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		must(e.cache.Tenant(ctx, e.ten.ID))(t)
		g := e.cs.hold("Connector")
		waiting := make(chan error, 1)
		go func() {
			_, err := e.cache.Connector(ctx, e.conn.ID)
			waiting <- err
		}()
		<-g.reached
		e.cache.Close() // the held load sees its context cancelled
		if err := <-waiting; err == nil {
			t.Fatal("a load cancelled by Close succeeded")
		}
		for _, err := range []error{
			func() error { _, err := e.cache.Tenant(ctx, e.ten.ID); return err }(),
			func() error { _, err := e.cache.Connector(ctx, e.conn.ID); return err }(),
			func() error { _, err := e.cache.IPBlocked(ctx, e.ten.ID, "192.0.2.1"); return err }(),
		} {
			if !errors.Is(err, settings.ErrClosed) {
				t.Fatalf("read after Close: %v", err)
			}
		}
		e.cache.Close()
		// Changes after Close are not handled (the subscription ended).
		must(e.st.UpdateTenant(ctx, e.ten))(t)
	})
}

// BenchmarkCachedRead measures reads the cache answers from memory.
func BenchmarkCachedRead(b *testing.B) {
	e := newBenchEnv(b)
	for _, bc := range []struct {
		name string
		read func() error
	}{
		{"ConnectorByHash", func() error { _, err := e.cache.ConnectorByHash(ctx, e.conn.Hash); return err }},
		{"IPBlocked", func() error { _, err := e.cache.IPBlocked(ctx, e.ten.ID, "198.51.100.7"); return err }},
		// For comparison: the same read from the database.
		{"store/ConnectorByHash", func() error { _, err := e.st.ConnectorByHash(ctx, e.conn.Hash); return err }},
	} {
		if err := bc.read(); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bc.read(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// newBenchEnv is a SQLite store with one tenant, connector and a few blocks, and a cache.
func newBenchEnv(b *testing.B) *env {
	e := &env{bus: changes.NewLocal()}
	st, err := store.Open(ctx, store.Config{DataDir: b.TempDir(), Changes: e.bus, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	b.Cleanup(e.bus.Close)
	e.st = st
	e.cache = settings.New(st, e.bus)
	b.Cleanup(e.cache.Close)
	if e.ten, err = st.CreateTenant(ctx, store.Tenant{Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	if e.conn, err = st.CreateConnector(ctx, store.Connector{TenantID: e.ten.ID, Name: "Web"}); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{"203.0.113.0/24", "192.0.2.7", "2001:db8::/32"} {
		if _, err := st.CreateIPBlock(ctx, store.IPBlock{TenantID: e.ten.ID, Prefix: p}); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// TestTextsFollowChanges: a connector's texts are resolved once per language and kept; a
// saved change of its texts reaches the next connect, and texts resolved from the connector as
// it was before the change never serve a connect that holds it as it is after.
func TestTextsFollowChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		st, c := e.st, e.cache
		old := must(c.ConnectorByHash(ctx, e.conn.Hash))(t)
		de := c.Texts(old, "de")
		if de["bye"] != "Bye" || de["welcomeMessage"] == "" {
			t.Fatalf("texts for de: %v", de)
		}
		if again := c.Texts(old, "de"); reflect.ValueOf(again).UnsafePointer() != reflect.ValueOf(de).UnsafePointer() {
			t.Fatal("the texts were resolved again")
		}
		wantEqual(t, c.Texts(old, "fr")["bye"], "Bye")
		wantEqual(t, c.TextLangs(old.ID), 2)

		conn := e.conn
		conn.Texts = map[string]string{"bye": "See you", "bye#de": "Tschüss"}
		must(st.UpdateConnector(ctx, conn))(t)
		e.settle(t)
		wantEqual(t, c.TextLangs(old.ID), 0)
		// A connect that read the connector before the change resolves its texts after it.
		wantEqual(t, c.Texts(old, "de")["bye"], "Bye")
		fresh := must(c.ConnectorByHash(ctx, e.conn.Hash))(t)
		wantEqual(t, c.Texts(fresh, "de")["bye"], "Tschüss")
		wantEqual(t, c.Texts(fresh, "de-AT")["bye"], "Tschüss")
		wantEqual(t, c.Texts(fresh, "fr")["bye"], "See you")

		// Visitors name any language they like: a connector keeps a bounded number.
		for i := range 40 {
			lang := "x" + string(rune('a'+i%26)) + string(rune('a'+i/26))
			wantEqual(t, c.Texts(fresh, lang)["bye"], "See you")
		}
		if n := c.TextLangs(fresh.ID); n > 16 {
			t.Fatalf("%d languages kept", n)
		}
		wantEqual(t, c.Texts(fresh, "de")["bye"], "Tschüss")
	})
}
