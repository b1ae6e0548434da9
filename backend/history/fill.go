package history

import (
	"context"
	"fmt"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Config says how much configuration to make before the chats.
type Config struct {
	Tenants, AgentsPerTenant, ConnectorsPerTenant int
	// PasswordHash is stored for every generated agent (hash one password once: hashing
	// thousands at the production cost would take minutes). Empty leaves them unable to sign in.
	PasswordHash string
}

// MakeSetup creates the tenants, their ACD groups, connectors and agents in st, named
// "History tenant 1…", with the default languages English, German and French in turn.
func MakeSetup(ctx context.Context, st *store.Store, cfg Config) (Setup, error) {
	var s Setup
	for i := range cfg.Tenants {
		lang := languages[i%len(languages)]
		t, err := st.CreateTenant(ctx, store.Tenant{Name: fmt.Sprintf("History tenant %d", i+1), DefaultLang: lang, TimeZone: "Europe/Berlin"})
		if err != nil {
			return s, err
		}
		ts := TenantSetup{ID: t.ID, Lang: lang}
		var groups []int64
		for _, name := range []string{"Sales", "Support"} {
			g, err := st.CreateGroup(ctx, store.ACDGroup{TenantID: t.ID, Name: name})
			if err != nil {
				return s, err
			}
			groups = append(groups, g.ID)
		}
		for j := range max(1, cfg.ConnectorsPerTenant) {
			k, err := st.CreateConnector(ctx, store.Connector{TenantID: t.ID, Name: fmt.Sprintf("Website %d", j+1), GroupID: groups[j%len(groups)]})
			if err != nil {
				return s, err
			}
			ts.Connectors = append(ts.Connectors, k.ID)
		}
		for j := range max(1, cfg.AgentsPerTenant) {
			name := firstNames[(i*7+j)%len(firstNames)] + " " + lastNames[(i*3+j)%len(lastNames)]
			u, err := st.CreateUser(ctx, store.User{TenantID: t.ID, Login: fmt.Sprintf("history-t%d-agent%d", t.ID, j+1), Name: name,
				Nickname: name, Role: store.RoleAgent, MaxChats: 4, Active: true, PasswordHash: cfg.PasswordHash, Lang: lang,
				Groups: []int64{groups[j%len(groups)]}})
			if err != nil {
				return s, err
			}
			ts.Agents = append(ts.Agents, Agent{ID: u.ID, Name: name})
		}
		s.Tenants = append(s.Tenants, ts)
	}
	return s, nil
}

// Progress is told after each batch how many chats are written.
type Progress func(done, total int)

// Fill writes the plan's chats into st in batches of batch chats (one transaction each).
func Fill(ctx context.Context, st *store.Store, p *Plan, batch int, progress Progress) error {
	if batch <= 0 {
		batch = 2000
	}
	done := 0
	for !p.Done() {
		h := p.Next(batch)
		if err := st.ImportHistory(ctx, h); err != nil {
			return err
		}
		done += len(h.Chats)
		if progress != nil {
			progress(done, len(p.starts))
		}
	}
	return nil
}

// Generate makes a whole history in st: the configuration, then the chats. It is what the
// parley-history command and the benchmarks run.
func Generate(ctx context.Context, st *store.Store, cfg Config, opt Options, progress Progress) (Setup, error) {
	if opt.End.IsZero() {
		opt.End = time.Now()
	}
	setup, err := MakeSetup(ctx, st, cfg)
	if err != nil {
		return setup, fmt.Errorf("history: setup: %w", err)
	}
	p, err := NewPlan(opt, setup)
	if err != nil {
		return setup, err
	}
	if err := Fill(ctx, st, p, 2000, progress); err != nil {
		return setup, err
	}
	return setup, st.Analyze(ctx)
}
