package archive

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Relabel is a change of a chat's classification after the fact, from its transcript in the
// admin pages or from an agent's history: the chat's whole set of tags, and its outcome (0
// none). It is read from the same form fields in both places, tag (repeatable) and outcome,
// so that the audit log records both alike.
type Relabel struct {
	Tags    []int64
	Outcome int64
	// KeepOutcome leaves the outcome as it is: the form had no outcome field, as for a chat
	// that is not closed yet.
	KeepOutcome bool
}

// ParseRelabel reads a relabelling from form values. A value that cannot be read is a
// *FilterError naming the field.
func ParseRelabel(v url.Values) (Relabel, error) {
	var r Relabel
	var err error
	if r.Tags, err = idList(v["tag"]); err != nil {
		return r, &FilterError{"tag", "choose tags from the list"}
	}
	if _, ok := v["outcome"]; !ok {
		r.KeepOutcome = true
	} else if r.Outcome, err = optionalID(v.Get("outcome")); err != nil {
		return r, &FilterError{"outcome", "choose an outcome from the list"}
	}
	return r, nil
}

// Check holds r against the tenant's lists and the chat's state: every tag and the outcome
// must be on the lists (another tenant's id is not), and an outcome is changed only once the
// chat is closed, since until then the agent closing it picks it.
func (r Relabel) Check(ch store.Chat, tags, outcomes []store.Label) error {
	for _, id := range r.Tags {
		if !slices.ContainsFunc(tags, func(l store.Label) bool { return l.ID == id }) {
			return &FilterError{"tag", "choose tags from the list"}
		}
	}
	if r.KeepOutcome || r.Outcome == ch.OutcomeID {
		return nil
	}
	if ch.State != "closed" {
		return &FilterError{"outcome", "the outcome is picked when the chat is closed"}
	}
	if r.Outcome != 0 && !slices.ContainsFunc(outcomes, func(l store.Label) bool { return l.ID == r.Outcome }) {
		return &FilterError{"outcome", "choose an outcome from the list"}
	}
	return nil
}

// Labeller is what applying a relabelling needs of the store; *store.Store has it.
type Labeller interface {
	Labels(ctx context.Context, kind store.LabelKind, tenantID int64) ([]store.Label, error)
	SetChatTags(ctx context.Context, tenantID int64, chatID string, tagIDs []int64, by int64, at time.Time) error
	SetChatOutcome(ctx context.Context, tenantID int64, chatID string, outcomeID int64) error
}

// Apply checks r against chat ch's tenant's lists and writes it, by user by at at. A
// *FilterError says what was refused; nothing is written then.
func (r Relabel) Apply(ctx context.Context, st Labeller, ch store.Chat, by int64, at time.Time) error {
	tags, err := st.Labels(ctx, store.LabelTag, ch.TenantID)
	if err != nil {
		return err
	}
	outcomes, err := st.Labels(ctx, store.LabelOutcome, ch.TenantID)
	if err != nil {
		return err
	}
	if err := r.Check(ch, tags, outcomes); err != nil {
		return err
	}
	if !r.KeepOutcome && r.Outcome != ch.OutcomeID {
		if err := st.SetChatOutcome(ctx, ch.TenantID, ch.ID, r.Outcome); err != nil {
			return err
		}
	}
	return st.SetChatTags(ctx, ch.TenantID, ch.ID, r.Tags, by, at)
}
