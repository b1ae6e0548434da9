package translog_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/goleak"

	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/deepltest"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/backend/translog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func stores() map[string]func(t *testing.T) *store.Store {
	open := func(t *testing.T, cfg store.Config) *store.Store {
		s, err := store.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	return map[string]func(t *testing.T) *store.Store{
		"sqlite": func(t *testing.T) *store.Store { return open(t, store.Config{DataDir: t.TempDir(), Logger: quiet}) },
		"postgres": func(t *testing.T) *store.Store {
			return open(t, store.Config{DatabaseURL: pgtest.URL(t), Logger: quiet})
		},
	}
}

// run starts w and stops it when the test ends.
func run(t *testing.T, w *translog.Writer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// Calls to real LibreTranslate and DeepL peers land in their tenant's log with their outcome:
// a translation, a service that is down, a refused key and a service that does not answer in
// time; the chat text is nowhere in the log.
func TestCallsLogged(t *testing.T) {
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			ctx := context.Background()
			ten, err := st.CreateTenant(ctx, store.Tenant{Name: "Translating"})
			if err != nil {
				t.Fatal(err)
			}
			w := translog.New(st, 0, quiet)
			run(t, w)
			lt := libretest.New()
			defer lt.Close()
			dl := deepltest.New("right-key:fx")
			defer dl.Close()
			c := &translate.Client{Record: w.Record, Timeout: 300 * time.Millisecond}
			libre := translate.Service{Provider: translate.LibreTranslate, URL: lt.URL, Tenant: ten.ID}
			const secret = "Mon numéro de carte est 4111"

			if _, err := c.Translate(ctx, libre, secret, "fr", "en", false); err != nil {
				t.Fatal(err)
			}
			lt.Down(true)
			if _, err := c.Translate(ctx, libre, secret, "fr", "en", false); err == nil {
				t.Fatal("a service that is down translated")
			}
			lt.Down(false)
			release := lt.Hold()
			if _, err := c.Translate(ctx, libre, secret, "fr", "de", false); err == nil {
				t.Fatal("a held service translated")
			}
			release()
			if _, err := c.Translate(ctx, translate.Service{Provider: translate.DeepL, URL: dl.URL, APIKey: "wrong", Tenant: ten.ID}, secret, "fr", "en", false); err == nil {
				t.Fatal("a wrong DeepL key translated")
			}
			// A call of no tenant is not logged.
			if _, err := c.Translate(ctx, translate.Service{URL: lt.URL}, secret, "fr", "en", false); err != nil {
				t.Fatal(err)
			}
			fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			w.Flush(fctx)

			log, err := st.TranslationLog(ctx, ten.ID, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			type want struct{ provider, to, outcome, err string }
			wants := []want{{"deepl", "en", "failed", "403"}, {"libretranslate", "de", "timeout", "deadline"}, {"libretranslate", "en", "failed", "500"}, {"libretranslate", "en", "ok", ""}}
			if len(log) != len(wants) {
				t.Fatalf("log has %d calls, want %d: %+v", len(log), len(wants), log)
			}
			for i, wnt := range wants {
				g := log[i]
				if g.Provider != wnt.provider || g.From != "fr" || g.To != wnt.to || g.Outcome != wnt.outcome || g.Chars != len([]rune(secret)) ||
					(wnt.err == "") != (g.Error == "") || !strings.Contains(g.Error, wnt.err) || g.At.IsZero() {
					t.Errorf("call %d: %+v, want %+v", i, g, wnt)
				}
				if strings.Contains(g.Error, "4111") {
					t.Errorf("call %d keeps the chat text: %q", i, g.Error)
				}
			}
			if log[1].Latency < 250*time.Millisecond {
				t.Errorf("the timed-out call took %v", log[1].Latency)
			}
			if w.Dropped() != 0 || w.Written() != 4 {
				t.Errorf("dropped %d, written %d", w.Dropped(), w.Written())
			}
		})
	}
}

// blockedStore is a database that does not answer until released.
type blockedStore struct {
	release chan struct{}
	mu      sync.Mutex
	got     int
}

func (b *blockedStore) AddTranslationCalls(ctx context.Context, calls []store.TranslationCall) error {
	<-b.release
	b.mu.Lock()
	b.got += len(calls)
	b.mu.Unlock()
	return nil
}

// A flood while the database is stuck never holds up the caller: what does not fit the queue
// is dropped and counted, what fits is written once the database answers.
func TestFloodDropsAndCounts(t *testing.T) {
	bs := &blockedStore{release: make(chan struct{})}
	w := translog.New(bs, 8, quiet)
	run(t, w)
	var release sync.Once
	unblock := func() { release.Do(func() { close(bs.release) }) }
	t.Cleanup(unblock) // before the writer is waited for, should the test end early
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		for i := range 1000 {
			w.Record(translate.Call{Tenant: 1, Chars: i, Outcome: translate.OutcomeOK})
		}
	}()
	select {
	case <-recorded:
	case <-time.After(time.Minute): // a deadlock, not a speed limit
		t.Fatal("Record blocked while the database was stuck")
	}
	// The queue holds 8 and the writer, stuck, holds the batch it took off it: some calls were
	// kept, the rest dropped.
	if d := w.Dropped(); d == 0 || d > 1000-8 {
		t.Fatalf("dropped %d of 1000 with a queue of 8", d)
	}
	unblock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w.Flush(ctx)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if int64(bs.got)+w.Dropped() != 1000 || w.Written() != int64(bs.got) {
		t.Fatalf("written %d (counted %d) + dropped %d != 1000", bs.got, w.Written(), w.Dropped())
	}
}

// nopStore takes every batch at once.
type nopStore struct{}

func (nopStore) AddTranslationCalls(context.Context, []store.TranslationCall) error { return nil }

// BenchmarkRecord is what logging costs a chat line: one Record from many goroutines at once.
func BenchmarkRecord(b *testing.B) {
	w := translog.New(nopStore{}, 0, quiet)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	c := translate.Call{Tenant: 1, Provider: translate.DeepL, From: "de", To: "en", Chars: 40, Outcome: translate.OutcomeOK}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.Record(c)
		}
	})
	b.ReportMetric(float64(w.Dropped())/float64(b.N), "dropped/op")
}

// BenchmarkWrite is the log's write rate into SQLite: batches of 200 calls of one tenant,
// pruned to TranslationLogSize.
func BenchmarkWrite(b *testing.B) {
	st, err := store.Open(context.Background(), store.Config{DataDir: b.TempDir(), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ten, err := st.CreateTenant(context.Background(), store.Tenant{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]store.TranslationCall, 200)
	for i := range batch {
		batch[i] = store.TranslationCall{TenantID: ten.ID, At: time.Now(), Provider: "deepl", From: "de", To: "en", Chars: 40, Outcome: "ok"}
	}
	b.ResetTimer()
	for range b.N {
		if err := st.AddTranslationCalls(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "calls/s")
}

// TestConnectionsTerminated writes calls while PostgreSQL keeps terminating the writer's
// connections (pg_terminate_backend, as an administrator or a failover does): every call
// Record accepted lands in the log.
func TestConnectionsTerminated(t *testing.T) {
	url := pgtest.URL(t)
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: url, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	const tenants, perTenant = 3, 300 // within store.TranslationLogSize per tenant
	var ids []int64
	for i := range tenants {
		ten, err := st.CreateTenant(ctx, store.Tenant{Name: fmt.Sprintf("T%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ten.ID)
	}
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.SetMaxOpenConns(1)

	w := translog.New(st, tenants*perTenant, quiet)
	run(t, w)
	stop := make(chan struct{})
	killed := make(chan int)
	go func() {
		n := 0
		defer func() { killed <- n }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			var k int
			if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&k); err != nil {
				t.Error(err)
				return
			}
			n += k
		}
	}()
	for i := range perTenant {
		for _, id := range ids {
			w.Record(translate.Call{Tenant: id, At: time.Now(), Provider: translate.DeepL, From: "de", To: "en", Chars: i, Outcome: translate.OutcomeOK})
		}
		time.Sleep(5 * time.Millisecond)
	}
	fctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	w.Flush(fctx)
	close(stop)
	if n := <-killed; n < 5 {
		t.Fatalf("only %d connections were terminated while the calls were written", n)
	}
	if w.Dropped() != 0 {
		t.Fatalf("%d of %d calls lost to terminated connections", w.Dropped(), tenants*perTenant)
	}
	for _, id := range ids {
		var log []store.TranslationCall
		err := store.Retry(ctx, func(ctx context.Context) (err error) { // the pool still holds terminated connections
			log, err = st.TranslationLog(ctx, id, "", store.TranslationLogSize)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, c := range log {
			seen[c.Chars] = true
		}
		if len(seen) != perTenant {
			t.Fatalf("tenant %d: %d of %d calls in the log", id, len(seen), perTenant)
		}
	}
}
