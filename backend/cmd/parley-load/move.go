package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// Clients that move: when the connection of a visitor or an agent ends (its node was killed,
// stopped, or closed it), the client connects again, as the widget and the agent app do behind
// a load balancer: to the node it was on while that node still takes connections, else to the
// next node of -url's list (and the next, in turn). There it resumes its chats after the last
// event it had of each (a dead node's chat is claimed by the node where its client resumes, once
// the dead node's heartbeat is stale) and sends again, with the same command id, what had no
// answer, which the server stores once. An acknowledged message that never reaches its agent
// counts as lost and one that reaches it twice as duplicated, exactly as without a move.

// moveBusyFor is how long a client keeps resuming on a node that answers busy before it tries
// the next one: longer than a dead node's heartbeat takes to go stale (10 s), after which the
// node asked takes the chat over.
const moveBusyFor = 20 * time.Second

// movePause is the pause between two attempts to come back.
const movePause = 100 * time.Millisecond

// isBusy reports whether the server answered busy: ask again.
func isBusy(err error) bool {
	var pe *protocol.Error
	return errors.As(err, &pe) && pe.Code == protocol.CodeBusy
}

// lostConnection reports whether err is the connection failing (refused, closed, cut) rather
// than the server's answer.
func lostConnection(err error) bool {
	var pe *protocol.Error
	return err != nil && !errors.As(err, &pe)
}

// pause waits d, or less when ctx ends.
func pause(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// relocate finds where a client whose connection ended on node at goes on: join connects to a
// node (and resumes there); a node that fails the connection makes it try the next of bases, a
// node that answers busy is asked again, for up to moveBusyFor, before the next is tried. It
// returns the connection and its node's index; any other answer of join ends it.
func relocate(ctx context.Context, bases []string, at int, join func(ctx context.Context, ws string) (*chatConn, error)) (*chatConn, int, error) {
	var busySince time.Time
	for {
		c, err := join(ctx, bases[at])
		if err == nil {
			return c, at, nil
		}
		if ctx.Err() != nil {
			return nil, at, ctx.Err()
		}
		switch {
		case isBusy(err) && busySince.IsZero():
			busySince = time.Now()
		case isBusy(err) && time.Since(busySince) < moveBusyFor:
		case isBusy(err) || lostConnection(err):
			at, busySince = (at+1)%len(bases), time.Time{}
		default:
			return nil, at, err
		}
		pause(ctx, movePause)
	}
}

// moves counts the clients that came back on another node and the reconnects to the same one,
// and the clients on their way (the run waits for them before it counts what is missing).
type moves struct {
	visitors, agents, reconnects, underway atomic.Int64
}

// came records a client back on node to after leaving from.
func (m *moves) came(agent bool, from, to int) {
	switch {
	case from == to:
		m.reconnects.Add(1)
	case agent:
		m.agents.Add(1)
	default:
		m.visitors.Add(1)
	}
}

// visitorLink is a visitor's connection that outlives its node: the node it is on, its chat,
// and the last event of the chat it had, to resume after.
type visitorLink struct {
	bases []string
	hash  string
	n     int
	m     *moves
	at    int
	// conns counts the connections made, so that each has command ids of its own.
	conns int
	c     *chatConn
	chat  string
	token string
	seq   atomic.Uint64
	// draining says the events are recorded by the connection's reader as they come, as a page
	// open on the chat does; otherwise the visitor reads them itself.
	draining bool
}

// dial connects a visitor to the node ws.
func (v *visitorLink) dial(ctx context.Context, ws string) (*chatConn, error) {
	v.conns++
	return connectVisitor(ctx, ws, v.hash, "v"+strconv.Itoa(v.n)+"."+strconv.Itoa(v.conns)+"-")
}

// request connects and asks for a chat, going on to the next node when one fails before the chat
// exists.
func (v *visitorLink) request(ctx context.Context, name string) error {
	var err error
	v.c, v.at, err = relocate(ctx, v.bases, v.at, func(ctx context.Context, ws string) (*chatConn, error) {
		c, err := v.dial(ctx, ws)
		if err != nil {
			return nil, err
		}
		ack, err := c.Call(ctx, "", &protocol.ChatRequest{Name: name})
		if err != nil {
			c.Drop()
			return nil, fmt.Errorf("chat.request: %w", err)
		}
		v.chat, v.token = ack.Body.(*protocol.Ack).Chat, ack.Body.(*protocol.Ack).Token
		return c, nil
	})
	return err
}

// saw records an event of the chat.
func (v *visitorLink) saw(ev protocol.Event) {
	if ev.Chat == v.chat && ev.Seq > v.seq.Load() {
		v.seq.Store(ev.Seq)
	}
}

// next is the chat's next event, across moves.
func (v *visitorLink) next(ctx context.Context) (protocol.Event, error) {
	for {
		ev, err := v.c.Next(ctx)
		if err == nil {
			v.saw(ev)
			return ev, nil
		}
		if ctx.Err() != nil {
			return ev, err
		}
		if err := v.move(ctx); err != nil {
			return ev, err
		}
	}
}

// startDraining has the connection's reader record the events itself, from now and after every
// move, as a page open on the chat reads them.
func (v *visitorLink) startDraining() {
	v.draining = true
	v.c.handle(v.saw)
}

// call sends a command into the chat with the id given and waits for its answer: again with the
// same id while the server answers busy, and on the node the visitor moves to when its
// connection ends. moved says whether it moved meanwhile.
func (v *visitorLink) call(ctx context.Context, id string, body protocol.CommandBody) (ev protocol.Event, moved bool, err error) {
	for {
		ev, err = v.c.CallID(ctx, id, v.chat, body)
		switch {
		case isBusy(err):
			pause(ctx, 50*time.Millisecond)
			if ctx.Err() != nil {
				return ev, moved, ctx.Err()
			}
		case lostConnection(err) && ctx.Err() == nil:
			if err := v.move(ctx); err != nil {
				return ev, moved, err
			}
			moved = true
		default:
			return ev, moved, err
		}
	}
}

// move drops the connection and comes back where [relocate] finds room, resuming the chat after
// the last event seen.
func (v *visitorLink) move(ctx context.Context) error {
	v.c.Drop()
	v.m.underway.Add(1)
	defer v.m.underway.Add(-1)
	from := v.at
	c, at, err := relocate(ctx, v.bases, v.at, func(ctx context.Context, ws string) (*chatConn, error) {
		c, err := v.dial(ctx, ws)
		if err != nil {
			return nil, err
		}
		if _, err := c.Call(ctx, v.chat, &protocol.Resume{Token: v.token, After: v.seq.Load()}); err != nil {
			c.Drop()
			return nil, err
		}
		return c, nil
	})
	if err != nil {
		return fmt.Errorf("visitor %d coming back after its node went: %w", v.n, err)
	}
	v.c, v.at = c, at
	v.m.came(false, from, at)
	if v.draining {
		c.handle(v.saw)
	}
	return nil
}

// agentLink is an agent's connection that outlives its node: the node it is on and the last
// event it had of each chat, to resume after.
type agentLink struct {
	bases []string
	l     login
	m     *moves
	at    int
	conns int
	c     *chatConn
	// seqs is the last event had of each chat; only the agent's reading goroutine uses it.
	seqs map[string]uint64
}

// join signs the agent in on the node ws and makes it available for chats; it returns the
// chats the node says the agent has.
func (a *agentLink) join(ctx context.Context, ws string) (*chatConn, []string, error) {
	a.conns++
	c, err := dialChat(ctx, ws+"/ws/agent", "a"+strconv.FormatInt(a.l.id, 10)+"."+strconv.Itoa(a.conns)+"-")
	if err != nil {
		return nil, nil, err
	}
	chats, err := a.ready(ctx, c)
	if err != nil {
		c.Drop()
		return nil, nil, err
	}
	return c, chats, nil
}

// ready sends agent.connect, sets a status that allows chats and returns the agent's chats.
func (a *agentLink) ready(ctx context.Context, c *chatConn) ([]string, error) {
	if _, err := c.Call(ctx, "", &protocol.AgentConnect{Token: a.l.token}); err != nil {
		return nil, fmt.Errorf("agent.connect: %w", err)
	}
	ev, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.AgentReady); return ok })
	if err != nil {
		return nil, err
	}
	r := ev.Body.(*protocol.AgentReady)
	status := int64(0)
	for _, s := range r.Statuses {
		if s.AllowsChat && s.Settable {
			status = s.ID
			break
		}
	}
	if status == 0 {
		return nil, errors.New("the tenant has no agent status that allows chat")
	}
	if err := c.Send(ctx, c.NewID(), "", &protocol.StatusSet{Status: status}); err != nil {
		return nil, err
	}
	if _, err := c.Await(ctx, func(ev protocol.Event) bool { _, ok := ev.Body.(*protocol.AgentStatus); return ok }); err != nil {
		return nil, err
	}
	var chats []string
	for _, ch := range r.Chats {
		chats = append(chats, ch.ID)
	}
	return chats, nil
}

// saw records an event.
func (a *agentLink) saw(ev protocol.Event) {
	if ev.Chat != "" && ev.Seq > a.seqs[ev.Chat] {
		a.seqs[ev.Chat] = ev.Seq
	}
}

// move drops the connection, comes back where [relocate] finds room and resumes, in the
// background, each of chats and of those the node names, after the last event had of it; the
// agent goes on reading events meanwhile (a resume's missed events come before its answer).
// A resume answered busy is asked again; a chat the agent has no part in (an offer accepted
// too late) is left.
func (a *agentLink) move(ctx context.Context, chats []string) error {
	a.c.Drop()
	a.m.underway.Add(1)
	from := a.at
	var named []string
	c, at, err := relocate(ctx, a.bases, a.at, func(ctx context.Context, ws string) (*chatConn, error) {
		c, ch, err := a.join(ctx, ws)
		named = ch
		return c, err
	})
	if err != nil {
		a.m.underway.Add(-1)
		return fmt.Errorf("agent %s coming back after its node went: %w", a.l.login, err)
	}
	a.c, a.at = c, at
	a.m.came(true, from, at)
	after := map[string]uint64{}
	for _, ch := range append(chats, named...) {
		after[ch] = a.seqs[ch]
	}
	go func() {
		defer a.m.underway.Add(-1)
		for chat, seq := range after {
			for {
				_, err := c.Call(ctx, chat, &protocol.Resume{After: seq})
				if !isBusy(err) {
					break // resumed, not the agent's, or the connection ended (it moves again)
				}
				pause(ctx, movePause)
			}
		}
	}()
	return nil
}
