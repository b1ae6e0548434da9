package admin

import (
	"context"

	"github.com/parleychat/parley/backend/privacy"
)

// privacyEraseQuestion asks whether to erase what is stored under an identity, as one
// sentence per kind because languages inflect the kinds' names differently.
func privacyEraseQuestion(ctx context.Context, kind, value string) string {
	switch kind {
	case privacy.KindVisitorID:
		return tr(ctx, "Erase the data of visitor id “{0}”?", value)
	case privacy.KindCustomerID:
		return tr(ctx, "Erase the data of customer id “{0}”?", value)
	}
	return tr(ctx, "Erase the data of e-mail address “{0}”?", value)
}

// privacyNothing says that nothing is stored under an identity of a kind.
func privacyNothing(ctx context.Context, kind string) string {
	switch kind {
	case privacy.KindVisitorID:
		return tr(ctx, "Nothing is stored under this visitor id: no chats or left messages were found.")
	case privacy.KindCustomerID:
		return tr(ctx, "Nothing is stored under this customer id: no chats or left messages were found.")
	}
	return tr(ctx, "Nothing is stored under this e-mail address: no chats or left messages were found.")
}
