package report_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestTagsAndOutcomesThroughTheAgentProtocol runs classification end to end on a real server
// over real WebSockets, on SQLite and PostgreSQL: the lists reach the agent app at start, a
// tenant that requires an outcome refuses a close without one, foreign tags and outcomes are
// refused, only agents of the chat may tag it (also after it closed), and what is kept is
// what reports count.
func TestTagsAndOutcomesThroughTheAgentProtocol(t *testing.T) {
	for _, db := range []struct {
		name string
		pg   bool
	}{{"sqlite", false}, {"postgres", true}} {
		t.Run(db.name, func(t *testing.T) {
			env := servertest.Start(t, servertest.Options{Postgres: db.pg})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			st := env.Server.Store()
			tid := env.Demo.TenantID
			label := func(kind store.LabelKind, tenant int64, name string) int64 {
				id, err := st.SaveLabel(ctx, kind, store.Label{TenantID: tenant, Name: name})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			billing, bug := label(store.LabelTag, tid, "Billing"), label(store.LabelTag, tid, "Bug")
			sold := label(store.LabelOutcome, tid, "Sold")
			other, err := st.CreateTenant(ctx, store.Tenant{Name: "Elsewhere"})
			if err != nil {
				t.Fatal(err)
			}
			foreignTag, foreignOutcome := label(store.LabelTag, other.ID, "Theirs"), label(store.LabelOutcome, other.ID, "Theirs")
			if err := st.SaveReportSettings(ctx, store.ReportSettings{TenantID: tid, OutcomeRequired: true, AnswerTarget: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}

			anna, ready := env.Agent(t, 0)
			if !ready.OutcomeRequired || len(ready.Tags) != 2 || len(ready.Outcomes) != 1 || ready.Outcomes[0] != (protocol.Label{ID: sold, Name: "Sold"}) {
				t.Fatalf("agent start: required %v, tags %+v, outcomes %+v", ready.OutcomeRequired, ready.Tags, ready.Outcomes)
			}
			ben, _ := env.Agent(t, 1)
			visitor, _ := env.Visitor(t)
			ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera", Question: "Where is my invoice?"})
			if err != nil {
				t.Fatal(err)
			}
			chatID := ack.Body.(*protocol.Ack).Chat
			// Whoever is offered the chat takes it; the other is the colleague outside it.
			var owner, outsider = anna, ben
			offer, err := firstOffer(ctx, anna, ben)
			if err != nil {
				t.Fatal(err)
			}
			if offer == ben {
				owner, outsider = ben, anna
			}
			if _, err := owner.Call(ctx, chatID, &protocol.OfferAccept{}); err != nil {
				t.Fatal(err)
			}

			code := func(err error) protocol.Code {
				var pe *protocol.Error
				if errors.As(err, &pe) {
					return pe.Code
				}
				return ""
			}
			if _, err := owner.Call(ctx, chatID, &protocol.ChatTags{Tags: []int64{billing, foreignTag}}); code(err) != protocol.CodeNotFound {
				t.Errorf("a foreign tag: %v, want not_found", err)
			}
			if _, err := owner.Call(ctx, chatID, &protocol.ChatTags{Tags: []int64{-1}}); code(err) != protocol.CodeInvalid {
				t.Errorf("a negative tag: %v, want invalid", err)
			}
			if _, err := outsider.Call(ctx, chatID, &protocol.ChatTags{Tags: []int64{billing}}); code(err) != protocol.CodeForbidden {
				t.Errorf("a colleague outside the chat tagged it: %v", err)
			}
			// A retried command (same id) is applied once, harmlessly.
			id := owner.NewID()
			for range 2 {
				if _, err := owner.CallID(ctx, id, chatID, &protocol.ChatTags{Tags: []int64{billing, bug, billing}}); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := st.ChatTags(ctx, tid, chatID); !slices.Equal(got, []int64{billing, bug}) {
				t.Errorf("tags = %v, want %v", got, []int64{billing, bug})
			}

			_, err = owner.Call(ctx, chatID, &protocol.Close{})
			var pe *protocol.Error
			if !errors.As(err, &pe) || pe.Code != protocol.CodeInvalid || pe.Field != "outcome" {
				t.Fatalf("close without the required outcome: %v", err)
			}
			if _, err := owner.Call(ctx, chatID, &protocol.Close{Outcome: foreignOutcome}); code(err) != protocol.CodeNotFound {
				t.Fatalf("close with a foreign outcome: %v", err)
			}
			if _, err := outsider.Call(ctx, chatID, &protocol.Close{Outcome: sold}); err == nil {
				t.Fatal("a colleague outside the chat closed it")
			}
			if _, err := owner.Call(ctx, chatID, &protocol.Close{Outcome: sold}); err != nil {
				t.Fatalf("close with an outcome: %v", err)
			}
			// After the close, the agent who handled it still tags it.
			if _, err := owner.Call(ctx, chatID, &protocol.ChatTags{Tags: []int64{bug}}); err != nil {
				t.Fatalf("tagging after the close: %v", err)
			}
			if _, err := outsider.Call(ctx, chatID, &protocol.ChatTags{Tags: nil}); code(err) != protocol.CodeForbidden {
				t.Errorf("a colleague outside the closed chat changed its tags: %v", err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				c, err := st.Chat(ctx, chatID)
				if err == nil && c.State == "closed" {
					if c.OutcomeID != sold || c.OfferedAt == nil || c.AcceptedAt == nil {
						t.Errorf("closed chat: outcome %d (want %d), offered %v, accepted %v", c.OutcomeID, sold, c.OfferedAt, c.AcceptedAt)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the chat was not stored closed: %+v %v", c, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got, _ := st.ChatTags(ctx, tid, chatID); !slices.Equal(got, []int64{bug}) {
				t.Errorf("tags after the close = %v, want %v", got, []int64{bug})
			}

			// The report of the last hour counts the chat under its tag and outcome.
			now := time.Now()
			r, err := reportsOf(t, st).Run(ctx, report.Filter{TenantID: tid, From: now.Add(-time.Hour), To: now.Add(time.Hour), Loc: time.UTC, AnswerTarget: time.Minute, TagID: bug, OutcomeID: sold})
			if err != nil {
				t.Fatal(err)
			}
			if r.Summary.Requested != 1 || r.Summary.Answered != 1 || len(r.Tags) != 1 || r.Tags[0].Name != "Bug" || len(r.Outcomes) != 1 || r.Outcomes[0].Name != "Sold" {
				t.Errorf("today's report: %+v, tags %+v, outcomes %+v", r.Summary, r.Tags, r.Outcomes)
			}
		})
	}
}

// firstOffer returns the agent of the two who is offered a chat first.
func firstOffer(ctx context.Context, a, b interface {
	Await(context.Context, func(protocol.Event) bool) (protocol.Event, error)
}) (any, error) {
	type result struct {
		who any
		err error
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out := make(chan result, 2)
	for _, c := range []interface {
		Await(context.Context, func(protocol.Event) bool) (protocol.Event, error)
	}{a, b} {
		go func() {
			_, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.Offer); return ok })
			out <- result{c, err}
		}()
	}
	r := <-out
	if r.err != nil {
		r = <-out
	}
	return r.who, r.err
}
