package chat

import (
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// Translation of offers: an agent offered a translated chat reads the visitor's first question
// in their own language. The question is translated once per language and kept with the chat
// (liveChat.questionTr: the translation made with the chat request, into the tenant's default
// language, and those made for offers since). An offer never waits for the service: it goes
// out at once with what the chat has, and when the question still needs translating into the
// agent's language, it is translated on a goroutine of its own and the offer sent again with
// the translation, which the agent app shows in place of the first (as it does a renamed
// offer). A service that fails or does not answer in time leaves the offer as it went out.

// offerTranslation fills an offer's question translation for an agent of language lang from
// what the chat has, and says whether one is still to be made. Caller holds ch.mu.
func offerTranslation(ch *liveChat, o *protocol.Offer, lang string) (later bool) {
	if o.Question == "" || ch.rec.TranslateLang == "" || ch.rec.TranslateOff || ch.isDirect() {
		return false
	}
	lang = protocol.BaseLang(lang)
	if lang == ch.rec.TranslateLang {
		return false
	}
	if tr := ch.questionTr[lang]; tr != nil && lang != "" {
		o.Translation = tr
		return false
	}
	return true
}

// keepQuestion remembers a translation of the chat's first question. Caller holds ch.mu.
func keepQuestion(ch *liveChat, tr *protocol.Translation) {
	if tr == nil || tr.Failed || tr.Text == "" {
		return
	}
	if ch.questionTr == nil {
		ch.questionTr = map[string]*protocol.Translation{}
	}
	ch.questionTr[tr.To] = tr
}

// translateOffer translates the question of an offer that went out without it into the agent's
// language (the tenant's default when the agent has none) and sends the offer again, if it is
// still the one the agent has. It runs on a goroutine of its own and holds no lock while the
// service works.
func (s *Service) translateOffer(ch *liveChat, agentID int64, lang string, expires time.Time) {
	ch.mu.Lock()
	q, tenantID, visitor := ch.question, ch.rec.TenantID, ch.rec.TranslateLang
	ch.mu.Unlock()
	tt, to := s.translationInto(tenantID, lang)
	if tt == nil || to == "" || to == visitor {
		return
	}
	ch.mu.Lock()
	tr := ch.questionTr[to]
	ch.mu.Unlock()
	if tr == nil {
		tr = s.translateLine(ch.id, q, &translationJob{service: tt.service, from: visitor, to: to})
		if tr.Failed {
			return
		}
		ch.mu.Lock()
		keepQuestion(ch, tr)
		ch.mu.Unlock()
	}
	s.reoffer(ch.id, agentID, func(o *protocol.Offer) bool {
		if !o.Expires.Equal(expires) || o.Question != q || o.Translation != nil {
			return false // another offer of the chat since, or already translated
		}
		o.Translation = tr
		return true
	})
}

// translationInto is the tenant's translation and the language an agent of language lang
// reads (the tenant's default when lang is empty); nil when the tenant does not translate.
func (s *Service) translationInto(tenantID int64, lang string) (*tenantTranslation, string) {
	tt := s.translationOf(s.ctx, tenantID)
	if tt == nil {
		return nil, ""
	}
	if to := protocol.BaseLang(lang); to != "" {
		return tt, to
	}
	return tt, tt.defaultLang
}

// reoffer changes an agent's pending offer of a chat and sends it again when change says it
// changed: the agent app replaces the offer it shows, without ringing twice.
func (s *Service) reoffer(chatID string, agentID int64, change func(*protocol.Offer) bool) {
	s.mu.Lock()
	o, ok := protocol.Offer{}, false
	if a := s.agents[agentID]; a != nil {
		if o, ok = a.offers[chatID]; ok {
			if ok = change(&o); ok {
				a.offers[chatID] = o
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	for _, ss := range s.agentSessions(agentID) {
		ss.send(protocol.Event{Chat: chatID, Body: &o})
	}
}

// agentLang is a signed-in agent's language, "" when they have none or are gone.
func (s *Service) agentLang(agentID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.agents[agentID]; a != nil {
		return a.user.Lang
	}
	return ""
}
