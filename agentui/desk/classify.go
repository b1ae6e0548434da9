package desk

import (
	"slices"

	"github.com/parleychat/parley/shared/protocol"
)

// Labels are the tenant's lists for classifying chats, from agent.ready, and what the agent
// picked for each chat: tags are sent at once (chat.tags), the outcome goes with the close.
type Labels struct {
	Tags            []protocol.Label
	Outcomes        []protocol.Label
	OutcomeRequired bool
	chosen          map[string]*choice
}

// choice is one chat's tags and outcome as the agent set them.
type choice struct {
	tags    []int64
	outcome int64
}

// setLists takes the tenant's lists, from an agent.ready or as an admin changed them, keeping
// the agent's choices except an outcome no longer in the list, which could not close a chat.
func (l *Labels) setLists(tags, outcomes []protocol.Label, required bool) {
	l.Tags, l.Outcomes, l.OutcomeRequired = tags, outcomes, required
	for _, c := range l.chosen {
		if c.outcome != 0 && !slices.ContainsFunc(outcomes, func(o protocol.Label) bool { return o.ID == c.outcome }) {
			c.outcome = 0
		}
	}
}

func (l *Labels) of(chat string) *choice {
	if l.chosen == nil {
		l.chosen = map[string]*choice{}
	}
	c := l.chosen[chat]
	if c == nil {
		c = &choice{}
		l.chosen[chat] = c
	}
	return c
}

// HasTag reports whether the agent put tag on the chat.
func (l *Labels) HasTag(chat string, tag int64) bool {
	c := l.chosen[chat]
	return c != nil && slices.Contains(c.tags, tag)
}

// Outcome is the outcome the agent picked for the chat, 0 none.
func (l *Labels) Outcome(chat string) int64 {
	if c := l.chosen[chat]; c != nil {
		return c.outcome
	}
	return 0
}

// CanClose says whether the chat may be closed as far as its outcome goes.
func (l *Labels) CanClose(chat string) bool { return !l.OutcomeRequired || l.Outcome(chat) != 0 }

// ToggleTag puts a tag of the tenant's list on the chat or takes it off, and returns the
// command that stores the chat's new tags.
func (d *Desk) ToggleTag(chat string, tag int64) (protocol.Command, bool) {
	if d.Chat(chat) == nil || !slices.ContainsFunc(d.Labels.Tags, func(t protocol.Label) bool { return t.ID == tag }) {
		return protocol.Command{}, false
	}
	c := d.Labels.of(chat)
	if i := slices.Index(c.tags, tag); i >= 0 {
		c.tags = slices.Delete(c.tags, i, i+1)
	} else {
		c.tags = append(c.tags, tag)
		slices.Sort(c.tags)
	}
	return d.command(chat, &protocol.ChatTags{Tags: slices.Clone(c.tags)}), true
}

// SetOutcome picks the chat's outcome (0 none); it is sent with the close.
func (d *Desk) SetOutcome(chat string, outcome int64) {
	if outcome != 0 && !slices.ContainsFunc(d.Labels.Outcomes, func(o protocol.Label) bool { return o.ID == outcome }) {
		return
	}
	d.Labels.of(chat).outcome = outcome
}
