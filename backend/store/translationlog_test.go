package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A tenant's translation call log keeps its newest TranslationLogSize calls, newest first,
// filters by outcome, never mixes tenants, skips calls of tenants that are gone and stores
// what a service answered even when it holds NUL, broken UTF-8 or a whole page, on SQLite and
// PostgreSQL.
func TestTranslationLog(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testTranslationLog(t, openStore(t, b.newConfig(t)))
		})
	}
}

func testTranslationLog(t *testing.T, s *Store) {
	ctx := context.Background()
	a, err := s.CreateTenant(ctx, Tenant{Name: "Log A"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateTenant(ctx, Tenant{Name: "Log B"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	call := func(tenant int64, i int, outcome, errText string) TranslationCall {
		return TranslationCall{TenantID: tenant, At: at.Add(time.Duration(i) * time.Second), Provider: "deepl", From: "fr", To: "en",
			Chars: i, Latency: time.Duration(i) * time.Millisecond, Outcome: outcome, Error: errText}
	}
	var batch []TranslationCall
	for i := 1; i <= TranslationLogSize+20; i++ {
		outcome, e := "ok", ""
		if i%10 == 0 {
			outcome, e = "failed", "translate: service answered 403: Forbidden"
		}
		batch = append(batch, call(a.ID, i, outcome, e))
	}
	batch = append(batch, call(other.ID, 1, "timeout", "context deadline exceeded"), call(999999, 1, "ok", ""))
	// Two writes: the first fills the log, the second pushes out the oldest.
	if err := s.AddTranslationCalls(ctx, batch[:TranslationLogSize]); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTranslationCalls(ctx, batch[TranslationLogSize:]); err != nil {
		t.Fatal(err)
	}
	all, err := s.TranslationLog(ctx, a.ID, "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != TranslationLogSize {
		t.Fatalf("tenant A keeps %d calls, want %d", len(all), TranslationLogSize)
	}
	newest, oldest := all[0], all[len(all)-1]
	if newest.Chars != TranslationLogSize+20 || oldest.Chars != 21 {
		t.Fatalf("kept calls %d..%d, want 21..%d", oldest.Chars, newest.Chars, TranslationLogSize+20)
	}
	if !newest.At.Equal(at.Add(time.Duration(TranslationLogSize+20)*time.Second)) || newest.Latency != time.Duration(TranslationLogSize+20)*time.Millisecond ||
		newest.Provider != "deepl" || newest.From != "fr" || newest.To != "en" || newest.TenantID != a.ID {
		t.Fatalf("newest call read back as %+v", newest)
	}
	failed, err := s.TranslationLog(ctx, a.ID, "failed", 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != TranslationLogSize/10 || failed[0].Error != "translate: service answered 403: Forbidden" {
		t.Fatalf("failed calls: %d, first %+v", len(failed), failed[0])
	}
	b, err := s.TranslationLog(ctx, other.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1 || b[0].Outcome != "timeout" {
		t.Fatalf("tenant B's log: %+v", b)
	}
	if none, err := s.TranslationLog(ctx, 999999, "", 10); err != nil || len(none) != 0 {
		t.Fatalf("a missing tenant's log: %v, %v", none, err)
	}

	// What a service answers is stored however it looks, bounded.
	bad := call(other.ID, 2, "failed", "bad\x00text \xff"+strings.Repeat("é", 2000))
	if err := s.AddTranslationCalls(ctx, []TranslationCall{bad}); err != nil {
		t.Fatal(err)
	}
	b, err = s.TranslationLog(ctx, other.ID, "failed", 1)
	if err != nil || len(b) != 1 {
		t.Fatalf("%v %v", b, err)
	}
	if e := b[0].Error; strings.ContainsRune(e, 0) || !strings.HasPrefix(e, "badtext \uFFFDé") || len([]rune(e)) != translationErrorRunes {
		t.Fatalf("stored error %q (%d characters)", e[:40], len([]rune(e)))
	}
}
