package history

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Options size the history.
type Options struct {
	// Seed makes the history: the same seed, the same chats, messages and times.
	Seed uint64
	// Chats and Messages are how many of each to make in all; messages are spread over the
	// answered chats (about Messages/Chats each on average).
	Chats, Messages int
	// End is when the history ends (usually now); it covers the year before.
	End time.Time
	// Days is how far back the history goes; 0 means 365.
	Days int
	// Contacts is how many chats are linked to contacts, as the store links live chats (a
	// tenth of those merged with another visitor's contact by an agent); 0 means one chat in
	// ten up to 1,000, -1 none. Linking goes chat by chat, so it is kept to a sample.
	Contacts int
}

// Setup is the configuration the chats belong to, made before the plan: per tenant, its
// default language, its connectors and its agents.
type Setup struct {
	Tenants []TenantSetup
}

// TenantSetup is one tenant's part of a [Setup].
type TenantSetup struct {
	ID         int64
	Lang       string
	Connectors []int64
	Agents     []Agent
	// Tags and Outcomes are the tenant's lists (may be empty): answered chats get an outcome
	// mostly and a tag or two often.
	Tags, Outcomes []int64
}

// ContactPlan is one step of linking chats to contacts: Chats are linked in turn, and when
// Merge is set their two contacts are then merged by agent By.
type ContactPlan struct {
	Chats []store.Chat
	Merge bool
	By    int64
}

// visitor is someone who chats, so that returning visitors come back under the same id.
type visitor struct {
	id, name, email string
}

// Agent is an agent as the plan names them in chats.
type Agent struct {
	ID   int64
	Name string
}

// Plan decides the history chat by chat, in order of time, so that the search index's order
// follows time as a live system's does.
type Plan struct {
	opt    Options
	setup  Setup
	rng    *rand.Rand
	starts []time.Time
	next   int
	// msgsPerChat is the average length of an answered conversation.
	msgsPerChat float64
	// visitors are each tenant's visitors so far, some of whom come back.
	visitors map[int64][]visitor
	// contacts are the linking steps planned so far; contactEvery picks their chats.
	contacts     []ContactPlan
	contactEvery int
	contactLeft  int
}

// NewPlan prepares the plan: it draws every chat's start time (weekdays busier than weekends,
// office hours busier than nights) and sorts them.
func NewPlan(opt Options, setup Setup) (*Plan, error) {
	if opt.Chats <= 0 || len(setup.Tenants) == 0 {
		return nil, fmt.Errorf("history: nothing to plan: %d chats, %d tenants", opt.Chats, len(setup.Tenants))
	}
	for _, t := range setup.Tenants {
		if len(t.Connectors) == 0 || len(t.Agents) == 0 {
			return nil, fmt.Errorf("history: tenant %d needs a connector and an agent", t.ID)
		}
	}
	if opt.Days <= 0 {
		opt.Days = 365
	}
	if opt.End.IsZero() {
		return nil, fmt.Errorf("history: no end time")
	}
	p := &Plan{opt: opt, setup: setup, rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)), visitors: map[int64][]visitor{}}
	switch {
	case opt.Contacts == 0:
		p.contactLeft = min(1000, max(1, opt.Chats/10))
	case opt.Contacts > 0:
		p.contactLeft = min(opt.Contacts, opt.Chats)
	}
	if p.contactLeft > 0 {
		p.contactEvery = max(1, opt.Chats/p.contactLeft)
	}
	answered := float64(opt.Chats) * (1 - abandonShare)
	p.msgsPerChat = max(1, float64(opt.Messages)/answered)
	start := opt.End.AddDate(0, 0, -opt.Days).Truncate(24 * time.Hour)
	p.starts = make([]time.Time, opt.Chats)
	for i := range p.starts {
		p.starts[i] = p.startTime(start)
	}
	slices.SortFunc(p.starts, func(a, b time.Time) int { return a.Compare(b) })
	return p, nil
}

// abandonShare is the part of chats that end in the queue, unanswered.
const abandonShare = 0.08

// weekdayWeight is how busy each day of the week is, Sunday first.
var weekdayWeight = [7]float64{0.25, 1, 1, 0.95, 0.95, 0.85, 0.35}

// hourWeight is how busy each hour of the day is.
var hourWeight = [24]float64{0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.45, 0.8, 1, 1, 0.95,
	0.8, 0.9, 1, 0.95, 0.85, 0.7, 0.55, 0.45, 0.35, 0.25, 0.15, 0.08}

// startTime draws a chat's start by rejection: a uniform day and hour, kept as often as that
// weekday and hour are busy.
func (p *Plan) startTime(from time.Time) time.Time {
	for {
		day := from.AddDate(0, 0, p.rng.IntN(p.opt.Days))
		hour := p.rng.IntN(24)
		if p.rng.Float64() > weekdayWeight[day.Weekday()]*hourWeight[hour] {
			continue
		}
		t := day.Add(time.Duration(hour)*time.Hour + time.Duration(p.rng.Int64N(int64(time.Hour))))
		if t.Before(p.opt.End) {
			return t.UTC().Truncate(time.Microsecond)
		}
	}
}

// returnShare is the part of chats from a visitor who chatted before.
const returnShare = 0.25

// Contacts are the contact links planned so far (all of them once [Plan.Done]).
func (p *Plan) Contacts() []ContactPlan { return p.contacts }

// Done reports whether every chat has been planned.
func (p *Plan) Done() bool { return p.next >= len(p.starts) }

// Next plans the next n chats (fewer at the end) as one batch for the store's import.
func (p *Plan) Next(n int) store.History {
	var h store.History
	for ; n > 0 && p.next < len(p.starts); n-- {
		p.chat(&h, p.starts[p.next])
		p.next++
	}
	return h
}

// chatID is a deterministic id of the store's shape (20 URL-safe characters).
func (p *Plan) chatID() string {
	var b [15]byte
	for i := range b {
		b[i] = byte(p.rng.UintN(256))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// chat plans one chat into h.
func (p *Plan) chat(h *store.History, at time.Time) {
	t := p.setup.Tenants[p.rng.IntN(len(p.setup.Tenants))]
	lang := t.Lang
	if p.rng.Float64() < 0.3 {
		lang = languages[p.rng.IntN(len(languages))]
	}
	bank, ok := phrases[lang]
	if !ok { // a tenant of another language: its visitors write English
		lang, bank = "en", phrases["en"]
	}
	seen := p.visitors[t.ID]
	var v visitor
	if len(seen) > 0 && p.rng.Float64() < returnShare {
		v = seen[p.rng.IntN(len(seen))]
	} else {
		first, last := firstNames[p.rng.IntN(len(firstNames))], lastNames[p.rng.IntN(len(lastNames))]
		v = visitor{id: fmt.Sprintf("v%x", p.rng.Uint64()), name: first + " " + last}
		if p.rng.Float64() < 0.6 {
			v.email = fmt.Sprintf("%s.%s%d@example.com", lower(first), lower(last), p.rng.IntN(100))
		}
		p.visitors[t.ID] = append(seen, v)
	}
	c := store.Chat{
		ID: p.chatID(), TenantID: t.ID, ConnectorID: t.Connectors[p.rng.IntN(len(t.Connectors))],
		State: "closed", VisitorName: v.name, VisitorEmail: v.email, Lang: lang, CreatedAt: at,
		VisitorID: v.id, Page: "https://shop.example.com/" + pages[p.rng.IntN(len(pages))],
	}
	defer func() { p.contact(c) }()
	conv := NewConversation(h, c.ID)
	h.Participants = append(h.Participants, store.Participant{ChatID: c.ID, Role: store.ParticipantVisitor, Name: c.VisitorName, JoinedAt: at})
	conv.Event(&protocol.ChatState{State: protocol.StateQueued, At: at}, at, false)
	// The wait: mostly short, with a long tail.
	wait := time.Duration(math.Min(p.rng.ExpFloat64()*25, 900) * float64(time.Second))
	if p.rng.Float64() < abandonShare {
		end := at.Add(wait + time.Duration(p.rng.IntN(60))*time.Second)
		c.ClosedAt, c.CloseCause = &end, string(protocol.CauseVisitor)
		h.Participants[len(h.Participants)-1].LeftAt = &end
		conv.Event(&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: end}, end, false)
		c.LastSeq, c.LastVisitorSeq = conv.Numbers()
		h.Chats = append(h.Chats, c)
		return
	}
	agent := t.Agents[p.rng.IntN(len(t.Agents))]
	accepted := at.Add(wait)
	c.AgentID, c.AcceptedAt = agent.ID, &accepted
	h.Participants = append(h.Participants, store.Participant{ChatID: c.ID, Role: store.ParticipantOwner, UserID: agent.ID, Name: agent.Name, JoinedAt: accepted})
	conv.Event(&protocol.ChatState{State: protocol.StateActive, At: accepted}, accepted, false)
	// Conversation length: around the average, at least two lines.
	n := max(2, int(math.Round(p.msgsPerChat*(0.4+1.2*p.rng.Float64()))))
	now := accepted
	for i := 0; i < n; i++ {
		now = now.Add(time.Duration(5+p.rng.IntN(90)) * time.Second)
		role, name, uid := protocol.RoleVisitor, c.VisitorName, int64(0)
		lines := bank.visitor
		internal := false
		if i%2 == 1 {
			role, name, uid, lines = protocol.RoleAgent, agent.Name, agent.ID, bank.agent
			if p.rng.Float64() < 0.04 {
				internal, lines = true, bank.note
			}
		}
		text := lines[p.rng.IntN(len(lines))]
		if p.rng.Float64() < 0.3 {
			text += " " + lines[p.rng.IntN(len(lines))]
		}
		conv.Message(protocol.Message{Role: role, Name: name, Text: text, Internal: internal, At: now}, uid)
		if role == protocol.RoleAgent && !internal && c.FirstReplyAt == nil {
			fr := now
			c.FirstReplyAt = &fr
		}
	}
	end := now.Add(time.Duration(10+p.rng.IntN(120)) * time.Second)
	cause := protocol.CauseAgent
	if p.rng.Float64() < 0.45 {
		cause = protocol.CauseVisitor
	}
	if p.rng.Float64() < 0.4 {
		c.Fields = map[string]string{RatingField: fmt.Sprint(ratings[p.rng.IntN(len(ratings))])}
		conv.Event(&protocol.FieldSet{Survey: "post", Fields: c.Fields}, end, false)
	}
	if len(t.Outcomes) > 0 && p.rng.Float64() < 0.8 {
		c.OutcomeID = t.Outcomes[p.rng.IntN(len(t.Outcomes))]
	}
	if len(t.Tags) > 0 && p.rng.Float64() < 0.2 {
		first := p.rng.IntN(len(t.Tags))
		h.Tags = append(h.Tags, store.ChatTag{ChatID: c.ID, TagID: t.Tags[first], AddedBy: agent.ID, AddedAt: end})
		if second := p.rng.IntN(len(t.Tags)); second != first && p.rng.Float64() < 0.3 {
			h.Tags = append(h.Tags, store.ChatTag{ChatID: c.ID, TagID: t.Tags[second], AddedBy: agent.ID, AddedAt: end})
		}
	}
	c.ClosedAt, c.CloseCause = &end, string(cause)
	for i := range h.Participants[len(h.Participants)-2:] {
		h.Participants[len(h.Participants)-2+i].LeftAt = &end
	}
	conv.Event(&protocol.ChatState{State: protocol.StateClosed, Cause: cause, At: end}, end, false)
	c.LastSeq, c.LastVisitorSeq = conv.Numbers()
	h.Chats = append(h.Chats, c)
}

// contact plans the linking of chat c when it is one of the sample: every tenth linked
// chat is merged with the one linked before it in the same tenant, as an agent who sees that
// two visitors are one person merges them.
func (p *Plan) contact(c store.Chat) {
	if p.contactLeft == 0 || p.next%p.contactEvery != 0 {
		return
	}
	p.contactLeft--
	step := ContactPlan{Chats: []store.Chat{c}}
	if len(p.contacts)%10 == 9 {
		for i := len(p.contacts) - 1; i >= 0; i-- {
			prev := p.contacts[i].Chats[0]
			if prev.TenantID == c.TenantID && prev.VisitorID != c.VisitorID {
				step = ContactPlan{Chats: []store.Chat{prev, c}, Merge: true, By: c.AgentID}
				break
			}
		}
	}
	p.contacts = append(p.contacts, step)
}

// ratings are drawn from this list, so that good ratings are the most common.
var ratings = []int{5, 5, 5, 4, 4, 4, 3, 2, 1}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
