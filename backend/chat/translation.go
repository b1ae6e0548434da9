package chat

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
)

// Translation of chat lines (WhosOn's "Handling Translation", for Parley's own widget and
// agent app).
//
// A chat translates while its tenant has a translation service, no agent turned it off and the
// visitor's language (chosen in the widget, else the widget's) is not the agent's: a visitor
// line is translated into the owner's language (the tenant's default language while no agent
// has the chat), an agent line into the visitor's. The line is stored once, with its original
// and its translation (protocol.Translation), so that both sides, the transcript, the archive
// and the search see both.
//
// Where: after the command was checked and registered as in flight (a retry waits for its
// answer and is never translated again) and before the line is written, outside every lock.
// The chat's lines then go through its lane (lane below): each line's translation starts at
// once, on its own goroutine, bounded by Config.TranslateWait, and the lane writes the lines in
// the order they were sent, each when its own translation is done, so that no line overtakes
// another and the store numbers them without holes as ever. Nothing else of the chat waits: the
// lane's goroutine only takes the chat's lock to write. A service that fails, answers garbage
// or not in time costs the line its translation, never the line: it is written as it was sent,
// marked Failed.

// Translator translates one line (package translate's Client).
type Translator interface {
	Translate(ctx context.Context, s translate.Service, text, source, target string, html bool) (string, error)
}

// SelfTranslating is implemented by connections whose chats the service must not translate:
// adapters that translate the chat's lines on their own (the WhosOn adapter, which follows
// WhosOn's protocol for it), and channels whose visitors read only the text as written and
// whose language is not known (WhatsApp, MiCC's toolbox), where a translation would reach
// the agent only and from a guessed language.
type SelfTranslating interface {
	TranslatesLines() bool
}

// translationJob is what one line is translated with: the tenant's service and the languages.
type translationJob struct {
	service  translate.Service
	from, to string
}

// laneLine is a line waiting in its chat's lane for its translation and for the lines before
// it.
type laneLine struct {
	done chan struct{}
	// tr is the line's translation once done is closed (nil for a line without a job);
	// untranslated is what the line carries when it must be written before that.
	tr, untranslated *protocol.Translation
	// write writes the line; caller holds ch.mu.
	write func(tr *protocol.Translation)
}

// tenantTranslation is the tenant's service when it translates chats, with its default
// language (the agents' language while no agent has a chat); nil when it does not.
type tenantTranslation struct {
	service     translate.Service
	defaultLang string
}

// translationOf reads whether the chat's tenant translates. It reads the settings cache, never
// under a lock.
func (s *Service) translationOf(ctx context.Context, tenantID int64) *tenantTranslation {
	if s.cfg.Translator == nil {
		return nil
	}
	ts, err := s.set.TenantSettings(ctx, tenantID)
	if err != nil || !ts.TranslateEnabled || (ts.TranslateURL == "" && ts.TranslateProvider.NeedsURL()) {
		return nil
	}
	t, err := s.set.Tenant(ctx, tenantID)
	if err != nil {
		return nil
	}
	return &tenantTranslation{service: translate.Service{Provider: ts.TranslateProvider, URL: ts.TranslateURL, APIKey: ts.TranslateAPIKey, Tenant: tenantID},
		defaultLang: protocol.BaseLang(t.DefaultLang)}
}

// lineJob is how a line of role (uid for an agent) is translated now, nil when it is not.
// Caller holds ch.mu.
func lineJob(ch *liveChat, tt *tenantTranslation, role protocol.Role, uid int64) *translationJob {
	if tt == nil || ch.rec.TranslateLang == "" || ch.rec.TranslateOff || ch.isDirect() {
		return nil
	}
	visitor := ch.rec.TranslateLang
	agent := tt.defaultLang
	switch role {
	case protocol.RoleVisitor:
		if o := ch.owner(); o != nil && protocol.BaseLang(o.lang) != "" {
			agent = protocol.BaseLang(o.lang)
		}
		if agent == "" || agent == visitor {
			return nil
		}
		return &translationJob{service: tt.service, from: visitor, to: agent}
	case protocol.RoleAgent:
		if m := ch.agents[uid]; m != nil && protocol.BaseLang(m.lang) != "" {
			agent = protocol.BaseLang(m.lang)
		}
		if agent == "" || agent == visitor {
			return nil
		}
		return &translationJob{service: tt.service, from: agent, to: visitor}
	}
	return nil
}

// translateLine runs one line's job, within the service's wait. A failure is logged and marked.
func (s *Service) translateLine(chatID, text string, job *translationJob) *protocol.Translation {
	tr := &protocol.Translation{From: job.from, To: job.to}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.TranslateWait)
	defer cancel()
	got, err := s.cfg.Translator.Translate(ctx, job.service, text, job.from, job.to, false)
	if err == nil {
		got, err = cleanTranslation(got)
	}
	if err != nil {
		s.log.Warn("chat line not translated", "chat", chatID, "from", job.from, "to", job.to, "err", err)
		tr.Failed = true
		return tr
	}
	tr.Text = got
	return tr
}

// translateQuestion translates a new chat's first question (chat.request's question), nil when
// it has none or it is not translated. The chat is not written yet and nobody holds it.
func (s *Service) translateQuestion(ctx context.Context, ch *liveChat) *protocol.Translation {
	ch.mu.Lock()
	q := ch.question
	ch.mu.Unlock()
	return s.translateFirst(ctx, ch, protocol.RoleVisitor, 0, q)
}

// translateFirst translates a new chat's first line, text, written by role (uid for an agent):
// nil when there is none or it is not translated. The chat is not written yet; it holds no
// lock while the service works.
func (s *Service) translateFirst(ctx context.Context, ch *liveChat, role protocol.Role, uid int64, text string) *protocol.Translation {
	if text == "" {
		return nil
	}
	ch.mu.Lock()
	tenantID := ch.rec.TenantID
	ch.mu.Unlock()
	tt := s.translationOf(ctx, tenantID)
	ch.mu.Lock()
	job := lineJob(ch, tt, role, uid)
	ch.mu.Unlock()
	if job == nil {
		return nil
	}
	return s.translateLine(ch.id, text, job)
}

// errGarbage is a translation that cannot be a chat line.
var errGarbage = errors.New("chat: the service's translation is not text")

// cleanTranslation checks what a service returned: text without NUL (which no database
// stores), at most a chat line long.
func cleanTranslation(s string) (string, error) {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || strings.TrimSpace(s) == "" {
		return "", errGarbage
	}
	if utf8.RuneCountInString(s) > limits.MessageRunes {
		s = string([]rune(s)[:limits.MessageRunes-1]) + "…"
	}
	return s, nil
}

// enqueueLine puts a line into the chat's lane: its translation starts now when it has a job,
// and it is written after the lines before it. Caller holds ch.mu.
func (s *Service) enqueueLine(ch *liveChat, text string, job *translationJob, write func(*protocol.Translation)) {
	l := &laneLine{done: make(chan struct{}), write: write}
	if job == nil {
		close(l.done)
	} else {
		l.untranslated = &protocol.Translation{From: job.from, To: job.to, Failed: true}
		go func() {
			l.tr = s.translateLine(ch.id, text, job)
			close(l.done)
		}()
	}
	ch.lane = append(ch.lane, l)
	if !ch.laneBusy {
		ch.laneBusy = true
		go s.runLane(ch)
	}
}

// runLane writes the chat's waiting lines in order, each when its translation is done.
func (s *Service) runLane(ch *liveChat) {
	for {
		ch.mu.Lock()
		if len(ch.lane) == 0 {
			ch.laneBusy = false
			ch.mu.Unlock()
			return
		}
		l := ch.lane[0]
		ch.mu.Unlock()
		<-l.done
		ch.mu.Lock()
		if len(ch.lane) > 0 && ch.lane[0] == l { // else flushLane wrote it
			ch.lane = ch.lane[1:]
			l.write(l.tr)
		}
		ch.mu.Unlock()
	}
}

// flushLane writes the lines waiting in the chat's lane now, in order, those whose
// translation is not done untranslated: the chat is about to close, and every line sent
// before the close is written before it. Caller holds ch.mu.
func flushLane(ch *liveChat) {
	lane := ch.lane
	ch.lane = nil
	for _, l := range lane {
		tr := l.untranslated
		select {
		case <-l.done:
			tr = l.tr
		default:
		}
		l.write(tr)
	}
}

// translated fills a line's translation into its event and message row.
func translated(msg *emission, tr *protocol.Translation) {
	if tr == nil {
		return
	}
	m := msg.body.(*protocol.Message)
	m.Translation = tr
	msg.message.Lang, msg.message.TranslationLang = tr.From, tr.To
	msg.message.Translation = tr.Text
}

// translateSet turns the chat's translation off or on again (protocol.TranslateSet).
func (ss *Session) translateSet(cmd protocol.Command, b *protocol.TranslateSet) {
	s := ss.s
	uid := ss.userID()
	ch := s.chatFor(cmd.Chat)
	if ch == nil || !ss.follows(cmd.Chat) {
		ss.reply(cmd.ID, nil, notInChat(cmd.Chat))
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	m := ch.agents[uid]
	switch {
	case ch.closed():
		ss.reply(cmd.ID, nil, errChatEnded)
		return
	case m == nil || !m.part.Visible():
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeForbidden, "only the agents who write to the visitor may turn translation on or off"))
		return
	case ch.rec.TranslateLang == "" || ch.isDirect():
		ss.reply(cmd.ID, nil, protocol.Errorf(protocol.CodeConflict, "this chat is not translated"))
		return
	case ch.rec.TranslateOff == !b.On:
		ss.reply(cmd.ID, &protocol.Ack{Seq: ch.seq.Load()}, nil) // already so: a retry, or another tab
		return
	}
	ch.rec.TranslateOff = !b.On
	s.emit(ch, func(evs []*store.Event, err error) {
		if err != nil {
			ch.mu.Lock()
			ch.rec.TranslateOff = b.On
			ch.mu.Unlock()
			ss.reply(cmd.ID, nil, err)
			return
		}
		ss.reply(cmd.ID, &protocol.Ack{Seq: evs[0].Seq}, nil)
	}, emission{body: &protocol.ChatTranslation{On: b.On, UserID: uid, Name: m.name}, saveChat: true, agentsOnly: true})
}

// translationState is the chat's translation as agents' lists show it. Caller holds ch.mu.
func translationState(ch *liveChat) string {
	switch {
	case ch.rec.TranslateLang == "" || ch.isDirect():
		return ""
	case ch.rec.TranslateOff:
		return "off"
	}
	return "on"
}
