package chat

import (
	"context"
	"errors"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Act runs one command of an agent or a bot user that has no connection, such as a REST API
// client, through the same rules as the agent app's commands: it is answered only once its
// writes are committed, a retry with the same command id gets the first answer, and what it
// writes reaches the visitor and the agents live. Only the commands that act on a chat from
// outside are taken: sending a message, closing, transferring and joining, and (for an agent
// whose app is connected to another node of a cluster) sharing a file, typing, asking for a
// field or a file, inviting and answering an invitation. A bot user
// (store.User.Bot) that is not in the chat joins it as a participant before it writes, as
// WhosOn's bot operators take part in chats.
func (s *Service) Act(ctx context.Context, user store.User, cmd protocol.Command) (*protocol.Ack, error) {
	if user.TenantID == 0 || !user.Active {
		return nil, protocol.Errorf(protocol.CodeForbidden, "the user is not an active user of a tenant")
	}
	if !actable(cmd.Body) {
		return nil, protocol.Errorf(protocol.CodeUnsupported, "%s is not taken from outside a connection", cmd.Body.CommandType())
	}
	ch := s.chatFor(cmd.Chat)
	if ch != nil {
		ch.mu.Lock()
		_, member := ch.agents[user.ID]
		foreign := ch.rec.TenantID != user.TenantID
		ch.mu.Unlock()
		if foreign {
			ch = nil
		} else if _, send := cmd.Body.(*protocol.Send); send && !member && user.Bot {
			if _, err := s.Act(ctx, user, protocol.Command{ID: cmd.ID + "/join", Chat: cmd.Chat, Body: &protocol.ChatJoin{As: protocol.PartParticipant}}); err != nil {
				return nil, err
			}
		}
	}
	if ch == nil {
		if rec, err := s.st.Chat(ctx, cmd.Chat); err == nil && rec.TenantID == user.TenantID {
			return nil, errChatEnded
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		return nil, protocol.Errorf(protocol.CodeNotFound, "no open chat %q", cmd.Chat)
	}
	ss := &Session{s: s, c: headlessConn{}, role: protocol.RoleAgent, connected: true, user: user, headless: true}
	return s.runHeadless(ctx, ss, cmd, ss.agentCommand)
}

// actable says which commands [Service.Act] takes.
func actable(b protocol.CommandBody) bool {
	switch b.(type) {
	case *protocol.Send, *protocol.FileSend, *protocol.FileAsk, *protocol.Close, *protocol.ChatTransfer, *protocol.ChatJoin, *protocol.Typing, *protocol.FieldAsk,
		*protocol.ChatInvite, *protocol.InviteAccept, *protocol.InviteDecline:
		return true
	}
	return false
}

// headlessConn is the connection of a command run by [Service.Act]: it has nobody to send
// events to, since the command's answer is returned and its events reach the chat's others.
type headlessConn struct{}

func (headlessConn) TrySend([]byte) bool                    { return true }
func (headlessConn) SendWait(context.Context, []byte) error { return nil }
func (headlessConn) SendTransient(string, []byte)           {}
func (headlessConn) Close(protocol.CloseCode, string)       {}
func (headlessConn) Done() <-chan struct{}                  { return nil }
func (headlessConn) Send([]byte) bool                       { return true }
func (headlessConn) ID() string                             { return "headless" }
func (headlessConn) IP() string                             { return "" }
func (headlessConn) Origin() string                         { return "" }
func (headlessConn) Host() string                           { return "" }
func (headlessConn) UserAgent() string                      { return "" }
func (headlessConn) Cookie(string) string                   { return "" }
