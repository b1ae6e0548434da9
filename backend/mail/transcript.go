package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/mailtemplate"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/backend/transcript"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// TranscriptStore is what sending a transcript reads and writes; *store.Store has it.
type TranscriptStore interface {
	transcript.Store
	Chat(ctx context.Context, id string) (store.Chat, error)
	MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error)
	EnqueueChatMail(ctx context.Context, m store.OutboxMail, email string) (store.OutboxMail, error)
	ChatMailCount(ctx context.Context, chatID, kind string) (int, error)
	ChatMailByLocalID(ctx context.Context, chatID, kind, local string) (store.OutboxMail, error)
	// Sync waits until the writes queued before it are committed.
	Sync(ctx context.Context) error
	TranscriptMail(ctx context.Context, connectorID int64) (store.TranscriptMail, error)
}

// LiveChats is told of a visitor e-mail address the store was given for a chat, so that a
// chat still in progress keeps it in its own record (*chat.Service has it).
type LiveChats interface {
	NoteVisitorEmail(chatID, email string)
}

// Transcripts e-mails chats' transcripts to their visitors.
type Transcripts struct {
	Store TranscriptStore
	// Outbox is woken after a transcript is written (nil: it finds it at its next poll).
	Outbox *Outbox
	// Chats, when set, hears of the address a transcript goes to.
	Chats LiveChats
	// Now is the clock (time.Now).
	Now func() time.Time
	// Settings, when set, answers [Transcripts.Offered] from memory (a settings cache kept fresh
	// by change events) instead of Store: it is asked at every visitor connect.
	Settings MailSettings
}

// MailSettings reads a tenant's SMTP settings; *settings.Cache is one.
type MailSettings interface {
	MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error)
}

// The errors of [Transcripts.Send] that are the caller's to correct.
var (
	// ErrBadAddress means the address is not one e-mail address.
	ErrBadAddress = errors.New("invalid e-mail address")
	// ErrUnknownChat means there is no such chat (or it is a chat between colleagues).
	ErrUnknownChat = errors.New("unknown chat")
	// ErrBadSubject means an agent's subject is not one line of at most store.MailSubjectRunes.
	ErrBadSubject = errors.New("invalid subject")
	// ErrTooMany means the chat's transcript was sent MaxTranscriptsPerChat times already.
	ErrTooMany = errors.New("too many transcripts of this chat")
)

// MaxTranscriptsPerChat bounds the transcripts of one chat, so that a visitor cannot use a
// chat to send mail to any number of addresses.
const MaxTranscriptsPerChat = 5

// KindTranscript marks a transcript in the outbox.
const KindTranscript = "transcript"

// Send writes chat chatID's transcript, as its visitor saw it, to the outbox, addressed to
// to, and records to as the chat's visitor e-mail address in the same transaction. The text
// is in the body and the PDF transcript is attached; lines the visitor never saw (whispers,
// internal notes) are left out of both. It returns once the message is stored; the outbox
// delivers it.
func (t *Transcripts) Send(ctx context.Context, chatID, to string) (store.OutboxMail, error) {
	return t.send(ctx, chatID, to, "", "", false)
}

// SendAs is [Transcripts.Send] for an agent, who may give the subject (empty: the
// connector's). The agent's right to the chat is the caller's to check. The address is not
// recorded as the visitor's: an agent may send the transcript to anyone. A non-empty key
// (unique to the caller, see [api.TranscriptMailRequest.Key]) makes the send idempotent: the
// transcript's Message-ID is derived from it, so the same key again, even while the first send
// is still being written, returns the mail written once.
func (t *Transcripts) SendAs(ctx context.Context, chatID, to, subject, key string) (store.OutboxMail, error) {
	subject = strings.TrimSpace(subject)
	if utf8.RuneCountInString(subject) > store.MailSubjectRunes || !utf8.ValidString(subject) || strings.ContainsAny(subject, "\r\n\x00") {
		return store.OutboxMail{}, ErrBadSubject
	}
	return t.send(ctx, chatID, to, subject, key, true)
}

// Draft is what prefills an agent's transcript e-mail of chat chatID: the visitor's address
// when known, the connector's subject with the chat's values, whether the form opens when
// the chat closes, and whether the tenant can send e-mail at all.
func (t *Transcripts) Draft(ctx context.Context, chatID string) (api.TranscriptDraft, error) {
	ch, err := t.Store.Chat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ch.Kind == store.ChatDirect) {
		return api.TranscriptDraft{}, ErrUnknownChat
	}
	if err != nil {
		return api.TranscriptDraft{}, err
	}
	msg, err := t.message(ctx, ch, ch.VisitorEmail)
	if err != nil {
		return api.TranscriptDraft{}, err
	}
	set, err := t.Store.MailSettings(ctx, ch.TenantID)
	if err != nil {
		return api.TranscriptDraft{}, err
	}
	d := api.TranscriptDraft{To: ch.VisitorEmail, Subject: msg.Subject, Available: set.Configured()}
	if ch.ConnectorID != 0 {
		if tm, err := t.Store.TranscriptMail(ctx, ch.ConnectorID); err == nil {
			d.OpenOnClose = tm.OpenOnClose
		}
	}
	return d, nil
}

func (t *Transcripts) send(ctx context.Context, chatID, to, subject, key string, agent bool) (store.OutboxMail, error) {
	to = strings.TrimSpace(to)
	if err := store.CheckMailAddress(to); err != nil {
		return store.OutboxMail{}, fmt.Errorf("%w: %v", ErrBadAddress, err)
	}
	ch, err := t.Store.Chat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ch.Kind == store.ChatDirect) {
		return store.OutboxMail{}, ErrUnknownChat
	}
	if err != nil {
		return store.OutboxMail{}, err
	}
	local := ""
	if key != "" {
		local = keyedLocalPart(ch.ID, key)
		if m, err := t.Store.ChatMailByLocalID(ctx, ch.ID, KindTranscript, local); err == nil {
			return m, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.OutboxMail{}, err
		}
	}
	if n, err := t.Store.ChatMailCount(ctx, ch.ID, KindTranscript); err != nil {
		return store.OutboxMail{}, err
	} else if n >= MaxTranscriptsPerChat {
		return store.OutboxMail{}, ErrTooMany
	}
	msg, err := t.message(ctx, ch, to)
	if err != nil {
		return store.OutboxMail{}, err
	}
	if subject != "" {
		msg.Subject = subject
	}
	if local != "" {
		_, domain, _ := strings.Cut(msg.MessageID, "@")
		msg.MessageID = local + "@" + domain
	}
	visitor := to
	if agent {
		visitor = ""
	} else if t.Chats != nil {
		t.Chats.NoteVisitorEmail(ch.ID, to)
	}
	m, err := t.Store.EnqueueChatMail(ctx, msg, visitor)
	if local != "" && errors.Is(err, store.ErrConflict) {
		// The same send, made at the same time, was written first.
		return t.Store.ChatMailByLocalID(ctx, ch.ID, KindTranscript, local)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.OutboxMail{}, ErrUnknownChat
	}
	if err != nil {
		return store.OutboxMail{}, err
	}
	if t.Outbox != nil {
		t.Outbox.Wake()
	}
	return m, nil
}

// message is the complete transcript e-mail of chat ch to to, its PDF attached. It reads
// what the store committed: the writes queued before the call (an agent's accept a moment
// ago) are waited for, so that the transcript names them.
func (t *Transcripts) message(ctx context.Context, ch store.Chat, to string) (store.OutboxMail, error) {
	if err := t.Store.Sync(ctx); err != nil {
		return store.OutboxMail{}, err
	}
	if fresh, err := t.Store.Chat(ctx, ch.ID); err == nil {
		ch = fresh
	} else {
		return store.OutboxMail{}, err
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	tr, err := transcript.Load(ctx, t.Store, ch, now(), ch.Lang) // in the visitor's language
	if err != nil {
		return store.OutboxMail{}, err
	}
	owner := ownerOf(ch, tr)
	tr = ForVisitor(tr)
	var pdf bytes.Buffer
	if err := transcript.Render(&pdf, tr); err != nil {
		return store.OutboxMail{}, fmt.Errorf("transcript pdf: %w", err)
	}
	set, err := t.Store.MailSettings(ctx, ch.TenantID)
	if err != nil {
		return store.OutboxMail{}, err
	}
	msg, err := t.compose(ctx, ch, tr, owner, set, to, now())
	if err != nil {
		return store.OutboxMail{}, err
	}
	msg.Attachments = []store.MailAttachment{{Name: "transcript-" + ch.ID + ".pdf", ContentType: "application/pdf", Data: pdf.Bytes()}}
	return msg, nil
}

// Compose writes the content of outbox message m, a transcript stored without one when its
// chat closed (store.MailComposing); the outbox worker calls it at the first attempt.
func (t *Transcripts) Compose(ctx context.Context, m store.OutboxMail) (store.OutboxMail, error) {
	ch, err := t.Store.Chat(ctx, m.ChatID)
	if err != nil {
		return store.OutboxMail{}, err
	}
	msg, err := t.message(ctx, ch, m.To)
	if err != nil {
		return store.OutboxMail{}, err
	}
	msg.ID = m.ID
	return msg, nil
}

// compose writes the message of chat ch's transcript tr to to, with its connector's subject,
// template and sender (Parley's defaults where the connector has none), without attachments.
func (t *Transcripts) compose(ctx context.Context, ch store.Chat, tr transcript.Transcript, owner int64, set store.MailSettings, to string, now time.Time) (store.OutboxMail, error) {
	var tm store.TranscriptMail
	if ch.ConnectorID != 0 {
		var err error
		if tm, err = t.Store.TranscriptMail(ctx, ch.ConnectorID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.OutboxMail{}, err
		}
	}
	from := set
	if tm.FromAddress != "" {
		from.FromAddress, from.FromName = tm.FromAddress, tm.FromName
	} else if tm.FromName != "" {
		from.FromName = tm.FromName
	}
	var agent store.User
	if owner != 0 {
		if u, err := t.Store.User(ctx, owner); err == nil {
			agent = u
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.OutboxMail{}, err
		}
	}
	if tr.Visitor.Email == "" {
		tr.Visitor.Email = to
	}
	vals := TranscriptValues(tr, agent, from.FromAddress, now)
	m := store.OutboxMail{TenantID: ch.TenantID, Kind: KindTranscript, ChatID: ch.ID, MessageID: NewMessageID(from), To: to,
		Subject: TranscriptSubject(tr), Body: TranscriptText(tr)}
	if tm.FromAddress != "" || tm.FromName != "" {
		m.FromAddress, m.FromName = from.FromAddress, from.FromName
	}
	if tm.Subject != "" {
		m.Subject = mailtemplate.RenderSubject(tm.Subject, vals)
	}
	if tm.Template != "" {
		if tm.HTML {
			vals[mailtemplate.Transcript] = TranscriptHTML(tr)
			m.HTMLBody = mailtemplate.Render(tm.Template, vals, true)
			vals[mailtemplate.Transcript] = TranscriptLines(tr)
			m.Body = mailtemplate.Render(mailtemplate.PlainText(tm.Template), vals, false)
		} else {
			m.Body = mailtemplate.Render(tm.Template, vals, false)
		}
	}
	return m, nil
}

// ownerOf is the agent a transcript names: the chat's agent, or else the first agent who
// owned it. It needs the agents' transcript, before ForVisitor.
func ownerOf(ch store.Chat, tr transcript.Transcript) int64 {
	if ch.AgentID != 0 {
		return ch.AgentID
	}
	for _, a := range tr.Agents {
		for _, p := range a.Parts {
			if p == store.ParticipantOwner {
				return a.UserID
			}
		}
	}
	if len(tr.Agents) > 0 {
		return tr.Agents[0].UserID
	}
	return 0
}

// keyedLocalPart is the local part of the Message-ID of the transcript of chat chatID sent
// under key: the same for the same key, and unlike any [NewMessageID]'s (which are shorter).
func keyedLocalPart(chatID, key string) string {
	sum := sha256.Sum256([]byte(chatID + "\x00" + key))
	return "k" + hex.EncodeToString(sum[:16])
}

// NewMessageID is a fresh Message-ID (without angle brackets) in the domain of the tenant's
// sender address.
func NewMessageID(set store.MailSettings) string {
	domain := "parley.invalid"
	if at := strings.LastIndexByte(set.FromAddress, '@'); at >= 0 && at < len(set.FromAddress)-1 {
		domain = set.FromAddress[at+1:]
	}
	return token.New(18) + "@" + domain
}

// ForVisitor is a transcript as the visitor may have it: without the lines only agents saw
// and without the agents' full names (the lines show the names the visitor saw).
func ForVisitor(t transcript.Transcript) transcript.Transcript {
	lines := make([]transcript.Line, 0, len(t.Lines))
	for _, l := range t.Lines {
		if !l.Internal {
			lines = append(lines, l)
		}
	}
	t.Lines, t.Agents = lines, nil
	return t
}

// TranscriptSubject is the subject of a transcript e-mail, in the transcript's language.
func TranscriptSubject(t transcript.Transcript) string {
	who := t.Tenant
	if t.Connector != "" {
		who = t.Connector
	}
	return transcript.Say(t.Reader, "Transcript of your chat with {0} on {1}", who, t.Date(t.Started))
}

// TranscriptText is the plain-text body of a transcript e-mail, in the transcript's language:
// the chat's data, then every line with its time and sender.
func TranscriptText(t transcript.Transcript) string {
	lang := t.Reader
	var b strings.Builder
	if t.Connector != "" {
		b.WriteString(transcript.Say(lang, "Transcript of your chat with {0}", t.Connector))
	} else {
		b.WriteString(transcript.Say(lang, "Transcript of your chat"))
	}
	if t.Tenant != "" {
		b.WriteString(" (" + t.Tenant + ")")
	}
	b.WriteString("\n\n")
	started, ended, chat := transcript.Say(lang, "Started:"), transcript.Say(lang, "Ended:"), transcript.Say(lang, "Chat:")
	width := max(utf8.RuneCountInString(started), utf8.RuneCountInString(ended), utf8.RuneCountInString(chat)) + 1
	label := func(s string) string { return s + strings.Repeat(" ", width-utf8.RuneCountInString(s)) }
	b.WriteString(label(started) + t.DateTime(t.Started) + "\n")
	if !t.Ended.IsZero() {
		b.WriteString(label(ended) + t.DateTime(t.Ended))
		if t.CloseCause != "" {
			b.WriteString(" (" + t.CloseCause + ")")
		}
		b.WriteString("\n")
	}
	b.WriteString(label(chat) + t.ChatID + "\n\n")
	b.WriteString(TranscriptLines(t))
	b.WriteString("\n" + transcript.Say(lang, "The transcript is attached as a PDF.") + "\n")
	return b.String()
}

// Offered reports whether tenant tenantID has an SMTP server configured: without one the
// widget does not offer the transcript.
func (t *Transcripts) Offered(ctx context.Context, tenantID int64) bool {
	var from MailSettings = t.Store
	if t.Settings != nil {
		from = t.Settings
	}
	set, err := from.MailSettings(ctx, tenantID)
	return err == nil && set.Configured()
}

// RequestTranscript sends chat chatID's transcript to email for a visitor or an agent who
// asked for it; errors that are theirs to correct are *protocol.Error (package chat's
// TranscriptMailer).
func (t *Transcripts) RequestTranscript(ctx context.Context, chatID, email string) error {
	_, err := t.Send(ctx, chatID, email)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrBadAddress):
		return &protocol.Error{Code: protocol.CodeInvalid, Field: "email", Message: "enter one e-mail address like name@example.com"}
	case errors.Is(err, ErrUnknownChat):
		return protocol.Errorf(protocol.CodeNotFound, "no chat %q", chatID)
	case errors.Is(err, ErrTooMany):
		return protocol.Errorf(protocol.CodeRateLimited, "this chat's transcript was sent %d times already", MaxTranscriptsPerChat)
	}
	return err
}
