package history

import (
	"context"
	"fmt"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/survey"
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
		for _, name := range tagNames[lang] {
			id, err := st.SaveLabel(ctx, store.LabelTag, store.Label{TenantID: t.ID, Name: name})
			if err != nil {
				return s, err
			}
			ts.Tags = append(ts.Tags, id)
		}
		for _, name := range outcomeNames[lang] {
			id, err := st.SaveLabel(ctx, store.LabelOutcome, store.Label{TenantID: t.ID, Name: name})
			if err != nil {
				return s, err
			}
			ts.Outcomes = append(ts.Outcomes, id)
		}
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
			// The post-chat rating the plan's ratings answer, so that reports count them.
			if _, err := st.CreateSurveyField(ctx, store.SurveyField{TenantID: t.ID, ConnectorID: k.ID, Kind: store.SurveyPostChat,
				Field: survey.Field{Name: RatingField, Type: survey.TypeRating, Prompt: "How did we do?", ValidateLow: -1, ValidateHigh: 5}}); err != nil {
				return s, err
			}
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

// Fill writes the plan's chats into st in batches of batch chats (one transaction each),
// then links the contacts the plan chose (see [Plan.Contacts]).
func Fill(ctx context.Context, st *store.Store, p *Plan, batch int, progress Progress) error {
	if batch <= 0 {
		batch = 10000
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
	return linkContacts(ctx, st, p.Contacts())
}

// linkContacts links the chats of cs to their contacts, as the store does after a live chat's
// commit, and merges the pairs the plan merges, as an agent would.
func linkContacts(ctx context.Context, st *store.Store, cs []ContactPlan) error {
	for _, c := range cs {
		var ids []int64
		for _, chat := range c.Chats {
			if err := st.LinkChat(ctx, chat); err != nil {
				return fmt.Errorf("history: contact of chat %s: %w", chat.ID, err)
			}
			cc, err := st.ChatContact(ctx, chat.TenantID, chat.ID)
			if err != nil {
				return fmt.Errorf("history: contact of chat %s: %w", chat.ID, err)
			}
			ids = append(ids, cc.ContactID)
		}
		if c.Merge && len(ids) == 2 && ids[0] != ids[1] && ids[0] != 0 && ids[1] != 0 {
			if err := st.MergeContacts(ctx, c.Chats[0].TenantID, ids[0], ids[1], c.By); err != nil {
				return fmt.Errorf("history: merge contacts: %w", err)
			}
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
	if err := st.BulkHistory(ctx, func() error { return Fill(ctx, st, p, 0, progress) }); err != nil {
		return setup, err
	}
	return setup, st.Analyze(ctx)
}
