package chat

import (
	"context"
	"strings"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/shared/texts"
)

// This file holds the visitor's choices that the connector's widget options allow: writing
// first and giving the details later (protocol.DetailsSubmit), and letting agents see unsent
// text (protocol.PreviewConsent), and the connector's title in the visitor's language.

// errWriteFirstOff refuses a request without a name on a connector that asks for it first.
var errWriteFirstOff = &protocol.Error{Code: protocol.CodeInvalid, Field: "name", Message: "name is required: this connector asks for the details before the chat (write first is off)"}

// details records the name and pre-chat answers a visitor gives after a write-first request.
// The answers are checked against the pre-chat fields, the required ones included, and a name
// is required unless the chat has one or a name-type field gives it.
func (ss *Session) details(ctx context.Context, cmd protocol.Command, b *protocol.DetailsSubmit) {
	s := ss.s
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ss.mu.Lock()
	pre := ss.visitor.survey.pre
	ss.mu.Unlock()
	fields, err := survey.CheckAll(pre, b.Fields)
	if err != nil {
		ss.reply(cmd.ID, nil, surveyError(err))
		return
	}
	name := strings.TrimSpace(b.Name)
	for _, f := range pre {
		if v := fields[f.Name]; name == "" && v != "" && f.Type == survey.TypeName {
			name = v
		}
	}
	if err := s.waitRoom(ctx); err != nil {
		ss.reply(cmd.ID, nil, err)
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed() {
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	}
	if !ch.detailsDue && ch.rec.VisitorName != "" {
		// An ordinary chat took its details with the request; a write-first one takes them once.
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "this chat has its details already"))
		return
	}
	if name == "" && ch.rec.VisitorName == "" {
		ss.reply(cmd.ID, nil, &protocol.Error{Code: protocol.CodeInvalid, Field: "name", Message: "name is required"})
		return
	}
	if ch.rec.Fields == nil && len(fields) > 0 {
		ch.rec.Fields = map[string]string{}
	}
	for k, v := range fields {
		ch.rec.Fields[k] = v
	}
	ch.detailsDue = false
	if name != "" {
		ch.rec.VisitorName = name
		if ch.visitorRow != nil {
			ch.visitorRow.Name = name
		}
	}
	email := strings.TrimSpace(b.Email)
	if email != "" {
		ch.rec.VisitorEmail = email
	}
	offerTo := ch.offerTo
	s.emit(ch, func(_ []*store.Event, err error) {
		ss.reply(cmd.ID, nil, err)
		if err == nil && name != "" && offerTo != 0 {
			// The agent being offered the chat sees who asks, not the nameless first request.
			s.renameOffer(cmd.Chat, offerTo, name)
		}
	}, emission{body: &protocol.FieldSet{Fields: fields, Survey: "pre", Name: name, Email: email}, saveChat: true})
}

// renameOffer gives an agent's pending offer of a chat the visitor's name given after the
// request, and sends the offer again.
func (s *Service) renameOffer(chatID string, agentID int64, name string) {
	s.reoffer(chatID, agentID, func(o *protocol.Offer) bool {
		o.Visitor = name
		return true
	})
}

// previewConsent records whether the chat's visitor lets agents see unsent text.
func (ss *Session) previewConsent(cmd protocol.Command, on bool) {
	ss.inChat(cmd, func(ch *liveChat) error {
		ch.mu.Lock()
		ch.previewOK = on
		ch.mu.Unlock()
		return nil
	})
}

// preview passes the visitor's unsent text on to the agents, only where the connector shows
// it and the visitor agreed; anything else is dropped, and the sender told so.
func (ss *Session) preview(cmd protocol.Command, text string) {
	ss.inChat(cmd, func(ch *liveChat) error {
		ch.mu.Lock()
		ok := ch.previewOK && ch.options.Preview
		if ok {
			ch.previewing = text != ""
		}
		ch.mu.Unlock()
		if !ok {
			return protocol.Errorf(protocol.CodeForbidden, "previews are off: the connector does not show them or the visitor did not agree")
		}
		ss.s.transient(ch.id, "preview", &protocol.PreviewEvent{Text: text}, toAgents)
		return nil
	})
}

// connectorTitle is the connector's title for a visitor's language: the "title#lang" text
// (or its base language's), then the plain "title" text, then the master data's title.
func connectorTitle(conn store.Connector, lang string) string {
	if v, ok := texts.Own(conn.Texts, texts.Title, lang); ok {
		return v
	}
	return conn.Title
}

// optional returns the fields with none required, for the answers a write-first request may
// already carry.
func optional(fields []protocol.SurveyField) []protocol.SurveyField {
	out := make([]protocol.SurveyField, len(fields))
	for i, f := range fields {
		f.Required = false
		out[i] = f
	}
	return out
}
