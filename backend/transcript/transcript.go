// Package transcript turns a chat into a printable PDF transcript: a header with the chat's
// data (connector, visitor, language, page, times, the agents who took part and their parts,
// why it ended, the survey answers) and then every line in order with its sender and time in
// the tenant's time zone, files by name, system lines set apart and agents-only lines
// (whispers, internal notes, observers joining) marked "internal", so that a chat can be
// filed, forwarded or printed outside Parley.
//
// [Load] reads a chat from the store into a [Transcript], which [Render] draws; [MayRead]
// says who may have it. Text is set in the embedded DejaVu Sans (assets/fonts), so umlauts,
// accents, Greek and Cyrillic print as written on any server.
package transcript

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// Store is what a transcript reads; *store.Store has it.
type Store interface {
	Tenant(ctx context.Context, id int64) (store.Tenant, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	Participants(ctx context.Context, chatID string) ([]store.Participant, error)
	EventsAfter(ctx context.Context, chatID string, afterSeq uint64, limit int) ([]store.Event, error)
	SurveyFields(ctx context.Context, connectorID int64, kind string) ([]store.SurveyField, error)
	User(ctx context.Context, id int64) (store.User, error)
}

// Transcript is a chat as its transcript shows it: plain values, read once by [Load], so that
// [Render] does no I/O and tests can draw any chat.
type Transcript struct {
	ChatID    string
	Tenant    string
	Connector string
	Visitor   Visitor
	// Direct marks a chat between two colleagues: it has no visitor and no connector, and
	// its agents are the two colleagues.
	Direct  bool
	Lang    string
	Page    string
	Started time.Time
	// Ended is zero while the chat is open.
	Ended time.Time
	// CloseCause says why the chat ended, in words; empty while open.
	CloseCause string
	Agents     []Agent
	Fields     []Field
	Lines      []Line
	// Location is the tenant's time zone, in which every time is shown (UTC when nil).
	Location *time.Location
	// Printed is when the transcript was made, shown in the footer.
	Printed time.Time
	// Reader is the language of the transcript's own words (one of Languages): its system
	// lines, headings, labels and dates. Empty is English.
	Reader string
}

// Visitor is what the chat knows of its visitor.
type Visitor struct {
	Name, Email, Phone, CustomerID string
}

// Agent is a person who took part in the chat, with every part they had (owner, participant,
// observer, supervisor) and when they first joined and last left (zero: still there). Name is
// their full name with the nickname the chat shows in brackets, when it differs.
type Agent struct {
	UserID int64
	Name   string
	Parts  []string
	Joined time.Time
	Left   time.Time
}

// Field is a survey answer or a field the visitor filled in, with the label its survey gives
// it and which survey it came from ("Pre-chat", "Post-chat" or "Other").
type Field struct {
	Survey string
	Label  string
	Value  string
}

// known is a field of the connector's surveys: its row with the label in the reader's
// language, and its definition, by which an answer reads in that language.
type known struct {
	Field
	def      survey.Field
	reader   string
	fallback string
}

// shown is a stored answer of the field as the transcript's reader reads it.
func (k known) shown(value string) string {
	return survey.AnswerIn(k.def, value, k.reader, k.fallback)
}

// LineKind says how a line is drawn.
type LineKind int

// The kinds of lines.
const (
	// LineMessage is something the visitor or an agent wrote (or a file they shared).
	LineMessage LineKind = iota
	// LineSystem is a line of Parley's: texts the system sent, joins and leaves, state
	// changes, fields filled in. It is set apart from what people wrote.
	LineSystem
)

// Line is one line of the conversation.
type Line struct {
	Kind   LineKind
	Role   protocol.Role
	Sender string
	At     time.Time
	Text   string
	// File is the name of a shared file, when the line carries one.
	File string
	// Internal marks a line the visitor never saw: a whisper, an internal note, an observer
	// joining (the event is agents-only).
	Internal bool
	// Translation is the line in TranslationLang when the chat translated it (Text is always
	// what the sender wrote, in Lang), so that a transcript shows what each side read.
	Lang, Translation, TranslationLang string
}

// Full is the line's text followed, when it was translated, by its translation on a line of
// its own marked with the translation's language, as every transcript shows it.
func (l Line) Full() string {
	if l.Translation == "" {
		return l.Text
	}
	return l.Text + "\n" + TranslationMark(l.TranslationLang) + " " + l.Translation
}

// TranslationMark introduces a line's translation in a transcript: "Translation (de):".
func TranslationMark(lang string) string { return "Translation (" + lang + "):" }

// eventPage is how many events Load reads at a time.
const eventPage = 500

// Load reads everything chat c's transcript shows: its tenant's name and time zone, its
// connector, its participants, its survey fields and all its events in order. now is the
// time the transcript is printed. reader is the language of whoever reads it (an admin's or
// agent's setting, the visitor's language for a transcript mailed to them): survey answers
// are labelled with their field's prompt in that language, and a choice with its option's
// label there, falling back as survey.Localize does to the tenant's default language and
// then the field's base text.
func Load(ctx context.Context, st Store, c store.Chat, now time.Time, reader string) (Transcript, error) {
	lang := Language(reader)
	t := Transcript{
		ChatID: c.ID, Lang: c.Lang, Page: c.Page, Started: c.CreatedAt, Printed: now, Reader: lang,
		Visitor:  Visitor{Name: c.VisitorName, Email: c.VisitorEmail, Phone: c.VisitorPhone, CustomerID: c.CustomerID},
		Location: time.UTC,
	}
	tenant, err := st.Tenant(ctx, c.TenantID)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript: tenant: %w", err)
	}
	t.Tenant = tenant.Name
	if loc, err := time.LoadLocation(tenant.TimeZone); err == nil && tenant.TimeZone != "" {
		t.Location = loc
	}
	if t.Direct = c.Kind == store.ChatDirect; t.Direct {
		t.Visitor = Visitor{}
	} else if k, err := st.Connector(ctx, c.ConnectorID); err == nil {
		t.Connector = k.Name
	} else {
		t.Connector = fmt.Sprintf("connector %d", c.ConnectorID)
	}
	if c.ClosedAt != nil {
		t.Ended = *c.ClosedAt
		t.CloseCause = CauseText(lang, protocol.Cause(c.CloseCause))
	}
	parts, err := st.Participants(ctx, c.ID)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript: participants: %w", err)
	}
	t.Agents = agents(parts, lang)
	for i, a := range t.Agents {
		if u, err := st.User(ctx, a.UserID); err == nil && strings.TrimSpace(u.Name) != "" {
			t.Agents[i].Name = fullName(u.Name, a.Name)
		}
	}
	labels := map[string]known{}
	var order []string
	for _, kind := range []string{store.SurveyPreChat, store.SurveyPostChat} {
		fields, err := st.SurveyFields(ctx, c.ConnectorID, kind)
		if err != nil {
			return Transcript{}, fmt.Errorf("transcript: survey fields: %w", err)
		}
		for _, f := range fields {
			if _, ok := labels[f.Name]; ok {
				continue
			}
			label := strings.TrimSpace(survey.Localize(f.Field, reader, tenant.DefaultLang).Prompt)
			if label == "" {
				label = f.Name
			}
			labels[f.Name] = known{Field: Field{Survey: surveyName(lang, kind), Label: label}, def: f.Field, reader: reader, fallback: tenant.DefaultLang}
			order = append(order, f.Name)
		}
	}
	t.Fields = fields(c.Fields, labels, order, lang)
	for after := uint64(0); ; {
		evs, err := st.EventsAfter(ctx, c.ID, after, eventPage)
		if err != nil {
			return Transcript{}, fmt.Errorf("transcript: events: %w", err)
		}
		for _, ev := range evs {
			t.Lines = append(t.Lines, lines(ev, labels, c.VisitorName, lang)...)
			after = ev.Seq
		}
		if len(evs) < eventPage {
			break
		}
	}
	return t, nil
}

// MayRead reports whether u may read chat c's transcript: an agent who took part in it (its
// owner, or anyone in its participants), a supervisor or administrator of its tenant, or a
// super-admin. Everyone else is told the chat does not exist.
func MayRead(u store.User, c store.Chat, parts []store.Participant) bool {
	if !u.Active {
		return false
	}
	switch u.Role {
	case store.RoleSuperAdmin:
		return true
	case store.RoleAdmin, store.RoleSupervisor:
		if u.TenantID == c.TenantID {
			return true
		}
	}
	if u.TenantID != c.TenantID {
		return false
	}
	if c.AgentID == u.ID {
		return true
	}
	for _, p := range parts {
		if p.UserID == u.ID && p.Role != store.ParticipantVisitor {
			return true
		}
	}
	return false
}

// surveyName names the survey a field kind belongs to.
func surveyName(lang, kind string) string {
	if kind == store.SurveyPostChat {
		return say(lang, "Post-chat")
	}
	return say(lang, "Pre-chat")
}

// agents gathers the participants who are not the visitor into one entry per person, in the
// order they first joined, their parts named in lang; a person still in the chat in any part
// has not left.
func agents(parts []store.Participant, lang string) []Agent {
	var out []Agent
	index := map[int64]int{}
	open := map[int]bool{}
	for _, p := range parts {
		if p.Role == store.ParticipantVisitor {
			continue
		}
		i, ok := index[p.UserID]
		if !ok {
			i = len(out)
			index[p.UserID] = i
			out = append(out, Agent{UserID: p.UserID, Name: p.Name, Joined: p.JoinedAt})
		}
		a := &out[i]
		if p.Name != "" {
			a.Name = p.Name
		}
		if part := partName(lang, p.Role); !slices.Contains(a.Parts, part) {
			a.Parts = append(a.Parts, part)
		}
		if p.JoinedAt.Before(a.Joined) {
			a.Joined = p.JoinedAt
		}
		if p.LeftAt == nil {
			open[i] = true
		} else if p.LeftAt.After(a.Left) {
			a.Left = *p.LeftAt
		}
	}
	for i := range open {
		out[i].Left = time.Time{}
	}
	return out
}

// fullName is a person's name with the nickname the chat showed in brackets, when they
// differ.
func fullName(name, nick string) string {
	name, nick = strings.TrimSpace(name), strings.TrimSpace(nick)
	if nick == "" || nick == name {
		return name
	}
	return name + " (" + nick + ")"
}

// fields lists the chat's fields: those of its connector's surveys in the surveys' order,
// then any others by name.
func fields(values map[string]string, labels map[string]known, order []string, lang string) []Field {
	var out []Field
	for _, name := range order {
		if v, ok := values[name]; ok && strings.TrimSpace(v) != "" {
			k := labels[name]
			f := k.Field
			f.Value = k.shown(v)
			out = append(out, f)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if _, ok := labels[name]; ok || strings.TrimSpace(values[name]) == "" {
			continue
		}
		out = append(out, Field{Survey: say(lang, "Other"), Label: name, Value: values[name]})
	}
	return out
}

// lines turns one stored event into transcript lines (none for an event it does not show),
// Parley's words in lang.
func lines(ev store.Event, labels map[string]known, visitor, lang string) []Line {
	body, ok := protocol.EventBodyFor(protocol.Type(ev.Type))
	if !ok {
		return nil
	}
	if err := json.Unmarshal(ev.Data, body); err != nil {
		return nil
	}
	internal := ev.AgentsOnly // the store sets it exactly when the event has no visitor number
	sys := func(at time.Time, text string) Line {
		if at.IsZero() {
			at = ev.At
		}
		return Line{Kind: LineSystem, Role: protocol.RoleSystem, Sender: "Parley", At: at, Text: text, Internal: internal}
	}
	switch b := body.(type) {
	case *protocol.Message:
		at := b.At
		if at.IsZero() {
			at = ev.At
		}
		l := Line{Kind: LineMessage, Role: b.Role, Sender: b.Name, At: at, Text: b.Text, Internal: internal}
		if tr := b.Translation; tr != nil && !tr.Failed && tr.Text != "" {
			l.Lang, l.Translation, l.TranslationLang = tr.From, tr.Text, tr.To
		}
		if b.File != nil {
			l.File = b.File.Name
			if strings.TrimSpace(l.Text) == l.File {
				l.Text = ""
			}
		}
		switch b.Role {
		case protocol.RoleVisitor:
			if l.Sender == "" {
				l.Sender = visitor
			}
			if strings.TrimSpace(l.Sender) == "" {
				l.Sender = say(lang, "Visitor")
			}
		case protocol.RoleAgent:
			if l.Sender == "" {
				l.Sender = say(lang, "Agent")
			}
		default:
			l.Kind, l.Role = LineSystem, protocol.RoleSystem
			if l.Sender == "" {
				l.Sender = "Parley"
			}
		}
		return []Line{l}
	case *protocol.Joined:
		return []Line{sys(time.Time{}, joined(lang, who(lang, b.Name, b.Role, visitor), b.As))}
	case *protocol.Left:
		return []Line{sys(time.Time{}, left(lang, who(lang, b.Name, b.Role, visitor), b.As))}
	case *protocol.ChatState:
		switch b.State {
		case protocol.StateQueued:
			if b.Cause != "" {
				return []Line{sys(b.At, say(lang, "The chat went back to the queue ({0})", string(b.Cause)))}
			}
			return []Line{sys(b.At, say(lang, "The chat is waiting for an agent"))}
		case protocol.StateActive:
			return []Line{sys(b.At, say(lang, "An agent accepted the chat"))}
		case protocol.StateClosed:
			return []Line{sys(b.At, CauseText(lang, b.Cause))}
		}
	case *protocol.Transfer:
		return transferLines(b, sys, lang)
	case *protocol.FieldSet:
		var out []Line
		for _, name := range slices.Sorted(maps.Keys(b.Fields)) {
			label, value := name, b.Fields[name]
			if f, ok := labels[name]; ok {
				label, value = f.Label, f.shown(value)
			}
			text := say(lang, "The visitor answered {0}: {1}", label, value)
			if b.Survey == "post" {
				text = say(lang, "Post-chat survey, {0}: {1}", label, value)
			}
			out = append(out, sys(time.Time{}, text))
		}
		return out
	}
	return nil
}

// who names the person of a join or leave.
func who(lang, name string, role protocol.Role, visitor string) string {
	switch {
	case strings.TrimSpace(name) != "":
		return name
	case role == protocol.RoleVisitor && strings.TrimSpace(visitor) != "":
		return visitor
	case role == protocol.RoleVisitor:
		return say(lang, "The visitor")
	}
	return say(lang, "An agent")
}

// joined says that someone joined, and in which part when it is not the usual one.
func joined(lang, who string, p protocol.Part) string {
	switch p {
	case protocol.PartParticipant:
		return say(lang, "{0} joined the chat as a participant", who)
	case protocol.PartObserver:
		return say(lang, "{0} joined the chat as an observer", who)
	case protocol.PartSupervisor:
		return say(lang, "{0} joined the chat as a supervisor", who)
	}
	return say(lang, "{0} joined the chat", who)
}

// left says that someone left, and in which part when it is not the usual one.
func left(lang, who string, p protocol.Part) string {
	switch p {
	case protocol.PartParticipant:
		return say(lang, "{0} left the chat as a participant", who)
	case protocol.PartObserver:
		return say(lang, "{0} left the chat as an observer", who)
	case protocol.PartSupervisor:
		return say(lang, "{0} left the chat as a supervisor", who)
	}
	return say(lang, "{0} left the chat", who)
}

// partName names a participant's part (store.Participant*) in lang.
func partName(lang, role string) string {
	switch role {
	case store.ParticipantOwner:
		return say(lang, "owner")
	case store.ParticipantAgent:
		return say(lang, "participant")
	case store.ParticipantObserver:
		return say(lang, "observer")
	case store.ParticipantSupervisor:
		return say(lang, "supervisor")
	}
	return role
}

// CauseText says in words, in lang (one of Languages), why a chat ended.
func CauseText(lang string, c protocol.Cause) string {
	switch c {
	case protocol.CauseVisitor:
		return say(lang, "The visitor closed the chat")
	case protocol.CauseAgent:
		return say(lang, "The agent closed the chat")
	case protocol.CauseNoAgent:
		return say(lang, "No agent was found in time")
	case protocol.CauseVisitorGone:
		return say(lang, "The visitor was away too long")
	case protocol.CauseOutOfService:
		return say(lang, "Out of service or outside opening hours")
	case protocol.CauseIdle:
		return say(lang, "The visitor was idle too long")
	case protocol.CauseLeftMessage:
		return say(lang, "The visitor left a message")
	case "":
		return say(lang, "The chat ended")
	}
	return say(lang, "The chat ended ({0})", string(c))
}
