package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/backend/transcript"
)

// TranscriptStore is what sending a transcript reads and writes; *store.Store has it.
type TranscriptStore interface {
	transcript.Store
	Chat(ctx context.Context, id string) (store.Chat, error)
	MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error)
	EnqueueChatMail(ctx context.Context, m store.OutboxMail, email string) (store.OutboxMail, error)
	ChatMailCount(ctx context.Context, chatID, kind string) (int, error)
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
}

// The errors of [Transcripts.Send] that are the caller's to correct.
var (
	// ErrBadAddress means the address is not one e-mail address.
	ErrBadAddress = errors.New("invalid e-mail address")
	// ErrUnknownChat means there is no such chat (or it is a chat between colleagues).
	ErrUnknownChat = errors.New("unknown chat")
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
	if n, err := t.Store.ChatMailCount(ctx, ch.ID, KindTranscript); err != nil {
		return store.OutboxMail{}, err
	} else if n >= MaxTranscriptsPerChat {
		return store.OutboxMail{}, ErrTooMany
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	tr, err := transcript.Load(ctx, t.Store, ch, now(), ch.Lang) // in the visitor's language
	if err != nil {
		return store.OutboxMail{}, err
	}
	tr = ForVisitor(tr)
	var pdf bytes.Buffer
	if err := transcript.Render(&pdf, tr); err != nil {
		return store.OutboxMail{}, fmt.Errorf("transcript pdf: %w", err)
	}
	set, err := t.Store.MailSettings(ctx, ch.TenantID)
	if err != nil {
		return store.OutboxMail{}, err
	}
	if t.Chats != nil {
		t.Chats.NoteVisitorEmail(ch.ID, to)
	}
	m, err := t.Store.EnqueueChatMail(ctx, store.OutboxMail{
		TenantID: ch.TenantID, Kind: KindTranscript, ChatID: ch.ID, MessageID: NewMessageID(set), To: to,
		Subject: TranscriptSubject(tr), Body: TranscriptText(tr),
		Attachments: []store.MailAttachment{{Name: "transcript-" + ch.ID + ".pdf", ContentType: "application/pdf", Data: pdf.Bytes()}},
	}, to)
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

// TranscriptSubject is the subject of a transcript e-mail.
func TranscriptSubject(t transcript.Transcript) string {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	who := t.Tenant
	if t.Connector != "" {
		who = t.Connector
	}
	return fmt.Sprintf("Transcript of your chat with %s on %s", who, t.Started.In(loc).Format("2 Jan 2006"))
}

// TranscriptText is the plain-text body of a transcript e-mail: the chat's data, then every
// line with its time and sender.
func TranscriptText(t transcript.Transcript) string {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	b.WriteString("Transcript of your chat")
	if t.Connector != "" {
		b.WriteString(" with " + t.Connector)
	}
	if t.Tenant != "" {
		b.WriteString(" (" + t.Tenant + ")")
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "Started: %s\n", t.Started.In(loc).Format("2 Jan 2006 15:04 MST"))
	if !t.Ended.IsZero() {
		fmt.Fprintf(&b, "Ended:   %s", t.Ended.In(loc).Format("2 Jan 2006 15:04 MST"))
		if t.CloseCause != "" {
			b.WriteString(" (" + t.CloseCause + ")")
		}
		b.WriteString("\n")
	}
	b.WriteString("Chat:    " + t.ChatID + "\n\n")
	for _, l := range t.Lines {
		at := l.At.In(loc).Format("15:04")
		text := l.Text
		if l.File != "" {
			text = strings.TrimSpace(text + " [file: " + l.File + "]")
		}
		text = strings.ReplaceAll(text, "\n", "\n        ")
		if l.Kind == transcript.LineSystem || l.Sender == "" {
			fmt.Fprintf(&b, "[%s] * %s\n", at, text)
			continue
		}
		fmt.Fprintf(&b, "[%s] %s: %s\n", at, l.Sender, text)
	}
	b.WriteString("\nThe transcript is attached as a PDF.\n")
	return b.String()
}
