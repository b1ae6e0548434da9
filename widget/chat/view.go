package chat

import (
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
	"github.com/parleychat/parley/widget/uitext"
)

// This file derives the words the view shows from the model, so that the rules (anonymous
// agents, wait times, the typing line) are tested here and the DOM layer only places text.

// Header returns the title line of the panel: the connector's title, else its name, else the
// widget's default title.
func (m *Model) Header() string {
	t := m.Texts()
	if v := t.Overrides[uitext.Title]; v != "" {
		return t.Get(uitext.Title)
	}
	if m.Info != nil {
		if m.Info.Title != "" {
			return m.Info.Title
		}
		if m.Info.Name != "" {
			return m.Info.Name
		}
	}
	return t.Get(uitext.Title)
}

// Status returns the line under the title: who the visitor talks to, their place in the
// queue with the estimated wait, or whether the service is open.
func (m *Model) Status() string {
	t := m.Texts()
	switch m.Phase {
	case PhaseLoading:
		return t.Get(uitext.Loading)
	case PhaseOffline:
		return t.Get(uitext.Offline)
	case PhaseRefused:
		return t.Get(uitext.ChatUnavailable)
	case PhaseRequesting:
		return t.Get(uitext.ChatRequested)
	case PhaseQueued:
		return t.Get(uitext.ChatRequested)
	case PhaseActive:
		if m.Agent != "" && !m.hideAgent {
			return uitext.Fill(t.Get(uitext.ChattingWith), "agent", m.Agent)
		}
		return t.Get(uitext.ChattingAnonymous)
	case PhaseClosed:
		if s := t.Get(uitext.SessionTimeout); m.Cause == protocol.CauseIdle && s != "" {
			return s
		}
		return t.Get(uitext.Terminated)
	}
	if m.Info != nil && m.Info.Open {
		return t.Get(uitext.Online)
	}
	return ""
}

// QueueLine returns what a waiting visitor is told about the queue: their place and the
// estimated wait (when the connector shows it), or "" when there is nothing to say.
func (m *Model) QueueLine() string {
	if m.Phase != PhaseQueued && m.Phase != PhaseRequesting {
		return ""
	}
	t := m.Texts()
	var parts []string
	if m.Queue.Position > 0 {
		parts = append(parts, uitext.Fill(t.Get(uitext.QueuePosition), "n", strconv.Itoa(m.Queue.Position)))
	}
	if w := m.Wait(); w != "" {
		parts = append(parts, w)
	}
	return strings.Join(parts, " ")
}

// Wait returns the estimated wait sentence, or "" when unknown or not to be shown.
func (m *Model) Wait() string {
	if !m.showWait {
		return ""
	}
	secs := -1
	switch {
	case m.Queue.Position > 0 || m.Queue.EstimatedWait > 0:
		secs = m.Queue.EstimatedWait
	case m.Info != nil:
		secs = m.Info.EstimatedWait
	}
	t := m.Texts()
	if w := t.Wait(secs); w != "" {
		return uitext.Fill(t.Get(uitext.EstimatedWaitTime), "time", w)
	}
	return ""
}

// TypingText returns the typing line ("Agent Anna is typing..." from the connector's
// agentTyping text with $agent filled in), or "" when the agent is not typing.
func (m *Model) TypingText() string {
	if !m.AgentTyping {
		return ""
	}
	t := m.Texts()
	if m.hideAgent || m.Agent == "" {
		return t.Get(uitext.AnonymousTyping)
	}
	return texts.WithAgent(t.Get(texts.AgentTyping), m.Agent, t.Get(uitext.Agent))
}

// Sender returns the label shown above a line: the visitor's "You", the agent's name (or
// "Agent" when hidden), nothing for system lines and notices.
func (m *Model) Sender(it Item) string {
	t := m.Texts()
	switch it.Kind {
	case ItemVisitor:
		return t.Get(uitext.You)
	case ItemAgent:
		if it.Name == "" || m.hideAgent {
			return t.Get(uitext.Agent)
		}
		return it.Name
	}
	return ""
}

// Clock formats a line's time for the visitor's language, in the visitor's time zone.
func (m *Model) Clock(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	at = at.Local()
	if l := m.Texts().Lang; strings.EqualFold(l, "en") || strings.EqualFold(l, "en-US") {
		return at.Format("3:04 PM")
	}
	return at.Format("15:04")
}

// Placeholder is the message box's placeholder (the connector's editorPlaceholder).
func (m *Model) Placeholder() string { return m.Texts().Get(texts.EditorPlaceholder) }

// OfflineText is shown when the connector is closed (the connector's outOfService text).
func (m *Model) OfflineText() string { return m.Texts().Get(texts.OutOfService) }
