package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/egress"
	"github.com/parleychat/parley/backend/store"
)

func delivery(url string) store.WebhookDelivery {
	return store.WebhookDelivery{ID: 1, EventID: "evt_1", Kind: "test", Body: `{"id":"evt_1"}`, URL: url, Secret: "whsec_x"}
}

// Without the operator's leave, a receiver on loopback is never called, whatever its URL
// says (a literal address, or a name resolving to it); the refusal is permanent.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := NewClient(false, time.Second)
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		res := c.Deliver(context.Background(), delivery(u))
		if !errors.Is(res.Err, egress.ErrForbiddenAddress) || !Permanent(res.Err) {
			t.Errorf("%s: %v", u, res.Err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the private receiver was called %d times", hits.Load())
	}
	if res := NewClient(true, time.Second).Deliver(context.Background(), delivery(srv.URL)); res.Err != nil || res.Code != 200 {
		t.Fatalf("allowed: %+v", res)
	}
}

// A redirect is not followed (it could lead to a private address), and is a failure.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	res := NewClient(true, time.Second).Deliver(context.Background(), delivery(srv.URL))
	if !errors.Is(res.Err, ErrRedirect) || res.Code != http.StatusTemporaryRedirect || Permanent(res.Err) {
		t.Fatalf("%+v", res)
	}
	if hits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// An endless answer is read only up to the cap, and the log keeps a short line of it.
func TestClientCapsTheAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		chunk := []byte(strings.Repeat("x\x00\n", 1<<12))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	res := NewClient(true, 5*time.Second).Deliver(context.Background(), delivery(srv.URL))
	if res.Code != http.StatusBadGateway || res.Err == nil || len(res.Err.Error()) > 1000 {
		t.Fatalf("%d %d", res.Code, len(res.Err.Error()))
	}
}

// A URL the request cannot be made from is given up at once.
func TestClientBadURL(t *testing.T) {
	res := NewClient(true, time.Second).Deliver(context.Background(), delivery("http://a b/\x00"))
	if res.Err == nil || !Permanent(res.Err) {
		t.Fatalf("%+v", res)
	}
}
