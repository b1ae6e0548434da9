package chat

import (
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// visitorLeft handles a visitor connection leaving a chat: when no other connection of the
// visitor follows it, the agents see the visitor go and the reconnect window starts.
func (s *Service) visitorLeft(ch *liveChat) {
	for _, sub := range s.hub.Subs(ch.id) {
		if toVisitor.match(sub) {
			return
		}
	}
	ch.mu.Lock()
	closed := ch.closed() || len(ch.remoteVisitors) > 0
	ch.mu.Unlock()
	if closed {
		return
	}
	s.transient(ch.id, "presence/visitor", &protocol.Presence{Role: protocol.RoleVisitor, Online: false}, toAgents)
	s.visitorAway(ch)
}

// visitorAway starts a chat's reconnect window: the agents are warned before it ends, and when
// it ends without the visitor back, the chat is closed.
func (s *Service) visitorAway(ch *liveChat) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closed() {
		return
	}
	window := ch.connector.ReconnectWindow
	if window <= 0 {
		window = s.cfg.ReconnectWindow
	}
	warnAt := max(window-s.cfg.AgentWarning, 0)
	ch.away = true
	ch.stopTimers()
	ch.warnTimer = s.clk.AfterFunc(warnAt, func() {
		s.transient(ch.id, "warning/visitor_away", &protocol.Warning{Code: "visitor_away", Seconds: int((window - warnAt) / time.Second)}, toAgents)
	})
	ch.closeTimer = s.clk.AfterFunc(window, func() {
		ch.mu.Lock()
		away := ch.away
		ch.mu.Unlock()
		if away {
			s.closeChat(ch.id, protocol.CauseVisitorGone, nil)
		}
	})
}

// visitorActive restarts a chat's idle clock (MiCC IdleTimeout with WarningBeforeIdleTimeout):
// a visitor who neither writes nor types for the connector's idle timeout has the chat closed,
// after a warning line. Caller holds ch.mu.
func (s *Service) visitorActive(ch *liveChat) {
	for _, t := range []*clockTimer{&ch.idleWarn, &ch.idleClose} {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
	timeout := time.Duration(ch.options.IdleTimeout) * time.Second
	if timeout <= 0 || ch.closed() {
		return
	}
	warning := min(time.Duration(ch.options.IdleWarning)*time.Second, timeout)
	if warning > 0 {
		var t clockTimer
		t = s.clk.AfterFunc(timeout-warning, func() {
			ch.mu.Lock()
			defer ch.mu.Unlock()
			if ch.closed() || ch.idleWarn != t {
				return
			}
			text := strings.ReplaceAll(ch.text(texts.IdleWarning), "$seconds", strconv.Itoa(int(warning/time.Second)))
			s.emit(ch, nil, line(&protocol.Message{Role: protocol.RoleSystem, Text: text, Key: texts.IdleWarning, Class: "idlewarning", At: s.stamp()}, 0, ""))
		})
		ch.idleWarn = t
	}
	ch.idleClose = s.clk.AfterFunc(timeout, func() { s.closeChat(ch.id, protocol.CauseIdle, nil) })
}
