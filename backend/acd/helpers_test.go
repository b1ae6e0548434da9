package acd

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// t0 is a Monday, 09:00 UTC.
var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// harness drives an engine with a fake clock.
type harness struct {
	t   *testing.T
	e   *Engine
	now time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	o := DefaultOptions()
	o.QueueUpdateEvery = 0
	return &harness{t: t, e: NewWithOptions(o), now: t0}
}

func (h *harness) apply(ev Event) []Decision {
	h.t.Helper()
	return h.e.Apply(h.now, ev)
}

// advance moves the clock and sends a Tick.
func (h *harness) advance(d time.Duration) []Decision {
	h.t.Helper()
	h.now = h.now.Add(d)
	return h.e.Apply(h.now, Tick{})
}

// connector configures connector id into group g with the given tweaks.
func (h *harness) connector(id ConnectorID, g GroupID, tweak ...func(*ConnectorConfig)) []Decision {
	cfg := ConnectorConfig{Connector: id, Group: g, ConnectWait: 30 * time.Second}
	for _, f := range tweak {
		f(&cfg)
	}
	return h.apply(cfg)
}

// agent makes a connected agent that allows chat, in the given groups.
func (h *harness) agent(id AgentID, maxChats int, groups ...GroupID) []Decision {
	return h.apply(AgentState{Agent: id, Groups: groups, MaxChats: maxChats, AllowsChat: true, Connected: true})
}

func (h *harness) request(chat ChatID, k ConnectorID) []Decision {
	return h.apply(ChatRequested{Chat: chat, Connector: k, RequestedAt: h.now})
}

func all[T Decision](ds []Decision) []T {
	var out []T
	for _, d := range ds {
		if x, ok := d.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// updates returns the queue position updates, single or in rounds, in order.
func updates(ds []Decision) []QueueUpdate {
	var out []QueueUpdate
	for _, d := range ds {
		switch d := d.(type) {
		case QueueUpdate:
			out = append(out, d)
		case QueueUpdates:
			out = append(out, d.Updates...)
		}
	}
	return out
}

// routing returns the decisions other than queue position and message chatter.
func routing(ds []Decision) []Decision {
	var out []Decision
	for _, d := range ds {
		switch d.(type) {
		case QueueUpdate, QueueUpdates, QueueMessage, WaitingMessage:
			continue
		}
		out = append(out, d)
	}
	return out
}

func show(ds []Decision) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%T%+v\n", d, d)
	}
	return b.String()
}

// wantRouting checks the routing decisions (ignoring queue chatter and Offer.Expires).
func (h *harness) wantRouting(got []Decision, want ...Decision) {
	h.t.Helper()
	r := routing(got)
	norm := func(ds []Decision) string {
		var n []Decision
		for _, d := range ds {
			if o, ok := d.(Offer); ok {
				o.Expires = time.Time{}
				d = o
			}
			n = append(n, d)
		}
		return show(n)
	}
	if g, w := norm(r), norm(want); g != w {
		h.t.Fatalf("at +%v decisions:\n%s\nwant:\n%s", h.now.Sub(t0), g, w)
	}
}

func (h *harness) wantState(chat ChatID, s ChatState, a AgentID) {
	h.t.Helper()
	info, ok := h.e.ChatInfo(chat)
	if !ok {
		h.t.Fatalf("chat %s unknown", chat)
	}
	if info.State != s || info.Agent != a {
		h.t.Fatalf("chat %s: state %v agent %d, want %v agent %d", chat, info.State, info.Agent, s, a)
	}
}
