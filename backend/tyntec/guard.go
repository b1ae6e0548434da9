package tyntec

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// GuardStore is what the 24-hour rule reads.
type GuardStore interface {
	WhatsAppChat(ctx context.Context, chatID string) (store.WhatsAppChat, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
}

// Guard returns the chat service's check of agents' lines (chat.Config.AgentLineCheck) for
// WhatsApp chats: inside the 24-hour window everything goes; outside it only a line naming one
// of the connector's templates ("/template name parameter | parameter"), refused otherwise
// with protocol.CodeWindowClosed, which the agent app explains in the agent's language. A line
// asking for a template that the connector does not have is refused at any time.
func Guard(st GuardStore, now func() time.Time) func(ctx context.Context, chatID, text string, file bool) error {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, chatID, text string, file bool) error {
		wa, err := st.WhatsAppChat(ctx, chatID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // not a WhatsApp chat
		}
		if err != nil {
			return protocol.Errorf(protocol.CodeInternal, "the chat's channel could not be read; try again")
		}
		template := false
		if !file {
			conn, err := st.Connector(ctx, wa.ConnectorID)
			if err != nil {
				return protocol.Errorf(protocol.CodeInternal, "the chat's connector could not be read; try again")
			}
			templates, _ := ParseTemplates(conn.WhatsAppTemplates)
			_, ok, terr := TemplateLine(text, templates)
			if terr != nil {
				names := make([]string, len(templates))
				for i, t := range templates {
					names[i] = t.Name
				}
				if len(names) == 0 {
					return protocol.Errorf(protocol.CodeInvalid, "%v; the connector has no approved templates", terr)
				}
				return protocol.Errorf(protocol.CodeInvalid, "%v; the connector has: %s", terr, strings.Join(names, ", "))
			}
			template = ok
		}
		if template || WindowOpen(wa.LastInbound, now()) {
			return nil
		}
		return protocol.Errorf(protocol.CodeWindowClosed,
			"the customer last wrote on WhatsApp more than 24 hours ago, so free text cannot reach them; send an approved template: /template name parameter | parameter")
	}
}
