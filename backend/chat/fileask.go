package chat

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// askFile asks the visitor of a chat to upload a file (WhosOn requestfile): a FileRequest in
// the chat's history, so that a visitor who resumes sees it again and the chat's agents see
// that it was asked. The types must pass the tenant's attachment policy; without types the
// request lists the policy's allowed types (none: any type the policy does not restrict). A
// retry with the same command id is answered once.
func (ss *Session) askFile(ctx context.Context, cmd protocol.Command, uid int64, b *protocol.FileAsk) {
	s := ss.s
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ch.mu.Lock()
	tenantID := ch.rec.TenantID
	ch.mu.Unlock()
	policy, err := s.set.TenantSettings(ctx, tenantID)
	if err != nil {
		s.log.Error("read attachment policy", "chat", ch.id, "err", err)
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeInternal, "the attachment policy could not be read; try again"))
		return
	}
	types, err := askedTypes(b.Types, policy)
	if err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	key := "agent/" + itoa(uid) + "/" + cmd.ID
	hash := bodyHash(cmd.Body)
	answer := func(a *protocol.Ack, err error) { ss.reply(cmd.ID, a, err) }
	ch.mu.Lock()
	defer ch.mu.Unlock()
	done, pending, conflict := ch.known(key, hash)
	switch {
	case conflict:
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "command id %q was used for another command", cmd.ID))
		return
	case done != nil:
		ss.reply(cmd.ID, &done.ack, nil)
		return
	case pending != nil:
		pending.waiters = append(pending.waiters, answer)
		return
	case !ch.writes(uid):
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents handling the chat may ask the visitor"))
		return
	case ch.closed():
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	}
	p := &inflight{hash: hash, waiters: []func(*protocol.Ack, error){answer}}
	ch.inflight[key] = p
	s.emit(ch, func(evs []*store.Event, err error) {
		var a *protocol.Ack
		ch.mu.Lock()
		delete(ch.inflight, key)
		if err == nil {
			a = &protocol.Ack{Seq: evs[0].Seq}
			ch.remember(key, answered{ack: *a, hash: hash})
		}
		waiters := p.waiters
		ch.mu.Unlock()
		for _, w := range waiters {
			w(a, err)
		}
	}, emission{body: &protocol.FileRequest{Types: types, Name: ch.agents[uid].name, At: s.stamp()}})
}

// askedTypes normalises the types an agent asks for (lower case, no dot, each once) and checks
// them against the tenant's attachment policy; none asks for the policy's allowed types. A
// tenant that takes no attachments cannot be asked for one.
func askedTypes(asked []string, policy store.TenantSettings) ([]string, error) {
	if policy.MaxAttachmentKB <= 0 {
		return nil, protocol.Errorf(protocol.CodeForbidden, "this site does not take files from visitors")
	}
	types, err := store.NormalizeExtensions(asked)
	var re *store.RuleError
	if errors.As(err, &re) {
		return nil, &protocol.Error{Code: protocol.CodeInvalid, Field: "types", Message: re.Text()}
	} else if err != nil {
		return nil, &protocol.Error{Code: protocol.CodeInvalid, Field: "types", Message: err.Error()}
	}
	if len(types) == 0 {
		return slices.Clone(policy.AllowedTypes), nil
	}
	var refused []string
	for _, t := range types {
		if !policy.AllowsType(t) {
			refused = append(refused, t)
		}
	}
	if len(refused) > 0 {
		msg := "this site does not take files of type " + strings.Join(refused, ", ")
		if len(policy.AllowedTypes) > 0 {
			msg += "; allowed: " + strings.Join(policy.AllowedTypes, ", ")
		}
		return nil, &protocol.Error{Code: protocol.CodeForbidden, Field: "types", Message: msg}
	}
	return types, nil
}
