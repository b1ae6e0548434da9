// Package translog keeps the tenants' translation call logs (store.TranslationLog) off the
// path of the chat lines: translate.Client hands each call to Record, which only queues it;
// one background goroutine writes the queued calls in batches. A full queue drops the call
// and counts it (Dropped) rather than slow a chat line down: the log is for finding a failing
// service, and a few missing entries in a flood do not hide one. A write that fails because
// the database connection broke (a restart, a failover) is tried again (store.Retry): a batch
// is lost only to a database that stays away.
package translog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
)

// Defaults of a Writer.
const (
	// DefaultQueue is how many calls wait for the writer before new ones are dropped.
	DefaultQueue = 1024
	// maxBatch is the most calls one write takes.
	maxBatch = 200
)

// Store is where the calls are written (*store.Store).
type Store interface {
	AddTranslationCalls(ctx context.Context, calls []store.TranslationCall) error
}

// Writer queues calls and writes them in the background. Make it with New, start it with
// Run; Record is safe for concurrent use.
type Writer struct {
	st    Store
	log   *slog.Logger
	queue chan translate.Call
	// dropped counts calls not logged: queue full, or their write failed.
	dropped atomic.Int64
	written atomic.Int64
	// pending counts the calls queued and not yet written; flushed is closed and replaced
	// after each write, for Flush.
	mu      sync.Mutex
	pending int
	flushed chan struct{}
}

// New makes a writer of at most queue waiting calls (DefaultQueue when not positive).
func New(st Store, queue int, log *slog.Logger) *Writer {
	if queue <= 0 {
		queue = DefaultQueue
	}
	if log == nil {
		log = slog.Default()
	}
	return &Writer{st: st, log: log, queue: make(chan translate.Call, queue), flushed: make(chan struct{})}
}

// Record queues a call for its tenant's log, or drops and counts it when the queue is full.
// It never blocks. Calls of no tenant are not logged.
func (w *Writer) Record(c translate.Call) {
	if c.Tenant == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.queue <- c:
		w.pending++
	default:
		w.dropped.Add(1)
	}
}

// Dropped is how many calls were not logged: the queue was full or their write failed.
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

// Written is how many calls were written.
func (w *Writer) Written() int64 { return w.written.Load() }

// Run writes queued calls until ctx ends, then writes what is still queued (within a short
// grace) and returns.
func (w *Writer) Run(ctx context.Context) {
	for {
		select {
		case c := <-w.queue:
			w.write(ctx, w.batch(c))
		case <-ctx.Done():
			grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			for {
				select {
				case c := <-w.queue:
					w.write(grace, w.batch(c))
				default:
					return
				}
			}
		}
	}
}

// batch is c and the calls queued behind it, at most maxBatch.
func (w *Writer) batch(c translate.Call) []store.TranslationCall {
	out := []store.TranslationCall{row(c)}
	for len(out) < maxBatch {
		select {
		case c := <-w.queue:
			out = append(out, row(c))
		default:
			return out
		}
	}
	return out
}

func (w *Writer) write(ctx context.Context, calls []store.TranslationCall) {
	err := store.Retry(ctx, func(ctx context.Context) error { return w.st.AddTranslationCalls(ctx, calls) })
	if err != nil {
		w.dropped.Add(int64(len(calls)))
		w.log.Warn("translation calls not logged", "calls", len(calls), "err", err)
	} else {
		w.written.Add(int64(len(calls)))
	}
	w.mu.Lock()
	w.pending -= len(calls)
	close(w.flushed)
	w.flushed = make(chan struct{})
	w.mu.Unlock()
}

// Flush waits until every call queued before it is written (or dropped), or ctx ends: the
// admin page's test shows its own call at once.
func (w *Writer) Flush(ctx context.Context) {
	for {
		w.mu.Lock()
		ch, done := w.flushed, w.pending == 0
		w.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// row is a call as the store keeps it.
func row(c translate.Call) store.TranslationCall {
	return store.TranslationCall{TenantID: c.Tenant, At: c.At, Provider: string(c.Provider), From: c.From, To: c.To,
		Chars: c.Chars, Latency: c.Latency, Outcome: string(c.Outcome), Error: c.Error}
}
