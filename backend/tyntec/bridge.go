package tyntec

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
)

// Store is what the bridge reads and writes itself.
type Store interface {
	ConnectorByHash(ctx context.Context, hash string) (store.Connector, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	CreateFile(ctx context.Context, f store.File) (store.File, error)
	CreateWhatsAppChat(ctx context.Context, c store.WhatsAppChat) error
	OpenWhatsAppChats(ctx context.Context, connectorID int64, phone string) ([]store.WhatsAppChat, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	WhatsAppCustomerWrote(ctx context.Context, chatID string, at time.Time) error
	FirstWhatsAppInbound(ctx context.Context, connectorID int64, messageID string) (bool, error)
	ForgetWhatsAppInbound(ctx context.Context, connectorID int64, messageID string) error
	WhatsAppStatusWhy(ctx context.Context, connectorID int64, messageID, status, reason string) (store.WhatsAppOut, bool, error)
	LogWhatsAppInbound(ctx context.Context, in store.WhatsAppIn) error
}

// Options wire the bridge.
type Options struct {
	Store  Store
	Chats  *chat.Service
	Client *Client
	Logger *slog.Logger
	// Now is the clock (time.Now unless a test gives another).
	Now func() time.Time
	// OnStatus hears of a line whose delivery state changed, with TynTec's reason when it
	// failed.
	OnStatus func(line store.WhatsAppOut, reason string)
}

// Bridge takes TynTec's webhook calls into chats.
type Bridge struct {
	o Options

	mu    sync.Mutex
	convs map[string]*waConn // by connector id and number
	// opening serialises the messages of one number, so that two arriving at once open one chat.
	opening map[string]*sync.Mutex
}

// NewBridge builds the bridge; mount it with Register.
func NewBridge(o Options) *Bridge {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Bridge{o: o, convs: map[string]*waConn{}, opening: map[string]*sync.Mutex{}}
}

// WebhookPath is where TynTec calls a connector: the connector's hash and its secret.
const WebhookPath = "/tyntec/:hash/:secret"

// WebhookURL is the webhook URL of a connector on a server reached at base.
func WebhookURL(base string, c store.Connector) string {
	return strings.TrimRight(base, "/") + "/tyntec/" + c.Hash + "/" + c.WhatsAppSecret
}

// Register mounts the webhook.
func (b *Bridge) Register(r fiber.Router) { r.Post(WebhookPath, b.handle) }

// Close ends every WhatsApp customer's connection (at shutdown); their chats carry on after
// a restart when the customer writes again.
func (b *Bridge) Close() {
	b.mu.Lock()
	convs := make([]*waConn, 0, len(b.convs))
	for _, c := range b.convs {
		convs = append(convs, c)
	}
	b.mu.Unlock()
	for _, c := range convs {
		c.Close(protocol.CloseShutdown, "server stopping")
	}
}

// callTimeout bounds the work of one webhook call.
const callTimeout = 20 * time.Second

func (b *Bridge) handle(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), callTimeout)
	defer cancel()
	conn, err := b.o.Store.ConnectorByHash(ctx, strings.Clone(c.Params("hash")))
	if errors.Is(err, store.ErrNotFound) {
		return c.Status(fiber.StatusNotFound).SendString("no such webhook")
	}
	if err != nil {
		return err
	}
	if !conn.WhatsAppEnabled || conn.WhatsAppSecret == "" ||
		subtle.ConstantTimeCompare([]byte(c.Params("secret")), []byte(conn.WhatsAppSecret)) != 1 {
		return c.Status(fiber.StatusNotFound).SendString("no such webhook")
	}
	e, err := ParseEvent(c.Body())
	if err != nil {
		return c.Status(fiber.StatusBadRequest).SendString(err.Error())
	}
	if e.Event != EventMoMessage {
		return b.status(ctx, c, conn, e)
	}
	phone, _ := Phone(e.From)
	in := store.WhatsAppIn{TenantID: conn.TenantID, ConnectorID: conn.ID, MessageID: e.MessageID, Phone: phone,
		To: truncate(strings.ToValidUTF8(e.To, ""), 40), Kind: truncate(strings.ToValidUTF8(e.Content.ContentType, ""), 40)}
	if !SameNumber(e.To, conn.WhatsAppNumber) {
		// Not the connector's number: logged and answered 200, as TynTec would retry
		// anything else, and a retry would be refused the same way.
		in.Outcome = store.WhatsAppRefused
		if err := b.o.Store.LogWhatsAppInbound(ctx, in); err != nil {
			return err
		}
		b.o.Logger.Warn("tyntec: message to another number refused", "connector", conn.ID)
		return c.SendStatus(fiber.StatusOK)
	}
	fresh, err := b.o.Store.FirstWhatsAppInbound(ctx, conn.ID, e.MessageID)
	if err != nil {
		return err
	}
	if !fresh {
		// A retry of a message already applied.
		in.Outcome = store.WhatsAppDuplicate
		if err := b.o.Store.LogWhatsAppInbound(ctx, in); err != nil {
			b.o.Logger.Error("tyntec: log inbound", "err", err)
		}
		return c.SendStatus(fiber.StatusOK)
	}
	chatID, err := b.apply(ctx, conn, e)
	if err == nil {
		in.Outcome, in.ChatID = store.WhatsAppReceived, chatID
		if lerr := b.o.Store.LogWhatsAppInbound(ctx, in); lerr != nil {
			b.o.Logger.Error("tyntec: log inbound", "err", lerr)
		}
	}
	if err != nil {
		// Forget the id, so that TynTec's retry applies the message.
		if ferr := b.o.Store.ForgetWhatsAppInbound(context.WithoutCancel(ctx), conn.ID, e.MessageID); ferr != nil {
			b.o.Logger.Error("tyntec: forget inbound id", "err", ferr)
		}
		b.o.Logger.Warn("tyntec: inbound message not applied; TynTec will retry", "connector", conn.ID, "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("the message could not be applied; retry")
	}
	return c.SendStatus(fiber.StatusOK)
}

// status applies a status report.
func (b *Bridge) status(ctx context.Context, c *fiber.Ctx, conn store.Connector, e Event) error {
	state, ok := Status(e)
	if !ok {
		return c.SendStatus(fiber.StatusOK)
	}
	line, changed, err := b.o.Store.WhatsAppStatusWhy(ctx, conn.ID, e.MessageID, state, FailureReason(e))
	if errors.Is(err, store.ErrNotFound) {
		// Not a message Parley recorded: one whose send TynTec has not answered yet (the
		// store keeps the report for it), or one Parley did not send.
		return c.SendStatus(fiber.StatusOK)
	}
	if err != nil {
		return err
	}
	if changed && b.o.OnStatus != nil {
		b.o.OnStatus(line, FailureReason(e))
	}
	return c.SendStatus(fiber.StatusOK)
}

// apply writes a customer's message into their chat, opening one when they have none, and
// returns the chat.
func (b *Bridge) apply(ctx context.Context, conn store.Connector, e Event) (string, error) {
	phone, _ := Phone(e.From)
	key := fmt.Sprint(conn.ID, "/", phone)
	lock := b.lockFor(key)
	lock.Lock()
	defer lock.Unlock()
	// When the customer wrote: TynTec's timestamp, never in the future.
	at := e.Timestamp
	if at.IsZero() || at.After(b.o.Now()) {
		at = b.o.Now()
	}
	p, err := b.conv(ctx, conn, key, phone, e, at)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	chatID := p.chatID
	p.mu.Unlock()
	for _, l := range Lines(*e.Content) {
		if l.Media != nil {
			if err := b.media(ctx, conn, p, chatID, l.Media); err != nil {
				return "", err
			}
			continue
		}
		for _, part := range chunks(l.Text, store.MaxMessageRunes) {
			if _, err := p.call(ctx, chatID, &protocol.Send{Text: part}); err != nil {
				return "", fmt.Errorf("send: %w", err)
			}
		}
	}
	return chatID, b.o.Store.WhatsAppCustomerWrote(ctx, chatID, at)
}

// conv returns the customer's live connection, opening a chat for them when they have none.
func (b *Bridge) conv(ctx context.Context, conn store.Connector, key, phone string, e Event, at time.Time) (*waConn, error) {
	b.mu.Lock()
	p := b.convs[key]
	b.mu.Unlock()
	if p != nil {
		select {
		case <-p.done:
		default:
			return p, nil
		}
	}
	// The customer's chat may be open from before a restart: continue it.
	open, err := b.o.Store.OpenWhatsAppChats(ctx, conn.ID, phone)
	if err != nil {
		return nil, err
	}
	for i := len(open) - 1; i >= 0; i-- {
		if p, err := b.resume(ctx, conn, open[i]); err == nil {
			return p, nil
		} else if ctx.Err() != nil {
			return nil, err
		}
	}
	p, err = b.connect(ctx, conn, key, phone)
	if err != nil {
		return nil, err
	}
	ev, err := p.call(ctx, "", &protocol.VisitorConnect{Connector: conn.Hash, VisitorID: "whatsapp:" + phone, UserAgent: p.UserAgent()})
	if err != nil {
		p.Close(protocol.CloseShutdown, "connect failed")
		return nil, fmt.Errorf("connect: %w", err)
	}
	if connected, _ := ev.Body.(*protocol.Connected); connected == nil || !connected.Open {
		p.Close(protocol.CloseShutdown, "closed")
		return nil, errors.New("the connector takes no chats now")
	}
	name := phone
	if e.WhatsApp != nil && strings.TrimSpace(e.WhatsApp.SenderName) != "" {
		name = truncate(strings.TrimSpace(e.WhatsApp.SenderName), 100)
	}
	ack, err := p.call(ctx, "", &protocol.ChatRequest{Name: name, Phone: phone, UData: map[string]string{"Channel": "WhatsApp"}})
	if err != nil {
		p.Close(protocol.CloseShutdown, "request failed")
		return nil, fmt.Errorf("request: %w", err)
	}
	a, _ := ack.Body.(*protocol.Ack)
	if a == nil || a.Chat == "" {
		p.Close(protocol.CloseShutdown, "request failed")
		return nil, errors.New("chat.request acked without a chat")
	}
	p.mu.Lock()
	p.chatID = a.Chat
	p.mu.Unlock()
	if err := b.o.Store.CreateWhatsAppChat(ctx, store.WhatsAppChat{ChatID: a.Chat, TenantID: conn.TenantID, ConnectorID: conn.ID, Phone: phone,
		LastInbound: at, VisitorToken: a.Token}); err != nil {
		p.Close(protocol.CloseShutdown, "not recorded")
		return nil, err
	}
	b.mu.Lock()
	b.convs[key] = p
	b.mu.Unlock()
	b.o.Logger.Info("tyntec: WhatsApp chat opened", "connector", conn.ID, "chat", a.Chat)
	return p, nil
}

// connect makes a visitor connection for the customer key, forgotten by the bridge when it
// ends; the caller sends its first command.
func (b *Bridge) connect(ctx context.Context, conn store.Connector, key, phone string) (*waConn, error) {
	origin := ""
	if len(conn.AllowedOrigins) > 0 {
		origin = conn.AllowedOrigins[0]
	}
	p := newConn("whatsapp-"+token.New(8), origin, nil)
	p.onClosed = func() {
		b.mu.Lock()
		if b.convs[key] == p {
			delete(b.convs, key)
		}
		b.mu.Unlock()
	}
	p.session = b.o.Chats.OpenVisitor(p)
	return p, nil
}

// resume re-joins the customer's open chat wa with the resume token kept with it, as the
// widget does after a reconnect; an error when the chat cannot be continued (it closed
// meanwhile, or was recorded without a token).
func (b *Bridge) resume(ctx context.Context, conn store.Connector, wa store.WhatsAppChat) (*waConn, error) {
	if wa.VisitorToken == "" {
		return nil, errors.New("the chat has no resume token")
	}
	key := fmt.Sprint(conn.ID, "/", wa.Phone)
	p, err := b.connect(ctx, conn, key, wa.Phone)
	if err != nil {
		return nil, err
	}
	if _, err := p.call(ctx, "", &protocol.VisitorConnect{Connector: conn.Hash, VisitorID: "whatsapp:" + wa.Phone, UserAgent: p.UserAgent()}); err != nil {
		p.Close(protocol.CloseShutdown, "connect failed")
		return nil, fmt.Errorf("connect: %w", err)
	}
	ack, err := p.call(ctx, wa.ChatID, &protocol.Resume{Token: wa.VisitorToken})
	if err != nil {
		p.Close(protocol.CloseShutdown, "resume failed")
		return nil, fmt.Errorf("resume: %w", err)
	}
	if a, _ := ack.Body.(*protocol.Ack); a == nil || a.Chat != wa.ChatID {
		p.Close(protocol.CloseShutdown, "resume failed")
		return nil, errors.New("resume acked without the chat")
	}
	select {
	case <-p.done: // the replay ended with the chat's close
		return nil, errors.New("the chat has ended")
	default:
	}
	p.mu.Lock()
	p.chatID = wa.ChatID
	p.mu.Unlock()
	b.mu.Lock()
	old := b.convs[key]
	b.convs[key] = p
	b.mu.Unlock()
	if old != nil && old != p {
		old.Close(protocol.CloseShutdown, "replaced")
	}
	b.o.Logger.Info("tyntec: WhatsApp chat continued", "connector", conn.ID, "chat", wa.ChatID)
	return p, nil
}

// Restore re-joins every open WhatsApp chat after a start, so that none of them ends as a
// visitor who went away, and the customers' next messages continue them. A chat that cannot
// be re-joined is left to the chat service (it ends as after a visitor's lost connection).
func (b *Bridge) Restore(ctx context.Context) error {
	open, err := b.o.Store.OpenWhatsAppChats(ctx, 0, "")
	if err != nil {
		return err
	}
	conns := map[int64]store.Connector{}
	for _, wa := range open {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		conn, ok := conns[wa.ConnectorID]
		if !ok {
			if conn, err = b.o.Store.Connector(ctx, wa.ConnectorID); err != nil {
				b.o.Logger.Warn("tyntec: open chat's connector", "chat", wa.ChatID, "err", err)
				continue
			}
			conns[wa.ConnectorID] = conn
		}
		key := fmt.Sprint(conn.ID, "/", wa.Phone)
		lock := b.lockFor(key)
		lock.Lock()
		b.mu.Lock()
		live := b.convs[key]
		b.mu.Unlock()
		if live == nil {
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			if _, err := b.resume(cctx, conn, wa); err != nil {
				b.o.Logger.Warn("tyntec: open chat not continued", "chat", wa.ChatID, "err", err)
			}
			cancel()
		}
		lock.Unlock()
	}
	return nil
}

// lockFor is the lock that serialises the messages of one customer.
func (b *Bridge) lockFor(key string) *sync.Mutex {
	b.mu.Lock()
	defer b.mu.Unlock()
	lock := b.opening[key]
	if lock == nil {
		lock = &sync.Mutex{}
		b.opening[key] = lock
	}
	return lock
}

// media fetches a customer's media from TynTec, stores it as a Parley file and shares it in
// the chat.
func (b *Bridge) media(ctx context.Context, conn store.Connector, p *waConn, chatID string, m *InboundMedia) error {
	policy, err := b.o.Store.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		return err
	}
	max := int64(policy.MaxAttachmentKB) * 1024
	if max <= 0 {
		max = 16 << 20
	}
	data, ct, name, err := b.o.Client.Media(ctx, conn.WhatsAppAPIKey, m.URL, max)
	if err != nil {
		if Permanent(err) {
			// Media that cannot be fetched (too large, gone) must not block the customer's
			// other lines: say what came instead.
			_, serr := p.call(ctx, chatID, &protocol.Send{Text: "[" + mediaKind(m) + "]"})
			return serr
		}
		return fmt.Errorf("fetch media: %w", err)
	}
	if name == "" {
		name = m.Filename
	}
	name = filename.Clean(name)
	if name == "" {
		name = mediaKind(m) + extension(ct)
	}
	if ct == "" {
		ct = attach.ContentType(name, data)
	}
	f, err := b.o.Store.CreateFile(ctx, store.File{TenantID: conn.TenantID, ChatID: chatID, Name: name, ContentType: ct,
		Size: int64(len(data)), Role: string(protocol.RoleVisitor), Data: data})
	if err != nil {
		return err
	}
	w := attach.Wire(f)
	_, err = p.call(ctx, chatID, &protocol.FileSend{Name: w.Name, URL: w.URL, Size: w.Size, ContentType: w.ContentType})
	return err
}

func mediaKind(m *InboundMedia) string {
	if k := filename.Clean(m.Type); k != "" {
		return k
	}
	return "media"
}

func extension(contentType string) string {
	if exts, err := mime.ExtensionsByType(contentType); err == nil && len(exts) > 0 {
		return exts[0]
	}
	return ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// chunks cuts text into pieces of at most n runes: WhatsApp allows longer messages than a
// chat line.
func chunks(text string, n int) []string {
	r := []rune(strings.ToValidUTF8(strings.ReplaceAll(text, "\x00", ""), "\uFFFD"))
	var out []string
	for len(r) > n {
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	if strings.TrimSpace(string(r)) != "" {
		out = append(out, string(r))
	}
	return out
}
