package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/parleychat/parley/backend/egress"
	"github.com/parleychat/parley/backend/store"
)

// Limits of one attempt.
const (
	// DefaultTimeout bounds an attempt from connecting to the end of the answer's head.
	DefaultTimeout = 10 * time.Second
	// ResponseBytes is as much of an answer's body as is read; the rest is not.
	ResponseBytes = 64 << 10
)

// Client posts deliveries to their endpoints: no proxy, no redirects followed, forbidden
// addresses refused at connection time, a bounded wait and a bounded answer.
type Client struct {
	hc  *http.Client
	now func() time.Time
}

// NewClient returns a client; allowPrivate lets it reach loopback and private addresses
// (receivers on the operator's own network), timeout bounds an attempt (DefaultTimeout when
// zero).
func NewClient(allowPrivate bool, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{hc: egress.NewClient(allowPrivate, timeout), now: time.Now}
}

// Result is the outcome of one attempt.
type Result struct {
	// Code is the answer's status, 0 when there was none.
	Code    int
	Latency time.Duration
	// Err is nil when the receiver answered with a 2xx status.
	Err error
}

// ErrRedirect is the failure of an attempt answered with a redirect, which is not followed:
// the endpoint's URL should be changed to where it points.
var ErrRedirect = errors.New("webhook: the receiver answered with a redirect, which is not followed; enter the address it points to")

// Deliver makes one attempt at d (a claimed delivery, with its URL and secret).
func (c *Client) Deliver(ctx context.Context, d store.WebhookDelivery) Result {
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return Result{Err: permanent{err}}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	req.Header.Set(EventIDHeader, d.EventID)
	req.Header.Set("Parley-Event-Type", d.Kind)
	req.Header.Set("Parley-Delivery-Id", strconv.FormatInt(d.ID, 10))
	req.Header.Set(SignatureHeader, Sign(d.Secret, c.now(), body))
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		res := Result{Latency: time.Since(start), Err: err}
		if errors.Is(err, egress.ErrForbiddenAddress) {
			res.Err = permanent{egress.ErrForbiddenAddress}
		}
		return res
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, ResponseBytes))
	res := Result{Code: resp.StatusCode, Latency: time.Since(start)}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Err = fmt.Errorf("%w (HTTP %d to %q)", ErrRedirect, resp.StatusCode, resp.Header.Get("Location"))
	default:
		res.Err = fmt.Errorf("the receiver answered HTTP %d: %s", resp.StatusCode, egress.Snippet(head))
	}
	return res
}

// permanent marks an error that trying again cannot mend.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent reports whether a failed attempt will fail again however often it is repeated:
// the URL cannot be used or its address is forbidden. Every other failure — no answer, a
// timeout, any non-2xx status — is retried until the attempts run out, since a receiver
// being deployed or an admin fixing it usually mends it.
func Permanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}
