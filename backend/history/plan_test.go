package history

import (
	"reflect"
	"testing"
	"time"
)

func testSetup() Setup {
	return Setup{Tenants: []TenantSetup{
		{ID: 1, Lang: "en", Connectors: []int64{10, 11}, Agents: []Agent{{1, "Ann"}, {2, "Bob"}}, Tags: []int64{100, 101}, Outcomes: []int64{110}},
		{ID: 2, Lang: "de", Connectors: []int64{20}, Agents: []Agent{{3, "Cem"}}},
	}}
}

// The same seed makes the same history; another seed another one. The chats come in order
// of time within the year before End, numbered as the chat service numbers them, with about
// the asked number of messages, a share abandoned in the queue, and more chats on weekdays
// and in office hours than at night and on Sundays.
func TestPlan(t *testing.T) {
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	opt := Options{Seed: 7, Chats: 3000, Messages: 30000, End: end}
	p1, err := NewPlan(opt, testSetup())
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := NewPlan(opt, testSetup())
	h1, h2 := p1.Next(3000), p2.Next(3000)
	if !reflect.DeepEqual(h1, h2) || !p1.Done() {
		t.Fatal("the same seed made different histories")
	}
	opt.Seed = 8
	p3, _ := NewPlan(opt, testSetup())
	if h3 := p3.Next(10); reflect.DeepEqual(h3.Chats, h1.Chats[:10]) {
		t.Fatal("another seed made the same chats")
	}
	if n := len(h1.Messages); n < 25000 || n > 35000 {
		t.Errorf("%d messages, want about 30000", n)
	}
	abandoned, weekday, sunday, office, night := 0, 0, 0, 0, 0
	last := map[string]uint64{}
	for i, c := range h1.Chats {
		if i > 0 && c.CreatedAt.Before(h1.Chats[i-1].CreatedAt) {
			t.Fatal("chats out of order")
		}
		if c.CreatedAt.After(end) || c.CreatedAt.Before(end.AddDate(0, 0, -366)) {
			t.Fatalf("chat at %s", c.CreatedAt)
		}
		if c.AgentID == 0 {
			abandoned++
		}
		switch c.CreatedAt.Weekday() {
		case time.Sunday:
			sunday++
		case time.Tuesday:
			weekday++
		}
		if h := c.CreatedAt.Hour(); h >= 9 && h < 11 {
			office++
		} else if h >= 2 && h < 4 {
			night++
		}
		last[c.ID] = c.LastSeq
	}
	if abandoned < 150 || abandoned > 350 {
		t.Errorf("%d abandoned of 3000", abandoned)
	}
	if weekday < 2*sunday || office < 10*night {
		t.Errorf("no weekly pattern: Tuesday %d, Sunday %d, 9-11h %d, 2-4h %d", weekday, sunday, office, night)
	}
	seen := map[string]uint64{}
	for _, e := range h1.Events {
		if e.Seq != seen[e.ChatID]+1 {
			t.Fatalf("chat %s: event %d after %d", e.ChatID, e.Seq, seen[e.ChatID])
		}
		seen[e.ChatID] = e.Seq
	}
	for id, n := range last {
		if seen[id] != n {
			t.Fatalf("chat %s: LastSeq %d, last event %d", id, n, seen[id])
		}
	}
	// Tags and outcomes come from the chat's own tenant, on answered chats; visitors come back.
	tenantOf := map[string]int64{}
	visits := map[string]int{}
	outcomes := 0
	for _, c := range h1.Chats {
		tenantOf[c.ID] = c.TenantID
		visits[c.VisitorID]++
		if c.OutcomeID != 0 {
			outcomes++
			if c.TenantID != 1 || c.OutcomeID != 110 || c.AgentID == 0 {
				t.Fatalf("chat %s of tenant %d: outcome %d", c.ID, c.TenantID, c.OutcomeID)
			}
		}
	}
	for _, tg := range h1.Tags {
		if tenantOf[tg.ChatID] != 1 || (tg.TagID != 100 && tg.TagID != 101) || tg.AddedBy == 0 {
			t.Fatalf("tag %+v", tg)
		}
	}
	returning := 0
	for _, n := range visits {
		if n > 1 {
			returning++
		}
	}
	if outcomes < 500 || len(h1.Tags) < 100 || returning < 100 {
		t.Errorf("%d outcomes, %d tags, %d returning visitors in 3000 chats", outcomes, len(h1.Tags), returning)
	}
	// A sample of the chats is linked to contacts, a tenth of the steps merging two visitors
	// of one tenant.
	cs := p1.Contacts()
	merges := 0
	for _, c := range cs {
		if c.Merge {
			merges++
			if len(c.Chats) != 2 || c.Chats[0].TenantID != c.Chats[1].TenantID || c.Chats[0].VisitorID == c.Chats[1].VisitorID {
				t.Fatalf("merge of %+v", c.Chats)
			}
		}
	}
	if len(cs) != 300 || merges < 20 {
		t.Errorf("%d contact steps, %d merges; want 300, about 30", len(cs), merges)
	}
	if _, err := NewPlan(Options{Chats: 1, End: end}, Setup{}); err == nil {
		t.Error("a plan without tenants")
	}
}
