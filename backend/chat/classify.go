package chat

import (
	"context"
	"slices"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Classification (tags and outcomes, package report's dimensions) as agents do it: tags on a
// chat they handle or handled, an outcome from the tenant's list when they close it, required
// where the tenant says so.

// Classifier is what classification needs of the store: the tenant's lists and rules, and
// the chat's tags.
type Classifier interface {
	ReportSettingsOf(ctx context.Context, tenantID int64) (store.ReportSettings, error)
	Labels(ctx context.Context, kind store.LabelKind, tenantID int64) ([]store.Label, error)
	SetChatTags(ctx context.Context, tenantID int64, chatID string, tagIDs []int64, by int64, at time.Time) error
}

// agentClose closes a chat for an agent who handles it, with the outcome they picked.
func (ss *Session) agentClose(ctx context.Context, cmd protocol.Command, b *protocol.Close) {
	s := ss.s
	uid := ss.userID()
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ch.mu.Lock()
	may, direct, closed, tenant := ch.writes(uid), ch.isDirect(), ch.closed(), ch.rec.TenantID
	ch.mu.Unlock()
	if !may {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents handling the chat may close it"))
		return
	}
	if !direct && !closed {
		if err := s.checkOutcome(ctx, tenant, b.Outcome); err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
		ch.mu.Lock()
		if !ch.closed() {
			ch.rec.OutcomeID = b.Outcome
		}
		ch.mu.Unlock()
	}
	s.closeChat(cmd.Chat, protocol.CauseAgent, func(err error) { ss.reply(cmd.ID, nil, err) })
}

// checkOutcome says whether outcome may close a chat of the tenant: one of its outcomes, or
// none where none is required.
func (s *Service) checkOutcome(ctx context.Context, tenantID, outcome int64) error {
	if outcome == 0 {
		rs, err := s.st.ReportSettingsOf(ctx, tenantID)
		if err != nil {
			return err
		}
		if rs.OutcomeRequired {
			return &protocol.Error{Code: protocol.CodeInvalid, Field: "outcome", Message: "pick an outcome to close this chat"}
		}
		return nil
	}
	list, err := s.st.Labels(ctx, store.LabelOutcome, tenantID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(l store.Label) bool { return l.ID == outcome }) {
		return &protocol.Error{Code: protocol.CodeNotFound, Field: "outcome", Message: "no such outcome"}
	}
	return nil
}

// chatTags sets the tags of a chat the agent handles, or handled as its owner or a participant.
func (ss *Session) chatTags(ctx context.Context, cmd protocol.Command, b *protocol.ChatTags) {
	s := ss.s
	uid, tenant := ss.userID(), ss.tenantID()
	may := false
	if ch := s.chatFor(cmd.Chat); ch != nil {
		ch.mu.Lock()
		may = ch.writes(uid) && ch.rec.TenantID == tenant
		ch.mu.Unlock()
	}
	if !may {
		parts, err := s.st.Participants(ctx, cmd.Chat)
		if err != nil {
			ss.reply(cmd.ID, nil, err)
			return
		}
		may = slices.ContainsFunc(parts, func(p store.Participant) bool {
			return p.UserID == uid && (p.Role == store.ParticipantOwner || p.Role == store.ParticipantAgent)
		})
	}
	if !may {
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents who handle or handled the chat may tag it"))
		return
	}
	ss.reply(cmd.ID, nil, s.st.SetChatTags(ctx, tenant, cmd.Chat, b.Tags, uid, s.stamp()))
}

// labelsChanged shows a tenant's signed-in agents its new tag and outcome lists.
func (s *Service) labelsChanged(ctx context.Context, tenantID int64) error {
	var ready protocol.AgentReady
	if err := s.classifyLists(ctx, tenantID, &ready); err != nil {
		return err
	}
	s.toAgentsOf(tenantID, "labels", &protocol.SettingsChanged{Kind: "labels", Tags: ready.Tags, Outcomes: ready.Outcomes,
		OutcomeRequired: ready.OutcomeRequired})
	return nil
}

// classifyLists puts the tenant's tag and outcome lists into an agent's start event.
func (s *Service) classifyLists(ctx context.Context, tenantID int64, ready *protocol.AgentReady) error {
	rs, err := s.st.ReportSettingsOf(ctx, tenantID)
	if err != nil {
		return err
	}
	ready.OutcomeRequired = rs.OutcomeRequired
	for _, l := range []struct {
		kind store.LabelKind
		dst  *[]protocol.Label
	}{{store.LabelTag, &ready.Tags}, {store.LabelOutcome, &ready.Outcomes}} {
		list, err := s.st.Labels(ctx, l.kind, tenantID)
		if err != nil {
			return err
		}
		for _, x := range list {
			*l.dst = append(*l.dst, protocol.Label{ID: x.ID, Name: x.Name})
		}
	}
	return nil
}
