package chat

import (
	"strings"
	"sync"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Translation for an agent who comes into a chat: the visitor's lines were translated into the
// language of the agent who had the chat then (or the tenant's default while it waited); an
// agent of another language who takes the chat over or joins it gets the earlier visitor lines
// translated again into theirs, at most those among the chat's latest RetranslateLines lines.
// The lines stay as stored, originals and first translations; the new translations go to the
// agents as one durable, agents-only protocol.ChatRetranslation, which the agent app applies to
// the lines it shows to a reader of that language. It runs on a goroutine of its own after the
// agent came in, a few lines at a time, and holds the chat's lock only to write the event.

// RetranslateLines bounds how far back an agent coming into a chat gets its lines translated
// again: the visitor's lines among the chat's latest this many lines.
const RetranslateLines = 200

// retranslateAtOnce is how many lines are sent to the service at the same time.
const retranslateAtOnce = 4

// retranslationLines picks the lines of msgs (a chat's latest lines, oldest first) to translate
// again into lang for an agent: the visitor's, with text, not written in lang and not already
// translated into it, at most max of them (the latest). visitorLang is the language of lines
// stored without one.
func retranslationLines(msgs []store.Message, visitorLang, lang string, max int) []store.Message {
	var out []store.Message
	for _, m := range msgs {
		from := m.Lang
		if from == "" {
			from = visitorLang
		}
		switch {
		case m.Role != string(protocol.RoleVisitor), m.Internal, strings.TrimSpace(m.Text) == "",
			from == "" || from == lang, m.TranslationLang == lang && m.Translation != "":
			continue
		}
		out = append(out, m)
	}
	if max >= 0 && len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

// retranslateFor has the chat's earlier visitor lines translated into the language of an agent
// who came in (lang; the tenant's default when empty), when the chat translates.
func (s *Service) retranslateFor(ch *liveChat, lang string) {
	s.background(func() { s.retranslate(ch, lang) })
}

// background runs f on a goroutine of its own that Close waits for; once Close began, it runs
// nothing. It takes only its own lock, so callers may hold any (the committer's callbacks, the
// routing decisions).
func (s *Service) background(f func()) {
	s.bg.Lock()
	if s.bg.closed {
		s.bg.Unlock()
		return
	}
	s.wg.Add(1)
	s.bg.Unlock()
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// retranslate is retranslateFor's work.
func (s *Service) retranslate(ch *liveChat, lang string) {
	ch.mu.Lock()
	tenantID, visitor := ch.rec.TenantID, ch.rec.TranslateLang
	off := visitor == "" || ch.rec.TranslateOff || ch.isDirect() || ch.closed()
	ch.mu.Unlock()
	if off {
		return
	}
	tt, to := s.translationInto(tenantID, lang)
	if tt == nil || to == "" || to == visitor {
		return
	}
	msgs, err := s.st.Messages(s.ctx, ch.id, RetranslateLines)
	if err != nil {
		s.log.Warn("chat lines to translate again", "chat", ch.id, "err", err)
		return
	}
	pick := retranslationLines(msgs, visitor, to, RetranslateLines)
	if len(pick) == 0 {
		return
	}
	got := make([]*protocol.Translation, len(pick))
	var wg sync.WaitGroup
	slots := make(chan struct{}, retranslateAtOnce)
	for i, m := range pick {
		from := m.Lang
		if from == "" {
			from = visitor
		}
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			got[i] = s.translateLine(ch.id, m.Text, &translationJob{service: tt.service, from: from, to: to})
		}()
	}
	wg.Wait()
	ev := &protocol.ChatRetranslation{Lang: to}
	for i, tr := range got {
		if !tr.Failed {
			ev.Lines = append(ev.Lines, protocol.RetranslatedLine{Seq: pick[i].Seq, Translation: *tr})
		}
	}
	if len(ev.Lines) == 0 {
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed() {
		return
	}
	s.emit(ch, nil, emission{body: ev, agentsOnly: true})
}
