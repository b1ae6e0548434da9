package micc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/origin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// Version is what GetVersion answers: the MiCC Enterprise release whose document this adapter
// follows.
const Version = "9.8.0.0"

// The bounds of long polls and idle clients (see the package doc).
const (
	// MaxPoll is the longest a GetEvents waits, whatever Timeout asks.
	MaxPoll = 60 * time.Second
	// MaxPollsPerAddress bounds the polls waiting at once from one client address.
	MaxPollsPerAddress = 50
	// GoneAfter is how long a chat's client may stay silent before it counts as gone, unless
	// [Options.GoneAfter] says otherwise.
	GoneAfter = 60 * time.Second
	// callTimeout bounds one command's round trip through the chat service.
	callTimeout = 15 * time.Second
)

// Store is what the adapter reads and writes itself: the MiCC faces of connectors, their
// connectors and tenant policies, and the attachments it stores and reads.
type Store interface {
	MiCCServices(ctx context.Context, miccTenant int) ([]store.MiCCService, error)
	AllMiCCServices(ctx context.Context) ([]store.MiCCService, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	CreateFile(ctx context.Context, f store.File) (store.File, error)
	File(ctx context.Context, id string) (store.File, error)
}

// Options wire the adapter.
type Options struct {
	Store  Store
	Chats  *chat.Service
	Logger *slog.Logger
	// Clock is the wall clock unless a test gives another.
	Clock clock.Clock
	// GoneAfter replaces [GoneAfter] when above zero, so that a test sees a silent client go
	// without waiting a minute.
	GoneAfter time.Duration
}

// Service is the MiCC ChatService: the chats its clients opened, by ChatID.
type Service struct {
	o        Options
	sessions atomic.Int64

	stop     chan struct{} // closed when the server shuts down: waiting polls answer
	stopOnce sync.Once

	mu    sync.Mutex
	chats map[string]*pollConn
	polls map[string]int // waiting polls by client address
}

// New builds the service; mount it with Register.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.GoneAfter <= 0 {
		o.GoneAfter = GoneAfter
	}
	return &Service{o: o, chats: map[string]*pollConn{}, polls: map[string]int{}, stop: make(chan struct{})}
}

// Close answers every waiting poll at once, so that a shutdown does not wait for them.
func (s *Service) Close() { s.stopOnce.Do(func() { close(s.stop) }) }

// Register mounts POST (and the CORS preflight OPTIONS) /ChatService/:method. Fiber matches
// paths without regard to case, as MiCC's service does.
func (s *Service) Register(r fiber.Router) {
	r.Options("/ChatService/:method", s.cors, func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	r.Post("/ChatService/:method", s.cors, s.handle)
}

// cors answers browsers from origins a connector with a MiCC face allows.
func (s *Service) cors(c *fiber.Ctx) error {
	o := c.Get(fiber.HeaderOrigin)
	if o == "" {
		return c.Next()
	}
	c.Vary(fiber.HeaderOrigin)
	svcs, err := s.o.Store.AllMiCCServices(c.UserContext())
	if err != nil {
		return err
	}
	for _, m := range svcs {
		conn, err := s.o.Store.Connector(c.UserContext(), m.ConnectorID)
		if err == nil && origin.Allowed(conn.AllowedOrigins, origin.Of(o)) {
			c.Set(fiber.HeaderAccessControlAllowOrigin, o)
			c.Set(fiber.HeaderAccessControlAllowMethods, "POST, OPTIONS")
			c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type")
			c.Set(fiber.HeaderAccessControlMaxAge, "600")
			break
		}
	}
	return c.Next()
}

// fault is a failed request: its status and Parley's code.
type fault struct {
	status int
	code   protocol.Code
	msg    string
}

func (f *fault) Error() string { return f.msg }

func faultf(status int, code protocol.Code, format string, args ...any) *fault {
	return &fault{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// faultOf turns an error of the chat service into a fault with a fitting status.
func faultOf(err error) *fault {
	var f *fault
	if errors.As(err, &f) {
		return f
	}
	var pe *protocol.Error
	if errors.As(err, &pe) {
		status := map[protocol.Code]int{
			protocol.CodeInvalid: 400, protocol.CodeTooLarge: 413, protocol.CodeUnauthorized: 401, protocol.CodeForbidden: 403,
			protocol.CodeNotFound: 404, protocol.CodeConflict: 409, protocol.CodeOutOfService: 503, protocol.CodeRateLimited: 429,
			protocol.CodeUnsupported: 415, protocol.CodeBusy: 503,
		}[pe.Code]
		if status == 0 {
			status = 500
		}
		return &fault{status: status, code: pe.Code, msg: pe.Message}
	}
	return &fault{status: 500, code: protocol.CodeInternal, msg: "the chat service failed; try again"}
}

// handle runs one method.
func (s *Service) handle(c *fiber.Ctx) error {
	ctx := c.UserContext()
	body := c.Body()
	var out any
	var err error
	switch strings.ToLower(c.Params("method")) {
	case "requestchat":
		var r RequestChatRequest
		if err = decode(body, &r); err == nil {
			out, err = s.requestChat(ctx, c, r)
		}
	case "leavechat":
		var r ChatRequest
		if err = decode(body, &r); err == nil {
			err = s.leaveChat(ctx, c, r)
		}
	case "sendmessage":
		var r SendChatMessageRequest
		if err = decode(body, &r); err == nil {
			err = s.sendMessage(ctx, c, r)
		}
	case "sendtyping":
		var r ChatRequest
		if err = decode(body, &r); err == nil {
			err = s.sendTyping(ctx, c, r)
		}
	case "getevents":
		var r GetEventsRequest
		if err = decode(body, &r); err == nil {
			out, err = s.getEvents(ctx, c, r)
		}
	case "getqueueinfo":
		var r GetQueueInfoRequest
		if err = decode(body, &r); err == nil {
			out, err = s.queueInfo(ctx, c, r)
		}
	case "getchatinfo":
		var r ChatRequest
		if err = decode(body, &r); err == nil {
			out, err = s.chatInfo(ctx, c, r)
		}
	case "getchatconfiguration":
		var r GetQueueInfoRequest
		if err = decode(body, &r); err == nil {
			out, err = s.configuration(ctx, r)
		}
	case "getversion":
		out = Version
	default:
		err = faultf(fiber.StatusNotFound, protocol.CodeUnknownType, "the chat service has no method %q", c.Params("method"))
	}
	if err != nil {
		f := faultOf(err)
		if f.code == protocol.CodeInternal {
			s.o.Logger.Error("micc: request failed", "method", c.Params("method"), "err", err)
		}
		return c.Status(f.status).JSON(Fault{Message: f.msg, ExceptionType: "System.ServiceModel.FaultException", Code: string(f.code)})
	}
	if out == nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.JSON(out)
}

// decode reads a request wrapped as {"request": {...}} or bare; an empty body is an empty
// request.
func decode(body []byte, into any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	var wrapped map[string]json.RawMessage
	if err := json.Unmarshal(body, &wrapped); err != nil {
		return faultf(fiber.StatusBadRequest, protocol.CodeBadJSON, "the request is not a JSON object: %v", err)
	}
	if len(wrapped) == 1 {
		for k, v := range wrapped {
			if strings.EqualFold(k, "request") && len(bytes.TrimSpace(v)) > 0 && bytes.TrimSpace(v)[0] == '{' {
				body = v
			}
		}
	}
	if err := json.Unmarshal(body, into); err != nil {
		return faultf(fiber.StatusBadRequest, protocol.CodeInvalid, "the request does not fit: %v", err)
	}
	return nil
}

// service finds the connector a client names by MiCC tenant and service group.
func (s *Service) service(ctx context.Context, tenant *int, groupID int, groupName string) (store.MiCCService, store.Connector, error) {
	t := store.MiCCDefaultTenant
	if tenant != nil {
		t = *tenant
	}
	if groupID == 0 && strings.TrimSpace(groupName) == "" {
		return store.MiCCService{}, store.Connector{}, faultf(fiber.StatusBadRequest, protocol.CodeInvalid, "name the service group: ServiceGroupID or ServiceGroupName")
	}
	svcs, err := s.o.Store.MiCCServices(ctx, t)
	if err != nil {
		return store.MiCCService{}, store.Connector{}, err
	}
	for _, m := range svcs {
		if (groupID != 0 && m.GroupID == groupID) || (groupID == 0 && strings.EqualFold(m.GroupName, strings.TrimSpace(groupName))) {
			for _, other := range svcs {
				for _, rej := range other.RejectGroupIDs {
					if rej == m.GroupID {
						return store.MiCCService{}, store.Connector{}, faultf(fiber.StatusForbidden, protocol.CodeForbidden, "service group %d cannot request chats", m.GroupID)
					}
				}
			}
			conn, err := s.o.Store.Connector(ctx, m.ConnectorID)
			return m, conn, err
		}
	}
	return store.MiCCService{}, store.Connector{}, faultf(fiber.StatusNotFound, protocol.CodeNotFound, "tenant %d has no service group %d %q", t, groupID, groupName)
}

// open starts a visitor connection on a connector for a request's client.
func (s *Service) open(ctx context.Context, c *fiber.Ctx, conn store.Connector, tz int, visitorID string) (*pollConn, *protocol.Connected, error) {
	o := strings.Clone(c.Get(fiber.HeaderOrigin))
	if o == "" && len(conn.AllowedOrigins) > 0 {
		o = conn.AllowedOrigins[0] // a back end, not a browser: see the package doc
	}
	p := newPollConn("micc-"+token.New(8), strings.Clone(c.IP()), o, strings.Clone(c.Hostname()), strings.Clone(c.Get(fiber.HeaderUserAgent)), s.o.Clock)
	p.session = s.o.Chats.OpenVisitor(p)
	ev, err := p.call(ctx, "", &protocol.VisitorConnect{Connector: conn.Hash, TZOffset: tz, VisitorID: visitorID, UserAgent: truncate(p.userAgen, 512)})
	if err != nil {
		p.Close(protocol.CloseShutdown, "connect failed")
		return nil, nil, err
	}
	connected, _ := ev.Body.(*protocol.Connected)
	if connected == nil {
		p.Close(protocol.CloseShutdown, "connect failed")
		return nil, nil, errors.New("visitor.connect answered without connected")
	}
	return p, connected, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (s *Service) requestChat(ctx context.Context, c *fiber.Ctx, r RequestChatRequest) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	m, conn, err := s.service(ctx, r.TenantID, r.ServiceGroupID, r.ServiceGroupName)
	if err != nil {
		return nil, err
	}
	p, connected, err := s.open(ctx, c, conn, r.TimeZoneOffset, truncate(r.SessionID, 128))
	if err != nil {
		return nil, err
	}
	closed := func() (any, error) {
		p.Close(protocol.CloseShutdown, "group closed")
		return &RequestChatResponse{Message: connected.Texts[texts.OutOfService], EstimatedWaitTime: -1}, nil
	}
	if !connected.Open {
		return closed()
	}
	name, email, phone := strings.TrimSpace(r.CustomerName), r.EmailAddress, r.PhoneNumber
	if m.IgnoreCustomerDetails {
		name, email, phone = "", "", ""
	}
	if name == "" {
		name = "Customer"
	}
	udata := map[string]string{}
	for k, v := range map[string]string{"PrivateData": r.PrivateData, "SessionID": r.SessionID, "From": m.From(r.CustomerID, email, phone)} {
		if v != "" {
			udata[k] = truncate(v, 1000)
		}
	}
	ack, err := p.call(ctx, "", &protocol.ChatRequest{Name: truncate(name, 100), Email: email, Phone: phone, CustomerID: r.CustomerID, UData: udata})
	if err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Code == protocol.CodeOutOfService {
			return closed()
		}
		p.Close(protocol.CloseShutdown, "request failed")
		return nil, err
	}
	a, _ := ack.Body.(*protocol.Ack)
	if a == nil || a.Chat == "" {
		p.Close(protocol.CloseShutdown, "request failed")
		return nil, errors.New("chat.request acked without a chat")
	}
	p.mu.Lock()
	p.chatID, p.connectorID = a.Chat, conn.ID
	p.mu.Unlock()
	s.mu.Lock()
	s.chats[a.Chat] = p
	s.mu.Unlock()
	s.touch(p)
	resp := &RequestChatResponse{ChatID: &a.Chat, SessionID: int(s.sessions.Add(1)), QueuePosition: 1, EstimatedWaitTime: connected.EstimatedWait,
		Message: connected.Texts[texts.WelcomeMessage]}
	if ev, err := p.call(ctx, a.Chat, &protocol.ChatInfoGet{}); err == nil {
		if info, ok := ev.Body.(*protocol.ChatInfo); ok {
			resp.QueuePosition, resp.EstimatedWaitTime = info.Position, info.EstimatedWait
		}
	}
	return resp, nil
}

// chat finds a client's chat, marking the client as still there.
func (s *Service) chat(id string) (*pollConn, error) {
	s.mu.Lock()
	p := s.chats[id]
	s.mu.Unlock()
	if p == nil {
		return nil, faultf(fiber.StatusNotFound, protocol.CodeNotFound, "no chat session has the ChatID %q", id)
	}
	s.touch(p)
	return p, nil
}

// touch restarts a client's silence clock; a chat whose client stays silent is left as a
// visitor leaves a page, and forgotten once it has ended.
func (s *Service) touch(p *pollConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.goneAt != nil {
		p.goneAt.Stop()
	}
	p.goneAt = s.o.Clock.AfterFunc(s.o.GoneAfter, func() {
		p.mu.Lock()
		polling := p.poll != nil
		p.mu.Unlock()
		if polling {
			s.touch(p)
			return
		}
		s.mu.Lock()
		if s.chats[p.chatID] == p {
			delete(s.chats, p.chatID)
		}
		s.mu.Unlock()
		p.Close(protocol.CloseShutdown, "client gone")
	})
}

func (s *Service) leaveChat(ctx context.Context, _ *fiber.Ctx, r ChatRequest) error {
	p, err := s.chat(r.ChatID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err = p.call(ctx, r.ChatID, &protocol.Close{})
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Code == protocol.CodeConflict {
		return nil // already ended: leaving again (a retry) is done
	}
	return err
}

func (s *Service) sendTyping(ctx context.Context, _ *fiber.Ctx, r ChatRequest) error {
	p, err := s.chat(r.ChatID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err = p.call(ctx, r.ChatID, &protocol.Typing{On: true})
	return err
}

func (s *Service) sendMessage(ctx context.Context, _ *fiber.Ctx, r SendChatMessageRequest) error {
	p, err := s.chat(r.ChatID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if r.Attachment == nil {
		_, err = p.call(ctx, r.ChatID, &protocol.Send{Text: r.Message})
		return err
	}
	conn, err := s.connectorOf(ctx, p)
	if err != nil {
		return err
	}
	policy, err := s.o.Store.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		return err
	}
	name := filename.Clean(r.Message)
	if name == "" {
		return faultf(fiber.StatusBadRequest, protocol.CodeInvalid, "Message must hold the attachment's file name")
	}
	switch err := attach.Check(policy, name, int64(len(r.Attachment))); {
	case errors.Is(err, attach.ErrFilesOff):
		return faultf(fiber.StatusUnsupportedMediaType, protocol.CodeUnsupported, "attachments cannot be sent in this chat")
	case errors.Is(err, attach.ErrTooLarge):
		return faultf(fiber.StatusRequestEntityTooLarge, protocol.CodeTooLarge, "the attachment is larger than %d KB", policy.MaxAttachmentKB)
	case err != nil:
		return faultf(fiber.StatusUnsupportedMediaType, protocol.CodeUnsupported, "attachments of type %q cannot be sent", filename.Type(name))
	}
	ct := attach.ContentType(name, r.Attachment)
	f, err := s.o.Store.CreateFile(ctx, store.File{TenantID: conn.TenantID, ChatID: r.ChatID, Name: name, ContentType: ct,
		Size: int64(len(r.Attachment)), Role: string(protocol.RoleVisitor), Data: r.Attachment})
	if err != nil {
		return err
	}
	w := attach.Wire(f)
	_, err = p.call(ctx, r.ChatID, &protocol.FileSend{Name: w.Name, URL: w.URL, Size: w.Size, ContentType: w.ContentType})
	return err
}

// connectorOf reads the connector of a client's chat.
func (s *Service) connectorOf(ctx context.Context, p *pollConn) (store.Connector, error) {
	p.mu.Lock()
	id := p.connectorID
	p.mu.Unlock()
	return s.o.Store.Connector(ctx, id)
}

func (s *Service) getEvents(ctx context.Context, c *fiber.Ctx, r GetEventsRequest) (any, error) {
	p, err := s.chat(r.ChatID)
	if err != nil {
		return nil, err
	}
	if r.After != nil {
		p.mu.Lock()
		p.explicit = true
		p.mu.Unlock()
		p.ack(*r.After)
	}
	ip := strings.Clone(c.IP())
	s.mu.Lock()
	if s.polls[ip] >= MaxPollsPerAddress {
		s.mu.Unlock()
		return nil, faultf(fiber.StatusTooManyRequests, protocol.CodeRateLimited, "too many waiting GetEvents calls from your address")
	}
	s.polls[ip]++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.polls[ip]--; s.polls[ip] <= 0 {
			delete(s.polls, ip)
		}
		s.mu.Unlock()
	}()
	wait := min(max(time.Duration(r.Timeout)*time.Millisecond, 0), MaxPoll)
	mine := p.takePoll()
	defer p.endPoll(mine)
	timer := s.o.Clock.AfterFunc(wait, func() {
		p.mu.Lock()
		if p.poll == mine {
			close(mine)
			p.poll = nil
		}
		p.mu.Unlock()
	})
	defer timer.Stop()
	var events []ChatEvent
	for {
		var more chan struct{}
		events, more = p.pending()
		if len(events) > 0 {
			break
		}
		select {
		case <-more:
			continue
		case <-mine:
		case <-p.done:
		case <-s.stop:
		case <-ctx.Done():
		}
		events, _ = p.pending()
		break
	}
	p.mu.Lock()
	explicit := p.explicit
	p.mu.Unlock()
	out := make([]ChatEvent, len(events))
	for i, e := range events {
		out[i] = s.resolve(ctx, e)
	}
	if !explicit && len(events) > 0 {
		p.ack(events[len(events)-1].Seq)
	}
	s.touch(p)
	return &GetEventsResponse{Events: out}, nil
}

// resolve reads an attachment an agent sent, so the answer carries its bytes.
func (s *Service) resolve(ctx context.Context, e ChatEvent) ChatEvent {
	m, ok := e.Data.(*MessageReceivedEvent)
	if !ok || !bytes.HasPrefix(m.Attachment, []byte(filePrefix)) {
		return e
	}
	cp := *m
	f, err := s.o.Store.File(ctx, string(m.Attachment[len(filePrefix):]))
	if err != nil {
		s.o.Logger.Warn("micc: attachment unreadable", "err", err)
		cp.Attachment = Bytes{}
	} else {
		cp.Attachment = f.Data
	}
	e.Data = &cp
	return e
}

func (s *Service) queueInfo(ctx context.Context, c *fiber.Ctx, r GetQueueInfoRequest) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, conn, err := s.service(ctx, r.TenantID, r.ServiceGroupID, r.ServiceGroupName)
	if err != nil {
		return nil, err
	}
	p, connected, err := s.open(ctx, c, conn, 0, "")
	if err != nil {
		return nil, err
	}
	p.Close(protocol.CloseShutdown, "answered")
	return &GetQueueInfoResponse{Open: connected.Open, EstimatedWaitTime: connected.EstimatedWait}, nil
}

func (s *Service) chatInfo(ctx context.Context, _ *fiber.Ctx, r ChatRequest) (any, error) {
	p, err := s.chat(r.ChatID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	p.mu.Lock()
	known := GetChatInfoResponse{State: p.state, QueuePosition: p.position}
	p.mu.Unlock()
	if known.State == Terminated {
		return &known, nil
	}
	ev, err := p.call(ctx, r.ChatID, &protocol.ChatInfoGet{})
	if err != nil {
		return nil, err
	}
	info, _ := ev.Body.(*protocol.ChatInfo)
	if info == nil {
		return &known, nil
	}
	out := GetChatInfoResponse{State: stateOf(info.State)}
	if out.State == Queued {
		out.QueuePosition = info.Position
	}
	return &out, nil
}

func (s *Service) configuration(ctx context.Context, r GetQueueInfoRequest) (any, error) {
	var conn store.Connector
	var err error
	if r.ServiceGroupID != 0 || r.ServiceGroupName != "" {
		_, conn, err = s.service(ctx, r.TenantID, r.ServiceGroupID, r.ServiceGroupName)
	} else {
		t := store.MiCCDefaultTenant
		if r.TenantID != nil {
			t = *r.TenantID
		}
		var svcs []store.MiCCService
		if svcs, err = s.o.Store.MiCCServices(ctx, t); err == nil {
			if len(svcs) == 0 {
				return nil, faultf(fiber.StatusNotFound, protocol.CodeNotFound, "tenant %d has no service group", t)
			}
			conn, err = s.o.Store.Connector(ctx, svcs[0].ConnectorID)
		}
	}
	if err != nil {
		return nil, err
	}
	policy, err := s.o.Store.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		return nil, err
	}
	out := &GetChatConfigurationResponse{MaxMessageLength: maxMessage(conn), MaxAttachmentSize: policy.MaxAttachmentKB * 1024,
		AllowedAttachmentTypes: policy.AllowedTypes, RestrictedAttachmentTypes: policy.RestrictedTypes}
	if out.AllowedAttachmentTypes == nil {
		out.AllowedAttachmentTypes = []string{}
	}
	if out.RestrictedAttachmentTypes == nil {
		out.RestrictedAttachmentTypes = []string{}
	}
	return out, nil
}

// maxMessage is a connector's longest visitor message (its widget option, at most the
// protocol's).
func maxMessage(conn store.Connector) int {
	if tb, err := store.ParseToolbox(conn.Toolbox); err == nil && tb.MaxMessageLength > 0 && tb.MaxMessageLength < store.MaxMessageRunes {
		return tb.MaxMessageLength
	}
	return store.MaxMessageRunes
}
