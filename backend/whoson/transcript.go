package whoson

import (
	"context"
	"errors"
	"time"

	"github.com/parleychat/parley/backend/mail"
)

// transcriptCmd e-mails a chat's transcript: Chat Uid, Session ID, Domain, Visitor IP,
// Visitor Email. Any chat of the connection may be named, open or ended; the address is also
// recorded as the chat's visitor e-mail. Nothing answers success (the document names no
// event); an address that is not one, a chat that is not the connection's, a chat whose
// transcript was sent mail.MaxTranscriptsPerChat times and a failure to write the message
// are answered with an error event.
func (c *client) transcriptCmd(p []string) {
	uid, ok := c.namedChat(p)
	if !ok {
		return
	}
	if c.e.o.Transcripts == nil {
		c.sendError("The transcript command is not available on this server")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.e.o.Transcripts.Send(ctx, uid, param(p, 4))
	switch {
	case err == nil:
	case errors.Is(err, mail.ErrBadAddress):
		c.sendError("Invalid email address")
	case errors.Is(err, mail.ErrUnknownChat):
		c.sendError("Unknown chat")
	case errors.Is(err, mail.ErrTooMany):
		c.sendError("The transcript of this chat was sent too often")
	default:
		c.e.o.Logger.Error("whoson transcript", "chat", uid, "err", err)
		c.sendError("The transcript could not be sent; please try again")
	}
}
