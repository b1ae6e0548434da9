// Package reportexport sends a report of each closed chat to a customer's REST service, as
// jtel's chat connectors do ("Token Post", "Report Export Post", "Xml Template"): per
// connector, an optional token post whose JSON answer the export may quote
// ($tokenResponse.body.JSON.access_token), then the export post, whose body usually carries
// the XML template base64-encoded ($xmlTemplate.encoded.base64), which in turn carries the
// chat report — the chat's PDF transcript — base64-encoded with its size ($report.bytes,
// $report.encoded.base64). Placeholders are filled in by pure code (placeholder.go) that
// escapes each value for the text it goes into: XML in the XML template, JSON strings in
// JSON bodies, form values in form bodies; headers refuse line breaks.
//
// Durability: the store writes an export in the same transaction as the close of the chat
// it reports; the worker claims it, renders the report from the stored chat, posts, and
// records the outcome, like the webhooks (package webhook). A process killed between the
// claim and the record leaves the export to be tried again when the claim lapses: a
// service may get a report twice, never not at all.
//
// Safety: the URLs are called through package egress: not on the server's own networks
// unless the operator allows it, no redirects followed, bounded in time and in the answer
// read.
package reportexport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/egress"
	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/backoff"
)

// Store is what the worker reads and writes; *store.Store has it.
type Store interface {
	transcript.Store
	Chat(ctx context.Context, id string) (store.Chat, error)
	ReportExportFor(ctx context.Context, connectorID int64) (store.ReportExport, bool, error)
	DueReportExports(ctx context.Context, now time.Time, limit int) ([]store.ExportDelivery, error)
	NextReportExportDue(ctx context.Context) (time.Time, bool, error)
	ClaimReportExport(ctx context.Context, d store.ExportDelivery, until time.Time) (store.ExportDelivery, bool, error)
	ReportExportAttempted(ctx context.Context, id int64, at time.Time, a store.WebhookAttempt) error
}

// DefaultRetry tries an export 12 times over about five hours (30 s, then doubling up to
// hourly), like the webhooks: a service down for a deployment still gets every report. An
// attempt holds its export for two minutes, past the two posts' timeouts.
var DefaultRetry = outbox.Retry{
	Backoff:     backoff.Policy{Initial: 30 * time.Second, Max: time.Hour, Jitter: 0.2},
	MaxAttempts: 12,
	Claim:       2 * time.Minute,
}

// Limits of one post.
const (
	// DefaultTimeout bounds a post from connecting to the end of the answer.
	DefaultTimeout = 20 * time.Second
	// ResponseBytes is as much of an answer's body as is read.
	ResponseBytes = 64 << 10
)

// Options configure a [Worker]. Store is required.
type Options struct {
	Store Store
	// AllowPrivate lets the URLs reach loopback and private addresses.
	AllowPrivate bool
	// Timeout bounds one post (DefaultTimeout when zero).
	Timeout time.Duration
	// Retry is the delivery policy ([DefaultRetry] when zero).
	Retry outbox.Retry
	// Poll is the longest the worker sleeps without looking for due exports (10 s when zero).
	Poll time.Duration
	// Now is the clock (time.Now); Rand draws from [0, 1) to spread retries.
	Now    func() time.Time
	Rand   func() float64
	Logger *slog.Logger
}

// Worker sends due exports.
type Worker struct {
	o  Options
	hc *http.Client
	w  *outbox.Worker[store.ExportDelivery]
}

// NewWorker returns a worker; start it with Run.
func NewWorker(o Options) *Worker {
	if o.Retry.MaxAttempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	w := &Worker{o: o, hc: egress.NewClient(o.AllowPrivate, o.Timeout)}
	w.w = outbox.New(outbox.Queue[store.ExportDelivery]{Name: "report exports", Due: o.Store.DueReportExports,
		NextDue: o.Store.NextReportExportDue, Attempt: w.attempt, Poll: o.Poll, Now: o.Now, Logger: o.Logger})
	return w
}

// AllowPrivate reports whether the URLs may reach private and loopback addresses.
func (w *Worker) AllowPrivate() bool { return w.o.AllowPrivate }

// Wake tells the worker that exports were written.
func (w *Worker) Wake() { w.w.Wake() }

// Run sends due exports until ctx ends.
func (w *Worker) Run(ctx context.Context) { w.w.Run(ctx) }

// DeliverDue makes one attempt at every export due now and returns how many succeeded.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) { return w.w.DeliverDue(ctx) }

// attempt claims d and sends it; err is an error of the store.
func (w *Worker) attempt(ctx context.Context, d store.ExportDelivery) (ok bool, err error) {
	d, claimed, err := w.o.Store.ClaimReportExport(ctx, d, w.o.Now().Add(w.o.Retry.Claim))
	if err != nil || !claimed {
		return false, err
	}
	res := w.send(ctx, d)
	if res.Err != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	a := store.WebhookAttempt{ResponseCode: res.Code, Latency: res.Latency}
	if res.Err != nil {
		a.Err = res.Err.Error()
		a.Next, a.GiveUp = w.o.Retry.After(d.Attempts, Permanent(res.Err), w.o.Now(), w.o.Rand())
		w.o.Logger.Warn("report export not delivered", "id", d.ID, "tenant", d.TenantID, "connector", d.ConnectorID, "chat", d.ChatID,
			"attempt", d.Attempts, "give_up", a.GiveUp, "err", res.Err)
	}
	return res.Err == nil, w.o.Store.ReportExportAttempted(rec, d.ID, w.o.Now(), a)
}

// Result is the outcome of one attempt.
type Result struct {
	// Code is the status of the last post's answer, 0 when there was none.
	Code    int
	Latency time.Duration
	// Err is nil when the export post was answered with a 2xx status.
	Err error
}

// permanent marks an error that trying again cannot mend.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent reports whether a failed attempt will fail again however often it is repeated:
// settings that cannot be filled in, a chat that is gone, a forbidden address. Every other
// failure — no answer, any non-2xx status, a token answer without the value asked for — is
// retried, since a service being deployed usually mends it.
func Permanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// send renders export d and makes its posts.
func (w *Worker) send(ctx context.Context, d store.ExportDelivery) Result {
	set, found, err := w.o.Store.ReportExportFor(ctx, d.ConnectorID)
	if err != nil {
		return Result{Err: err}
	}
	if !found || set.ExportURL == "" {
		return Result{Err: permanent{errors.New("the connector has no report export URL")}}
	}
	v, err := w.values(ctx, d)
	if err != nil {
		return Result{Err: err}
	}
	return Send(ctx, w.hc, set, v)
}

// values reads the chat of d and renders its report.
func (w *Worker) values(ctx context.Context, d store.ExportDelivery) (*Values, error) {
	conn, err := w.o.Store.Connector(ctx, d.ConnectorID)
	if err != nil {
		return nil, permanent{fmt.Errorf("connector: %w", err)}
	}
	v := &Values{Connector: Connector{ID: conn.ID, Name: conn.Name, Title: conn.Title}}
	var ch store.Chat
	if d.ChatID == "" {
		// A test of a connector without closed chats: a sample chat.
		t := w.o.Now().UTC().Truncate(time.Second)
		closed := t
		ch = store.Chat{ID: "test", TenantID: d.TenantID, ConnectorID: d.ConnectorID, VisitorName: "Test visitor", Lang: "en",
			CreatedAt: t.Add(-5 * time.Minute), ClosedAt: &closed, CloseCause: "test", State: "closed"}
	} else {
		ch, err = w.o.Store.Chat(ctx, d.ChatID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, permanent{fmt.Errorf("chat %s no longer exists", d.ChatID)}
		}
		if err != nil {
			return nil, err
		}
	}
	// The report goes to the tenant's own system: its answers read in the tenant's language.
	tr, err := transcript.Load(ctx, w.o.Store, ch, w.o.Now(), "")
	if err != nil {
		return nil, err
	}
	var pdf bytes.Buffer
	if err := transcript.Render(&pdf, tr); err != nil {
		return nil, permanent{fmt.Errorf("report: %w", err)}
	}
	v.Report = pdf.Bytes()
	v.Chat = Chat{ID: ch.ID, Name: ch.VisitorName, Email: ch.VisitorEmail, Phone: ch.VisitorPhone, CustomerID: ch.CustomerID,
		Language: ch.Lang, Page: ch.Page, CloseCause: ch.CloseCause, Started: ch.CreatedAt, PData: ch.PData, UData: ch.UData}
	if ch.ClosedAt != nil {
		v.Chat.Closed = *ch.ClosedAt
	}
	if n := len(tr.Agents); n > 0 {
		v.Chat.Agent = tr.Agents[n-1].Name
	}
	return v, nil
}

// Send makes one export of v with settings set through hc: the token post when set has
// one, then the export post.
func Send(ctx context.Context, hc *http.Client, set store.ReportExport, v *Values) Result {
	var res Result
	if set.TokenURL != "" {
		body, r := post(ctx, hc, "token post", set.TokenURL, set.TokenHeader, set.TokenBody, DefaultTokenType, StageToken, v)
		res.Latency += r.Latency
		if r.Err != nil {
			r.Latency = res.Latency
			return r
		}
		v.TokenResponse = body
	}
	x, err := Expand(set.XMLTemplate, StageXML, v, XMLText)
	if err != nil {
		return Result{Err: permanent{fmt.Errorf("XML template: %w", err)}}
	}
	v.XML = x
	_, r := post(ctx, hc, "report export post", set.ExportURL, set.ExportHeader, set.ExportBody, DefaultExportType, StageExport, v)
	r.Latency += res.Latency
	return r
}

// post fills in and makes one post and returns its answer's body.
func post(ctx context.Context, hc *http.Client, what, rawURL, header, body, defType string, stage Stage, v *Values) ([]byte, Result) {
	fail := func(err error) ([]byte, Result) {
		var pe *PlaceholderError
		if errors.As(err, &pe) {
			err = permanent{err}
		}
		return nil, Result{Err: fmt.Errorf("%s: %w", what, err)}
	}
	u, err := Expand(rawURL, stage, v, URLPart)
	if err != nil {
		return fail(err)
	}
	hs, err := ParseHeaders(header)
	if err != nil {
		return fail(permanent{err})
	}
	ct := contentType(hs, defType)
	b, err := Expand(body, stage, v, BodyEscape(ct))
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(b))
	if err != nil {
		return fail(permanent{err})
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "Parley-ReportExport/1")
	for _, h := range hs {
		val, err := Expand(h.Value, stage, v, HeaderValue)
		if err != nil {
			return fail(err)
		}
		req.Header.Set(h.Name, val)
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, egress.ErrForbiddenAddress) {
			err = permanent{egress.ErrForbiddenAddress}
		}
		r := Result{Latency: time.Since(start), Err: fmt.Errorf("%s: %w", what, err)}
		return nil, r
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, ResponseBytes))
	r := Result{Code: resp.StatusCode, Latency: time.Since(start)}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		r.Err = fmt.Errorf("%s: the service answered HTTP %d: %s", what, resp.StatusCode, egress.Snippet(got))
	}
	return got, r
}
