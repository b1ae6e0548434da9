package report_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/pgtest"
	"github.com/parleychat/parley/backend/report"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/survey"
)

// db is one database a report test runs on.
type db struct {
	name string
	open func(testing.TB) *store.Store
}

func databases() []db {
	return []db{
		{"sqlite", func(tb testing.TB) *store.Store {
			return openStore(tb, store.Config{DataDir: tb.TempDir(), Logger: quiet()})
		}},
		{"postgres", func(tb testing.TB) *store.Store {
			return openStore(tb, store.Config{DatabaseURL: pgtest.URL(tb), Logger: quiet()})
		}},
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openStore(tb testing.TB, cfg store.Config) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

// reportsOf returns the report queries over st.
func reportsOf(tb testing.TB, st *store.Store) *report.DB {
	tb.Helper()
	sqlDB, err := st.ReadDB()
	if err != nil {
		tb.Fatal(err)
	}
	return report.New(sqlDB, st.Dialect())
}

// world is a tenant with what its chats refer to.
type world struct {
	tenant         store.Tenant
	group          store.ACDGroup
	k1, k2         store.Connector
	a1, a2         store.User
	t1, t2, o1, o2 int64
	rating         string
	loc            *time.Location
}

// must returns v, stopping a test's setup when err says that it failed.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// newWorld makes a tenant in tz with a group, two connectors (the first in the group, with
// a post-chat rating field), two agents, two tags and two outcomes.
func newWorld(tb testing.TB, st *store.Store, name, tz string) *world {
	tb.Helper()
	ctx := context.Background()
	w := &world{}
	w.tenant = must(st.CreateTenant(ctx, store.Tenant{Name: name, TimeZone: tz}))
	w.loc = must(time.LoadLocation(tz))
	w.group = must(st.CreateGroup(ctx, store.ACDGroup{TenantID: w.tenant.ID, Name: "Sales"}))
	w.k1 = must(st.CreateConnector(ctx, store.Connector{TenantID: w.tenant.ID, Name: "Shop", GroupID: w.group.ID}))
	w.k2 = must(st.CreateConnector(ctx, store.Connector{TenantID: w.tenant.ID, Name: "Support"}))
	w.rating = "rating"
	_ = must(st.CreateSurveyField(ctx, store.SurveyField{TenantID: w.tenant.ID, ConnectorID: w.k1.ID, Kind: store.SurveyPostChat,
		Field: survey.Field{Name: w.rating, Type: survey.TypeRating, Prompt: "How did we do?", ValidateLow: -1, ValidateHigh: 5}}))
	w.a1 = must(st.CreateUser(ctx, store.User{TenantID: w.tenant.ID, Login: name + "-ann", Name: "Ann " + name, Role: store.RoleAgent, Active: true, MaxChats: 3}))
	w.a2 = must(st.CreateUser(ctx, store.User{TenantID: w.tenant.ID, Login: name + "-bob", Name: "Bob " + name, Role: store.RoleAgent, Active: true, MaxChats: 3}))
	w.t1 = must(st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: w.tenant.ID, Name: "Billing"}))
	w.t2 = must(st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: w.tenant.ID, Name: "Bug"}))
	w.o1 = must(st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: w.tenant.ID, Name: "Sold"}))
	w.o2 = must(st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: w.tenant.ID, Name: "No sale"}))
	return w
}

// chat describes one chat of a hand-made history, in seconds after its creation.
type chat struct {
	id         string
	created    time.Time
	connector  int64
	agent      int64
	accept     int // seconds to answer; -1 never answered
	reply      int // seconds from creation to the agent's first reply; -1 none
	handle     int // seconds from answer to close; -1 still open
	closeAfter int // unanswered: seconds from creation to close
	cause      string
	offered    bool
	missed     int
	outcome    int64
	rating     string
	tags       []int64
	kind       string
}

func ptr(t time.Time) *time.Time { return &t }

// add writes the chats into the world's tenant.
func (w *world) add(tb testing.TB, st *store.Store, cs ...chat) {
	tb.Helper()
	ctx := context.Background()
	for _, c := range cs {
		row := store.Chat{ID: c.id, TenantID: w.tenant.ID, ConnectorID: c.connector, State: "queued", VisitorName: "V " + c.id,
			CreatedAt: c.created.UTC(), AgentID: c.agent, CloseCause: c.cause, OutcomeID: c.outcome, MissedOffers: c.missed, Kind: c.kind}
		if c.rating != "" {
			row.Fields = map[string]string{w.rating: c.rating}
		}
		if c.offered {
			row.OfferedAt = ptr(c.created.Add(time.Second))
		}
		if c.accept >= 0 {
			row.State = "active"
			row.AcceptedAt = ptr(c.created.Add(time.Duration(c.accept) * time.Second))
			if c.reply >= 0 {
				row.FirstReplyAt = ptr(c.created.Add(time.Duration(c.reply) * time.Second))
			}
			if c.handle >= 0 {
				row.State = "closed"
				row.ClosedAt = ptr(row.AcceptedAt.Add(time.Duration(c.handle) * time.Second))
			}
		} else if c.cause != "" {
			row.State = "closed"
			row.ClosedAt = ptr(c.created.Add(time.Duration(c.closeAfter) * time.Second))
		}
		if err := st.Commit(ctx, store.Write{Chat: &row}); err != nil {
			tb.Fatalf("chat %s: %v", c.id, err)
		}
		if len(c.tags) > 0 {
			if err := st.SetChatTags(ctx, w.tenant.ID, c.id, c.tags, c.agent, c.created); err != nil {
				tb.Fatalf("tags of %s: %v", c.id, err)
			}
		}
	}
}
