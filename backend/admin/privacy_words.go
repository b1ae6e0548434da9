package admin

import (
	"context"

	"github.com/parleychat/parley/backend/contact"
)

// privacyEraseQuestion asks whether to erase what is stored under an identity, as one
// sentence per kind because languages inflect the kinds' names differently.
func privacyEraseQuestion(ctx context.Context, kind, value string) string {
	switch contact.Kind(kind) {
	case contact.KindVisitor:
		return tr(ctx, "Erase the data of visitor id “{0}”?", value)
	case contact.KindCustomer:
		return tr(ctx, "Erase the data of customer id “{0}”?", value)
	}
	return tr(ctx, "Erase the data of e-mail address “{0}”?", value)
}

// privacyNothing says that nothing is stored under an identity of a kind.
func privacyNothing(ctx context.Context, kind contact.Kind) string {
	switch kind {
	case contact.KindVisitor:
		return tr(ctx, "Nothing is stored under this visitor id: no chats or left messages were found.")
	case contact.KindCustomer:
		return tr(ctx, "Nothing is stored under this customer id: no chats or left messages were found.")
	}
	return tr(ctx, "Nothing is stored under this e-mail address: no chats or left messages were found.")
}
