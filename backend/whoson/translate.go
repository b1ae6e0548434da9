package whoson

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// link is the client as the chat service sees it: a visitor connection (chat.Conn) whose
// frames are native events, translated here into WhosOn events on their way to the socket.
type link struct{ c *client }

// Send implements chat.Conn.
func (l link) Send(frame []byte) bool {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.inOrder(c.translate(frame)) {
		if !c.rc.Send(f) {
			return false
		}
	}
	return true
}

// TrySend implements chat.Conn. The WhosOn events of one native event go together or not at
// all: a full queue is reported before any is queued.
func (l link) TrySend(frame []byte) bool {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	out, ok := c.inOrderTry(c.translate(frame))
	if !ok {
		return false
	}
	for _, f := range out {
		if !c.rc.TrySend(f) {
			return false
		}
	}
	return true
}

// SendWait implements chat.Conn.
func (l link) SendWait(ctx context.Context, frame []byte) error {
	c := l.c
	c.mu.Lock()
	out := c.inOrder(c.translate(frame))
	c.mu.Unlock()
	for _, f := range out {
		if err := c.rc.SendWait(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// SendTransient implements chat.Conn.
func (l link) SendTransient(key string, frame []byte) {
	c := l.c
	c.mu.Lock()
	out := c.translate(frame)
	c.mu.Unlock()
	for i, f := range out {
		c.rc.SendTransient(key+"/"+strconv.Itoa(i), f)
	}
}

// Close implements chat.Conn.
func (l link) Close(code protocol.CloseCode, reason string) { l.c.rc.Close(code, reason) }

// Done implements chat.Conn.
func (l link) Done() <-chan struct{} { return l.c.rc.Done() }

// ID implements chat.Conn.
func (l link) ID() string { return l.c.rc.ID() }

// IP implements chat.Conn: the connection's address, by which limits and blocks judge.
func (l link) IP() string { return l.c.rc.IP() }

// Origin implements chat.Conn: the site the credentials and the domain proved, whatever page
// the socket was opened from (WhosOn clients are often not browsers, or pages of other hosts).
func (l link) Origin() string {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.site.origin
}

// Host implements chat.Conn.
func (l link) Host() string { return l.c.rc.Host() }

// UserAgent implements chat.Conn.
func (l link) UserAgent() string { return l.c.rc.UserAgent() }

// Cookie implements chat.Conn: WhosOn clients carry no Parley cookies.
func (l link) Cookie(string) string { return "" }

// translate turns one native event into the WhosOn events it stands for (often none). Caller
// holds c.mu.
func (c *client) translate(frame []byte) [][]byte {
	ev, err := protocol.DecodeEvent(frame)
	if err != nil {
		c.e.o.Logger.Error("whoson: undecodable native event", "err", err)
		return nil
	}
	switch b := ev.Body.(type) {
	case *protocol.Connected:
		delete(c.pending, ev.ID)
		return [][]byte{c.connected(b)}
	case *protocol.Ack:
		k := c.pending[ev.ID]
		delete(c.pending, ev.ID)
		switch k {
		case kindHello:
			return c.accepted(b.Chat)
		case kindSurvey:
			return [][]byte{encode("acknowledged", c.uid(), "")}
		}
		return nil
	case *protocol.Error:
		k := c.pending[ev.ID]
		delete(c.pending, ev.ID)
		switch k {
		case kindHello:
			c.hello = false
			return [][]byte{encode("notaccepted", nil, b.Message)}
		case kindFile:
			if b.Field == "url" {
				return [][]byte{encode("error", c.uid(), fileNotUploaded)}
			}
		}
		return [][]byte{encode("error", c.uid(), b.Message)}
	case *protocol.Operators:
		delete(c.pending, ev.ID)
		return [][]byte{encode("operators", c.uid(), operators(b.Operators, c.conn.byName))}
	case *protocol.Disconnect, *protocol.Config:
		return nil
	}
	if ev.Chat == "" {
		return nil
	}
	if c.hello && c.chat == "" {
		// The chat's first events can overtake the answer to Hello: they wait for it.
		c.early = append(c.early, frame)
		return nil
	}
	if ev.Chat != c.chat {
		return nil // an earlier chat of the connection
	}
	return c.chatEvent(ev)
}

// connected is the WhosOn connected event of the native one. Caller holds c.mu.
func (c *client) connected(b *protocol.Connected) []byte {
	c.conn.connected = true
	c.conn.session = b.Session
	c.conn.welcome = b.Texts[texts.WelcomeMessage]
	c.connectTimer.Stop()
	d := describeSite(b, c.conn, c.e.o.Locator.Locate(c.conn.visitorIP), c.e.o.PublicURL(c.rc.Host())+WebServicesPath)
	c.conn.lang, c.conn.fileTypes = d.Lang, d.AllowedFileTypes
	c.e.enlist(b.Session, c)
	return encode("connected", nil, d)
}

// accepted answers Hello with the new chat, followed by the events that came before it.
// Caller holds c.mu.
func (c *client) accepted(chatID string) [][]byte {
	c.hello = false
	c.chat = chatID
	c.chats = append(c.chats, chatID)
	c.queueGen++
	go c.queueTicker(c.queueGen, chatID)
	out := [][]byte{encode("accepted", c.uid(), c.conn.welcome)}
	early := c.early
	c.early = nil
	for _, f := range early {
		if ev, err := protocol.DecodeEvent(f); err == nil && ev.Chat == chatID {
			out = append(out, c.chatEvent(ev)...)
		}
	}
	return out
}

// chatEvent translates an event of the current chat. Caller holds c.mu.
func (c *client) chatEvent(ev protocol.Event) [][]byte {
	u := c.uid()
	newline := func(class, content string) []byte {
		return encode("newline", u, newlineData{Classname: class, Content: content})
	}
	switch b := ev.Body.(type) {
	case *protocol.Message:
		switch b.Role {
		case protocol.RoleVisitor:
			text := visitorHTML(ownLine(b.Text))
			if b.File != nil {
				text = c.fileLink(b.File)
			}
			return [][]byte{newline("linesays", visitorHTML(says(b.Name, "Visitor"))), newline("linev", text)}
		case protocol.RoleAgent:
			if b.Internal {
				return nil
			}
			text := operatorHTML(b.Text)
			if b.File != nil {
				text = c.fileLink(b.File)
			}
			if b.File == nil && c.translating() {
				c.job = &lineJob{text: b.Text, from: c.state.agentLang, to: c.state.visitorLang}
			}
			return [][]byte{newline("linesays", visitorHTML(says(b.Name, "Operator"))), newline("lineo", text)}
		}
		switch b.Class {
		case "bye":
			// The closing text: WhosOn clients show their own ClosingMessage; a chat that
			// found no agent gets it as its notaccepted reason.
			c.state.bye = b.Text
			return nil
		case "", "lineo":
			return [][]byte{newline("lineo", systemHTML(b.Text))}
		case "pagingmessage", "queuemessage", "lineo linewaiting1", "lineo linewaiting2", "lineo final":
			return [][]byte{newline(b.Class, systemHTML(b.Text))}
		}
		return [][]byte{newline("lineo "+b.Class, systemHTML(b.Text))}
	case *protocol.Joined:
		if b.Role != protocol.RoleAgent || (b.As != "" && !b.As.Visible()) {
			return nil
		}
		c.state.joined, c.state.position = true, 0
		if l := protocol.BaseLang(b.Lang); l != "" {
			c.state.agentLang = l
		}
		return [][]byte{encode("operatorjoined", u, describe(b.Name, statusOnline, b.Lang, c.conn.agents[b.UserID]))}
	case *protocol.TypingEvent:
		if b.Role != protocol.RoleAgent {
			return nil
		}
		if b.On {
			return [][]byte{encode("typing", u, "")}
		}
		return [][]byte{encode("typingstop", u, "")}
	case *protocol.Queue:
		if c.state.joined || c.state.closed || b.Position <= 0 {
			return nil
		}
		c.state.position = b.Position
		return [][]byte{encode("queue", u, strconv.Itoa(b.Position))}
	case *protocol.ChatState:
		if b.State != protocol.StateClosed || c.state.closed {
			return nil
		}
		c.state.closed, c.state.position = true, 0
		switch {
		case c.state.quit || b.Cause == protocol.CauseVisitor:
			return nil
		case !c.state.joined && (b.Cause == protocol.CauseNoAgent || b.Cause == protocol.CauseOutOfService):
			return [][]byte{encode("notaccepted", u, c.state.bye)}
		}
		return [][]byte{encode("quit", u, "")}
	case *protocol.FieldRequest:
		return [][]byte{encode("requestfield", u, surveyField(b.Field))}
	case *protocol.FileRequest:
		types := strings.Join(b.Types, ", ")
		if len(b.Types) == 0 {
			types = c.conn.fileTypes
		}
		return [][]byte{encode("requestfile", u, types)}
	}
	return nil
}

// says is the linesays line before a chat line.
func says(name, fallback string) string {
	if strings.TrimSpace(name) == "" {
		name = fallback
	}
	return name + " says:"
}

// queueTicker repeats the chat's queue position about once a second while it waits in a
// queue (WhosOn's queue event), until an operator joins, the chat ends, another chat starts
// or the connection closes.
func (c *client) queueTicker(gen int, chatID string) {
	t := time.NewTicker(c.e.o.QueueEvery)
	defer t.Stop()
	for {
		select {
		case <-c.rc.Done():
			return
		case <-t.C:
		}
		c.mu.Lock()
		if gen != c.queueGen || c.state.closed || c.state.joined {
			c.mu.Unlock()
			return
		}
		if c.state.position > 0 {
			u := chatID
			c.rc.SendTransient("whoson/queue", encode("queue", &u, strconv.Itoa(c.state.position)))
		}
		c.mu.Unlock()
	}
}

// TranslatesLines implements chat.SelfTranslating: the adapter translates its chats' lines as
// WhosOn's protocol has it (translation.go), so the chat service does not translate them again.
func (l link) TranslatesLines() bool { return true }
