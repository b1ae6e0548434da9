package tyntec

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/outbox"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/backoff"
	"github.com/parleychat/parley/shared/protocol"
)

// DefaultRetry tries a line 10 times over about an hour (15 s doubling to 15 minutes): a
// chat line that arrives much later than that is worse than one that says it failed.
var DefaultRetry = outbox.Retry{
	Backoff:     backoff.Policy{Initial: 15 * time.Second, Max: 15 * time.Minute, Jitter: 0.2},
	MaxAttempts: 10,
	Claim:       time.Minute,
}

// OutboxStore is what the worker reads and writes.
type OutboxStore interface {
	DueWhatsApp(ctx context.Context, now time.Time, limit int) ([]store.WhatsAppOut, error)
	NextWhatsAppDue(ctx context.Context) (time.Time, bool, error)
	ClaimWhatsApp(ctx context.Context, o store.WhatsAppOut, until time.Time) (store.WhatsAppOut, bool, error)
	WhatsAppAttemptedLine(ctx context.Context, id int64, at time.Time, a store.WhatsAppAttempt) (store.WhatsAppOut, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	WhatsAppChat(ctx context.Context, chatID string) (store.WhatsAppChat, error)
}

// WorkerOptions wire the outbox worker.
type WorkerOptions struct {
	Store  OutboxStore
	Client *Client
	// PublicURL is where TynTec reaches this server, for the links of the agents' files.
	PublicURL string
	Retry     outbox.Retry
	Logger    *slog.Logger
	Now       func() time.Time
	// Poll is the longest the worker sleeps without looking (lines other nodes wrote).
	Poll time.Duration
	// OnOutcome hears of every recorded attempt with the line as recorded (tests and the
	// agents' line states): a line TynTec accepted may already be delivered or read, when
	// TynTec reported so before it answered the send.
	OnOutcome func(store.WhatsAppOut, store.WhatsAppAttempt)
}

// Worker sends the WhatsApp outbox.
type Worker struct {
	*outbox.Worker[store.WhatsAppOut]
	o WorkerOptions
}

// NewWorker builds the worker; run it with Run, wake it with Wake.
func NewWorker(o WorkerOptions) *Worker {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Retry.MaxAttempts == 0 {
		o.Retry = DefaultRetry
	}
	if o.Poll <= 0 {
		o.Poll = 30 * time.Second
	}
	w := &Worker{o: o}
	w.Worker = outbox.New(outbox.Queue[store.WhatsAppOut]{
		Name: "tyntec outbox", Due: o.Store.DueWhatsApp, NextDue: o.Store.NextWhatsAppDue, Attempt: w.attempt,
		Poll: o.Poll, Now: o.Now, Logger: o.Logger,
	})
	return w
}

// errPermanent marks a line that no retry will send.
type errPermanent struct{ msg string }

func (e errPermanent) Error() string { return e.msg }

func (w *Worker) attempt(ctx context.Context, o store.WhatsAppOut) (bool, error) {
	now := w.o.Now()
	claimed, ok, err := w.o.Store.ClaimWhatsApp(ctx, o, now.Add(w.o.Retry.Claim))
	if err != nil || !ok {
		return false, err
	}
	id, sendErr := w.send(ctx, claimed, now)
	a := store.WhatsAppAttempt{MessageID: id}
	if sendErr != nil {
		var perm errPermanent
		permanent := errors.As(sendErr, &perm) || Permanent(sendErr)
		a.Err = sendErr.Error()
		a.Next, a.GiveUp = w.o.Retry.After(claimed.Attempts, permanent, now, rand.Float64())
		w.o.Logger.Warn("tyntec: line not sent", "chat", claimed.ChatID, "seq", claimed.Seq, "attempt", claimed.Attempts, "give_up", a.GiveUp, "err", sendErr)
	}
	line, err := w.o.Store.WhatsAppAttemptedLine(ctx, claimed.ID, w.o.Now(), a)
	if err != nil {
		return false, err
	}
	if w.o.OnOutcome != nil {
		line.Body = claimed.Body
		w.o.OnOutcome(line, a)
	}
	return sendErr == nil, nil
}

// send builds the line's message and posts it.
func (w *Worker) send(ctx context.Context, o store.WhatsAppOut, now time.Time) (string, error) {
	conn, err := w.o.Store.Connector(ctx, o.ConnectorID)
	if err != nil {
		return "", err
	}
	if !conn.WhatsAppEnabled || conn.WhatsAppAPIKey == "" || conn.WhatsAppNumber == "" {
		return "", errPermanent{"WhatsApp is switched off on the connector"}
	}
	var m protocol.Message
	if err := json.Unmarshal(o.Body, &m); err != nil {
		return "", errPermanent{"the line is unreadable: " + err.Error()}
	}
	templates, _ := ParseTemplates(conn.WhatsAppTemplates)
	content, err := Outbound(m, templates, w.o.PublicURL)
	if err != nil {
		return "", errPermanent{err.Error()}
	}
	if !o.Test {
		// An administrator's test goes to a typed number, whose window TynTec judges.
		chat, err := w.o.Store.WhatsAppChat(ctx, o.ChatID)
		if err != nil {
			return "", err
		}
		if content.ContentType != ContentTemplate && !WindowOpen(chat.LastInbound, now) {
			return "", errPermanent{"the customer last wrote more than 24 hours ago; only a template reaches them"}
		}
	}
	return w.o.Client.Send(ctx, conn.WhatsAppAPIKey, MessageRequest{To: strings.TrimPrefix(o.Phone, "+"),
		From: strings.TrimPrefix(conn.WhatsAppNumber, "+"), Channel: ChannelWhatsApp, Content: content})
}

// Outbound turns an agent's chat line into TynTec content: a template when the line asks for
// one, a file as image or document linked on this server (publicURL), else text.
func Outbound(m protocol.Message, templates []ConnectorTemplate, publicURL string) (Content, error) {
	if t, ok, err := TemplateLine(m.Text, templates); ok {
		if err != nil {
			return Content{}, err
		}
		return Content{ContentType: ContentTemplate, Template: &t}, nil
	}
	if m.File != nil {
		if publicURL == "" {
			return Content{}, errors.New("files cannot go to WhatsApp: the server's public URL (PARLEY_PUBLIC_URL) is not set")
		}
		ref := &MediaRef{URL: strings.TrimRight(publicURL, "/") + m.File.URL}
		caption := strings.TrimSpace(m.Text)
		if caption == m.File.Name {
			caption = ""
		}
		switch {
		case strings.HasPrefix(m.File.ContentType, "image/"):
			ref.Caption = caption
			return Content{ContentType: ContentImage, Image: ref}, nil
		case strings.HasPrefix(m.File.ContentType, "video/"):
			ref.Caption = caption
			return Content{ContentType: ContentVideo, Video: ref}, nil
		case strings.HasPrefix(m.File.ContentType, "audio/"):
			return Content{ContentType: ContentAudio, Audio: ref}, nil
		}
		ref.Filename, ref.Caption = m.File.Name, caption
		return Content{ContentType: ContentDocument, Document: ref}, nil
	}
	if strings.TrimSpace(m.Text) == "" {
		return Content{}, errors.New("the line is empty")
	}
	return Content{ContentType: ContentText, Text: m.Text}, nil
}
