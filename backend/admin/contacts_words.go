package admin

import (
	"context"
	"strings"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/store"
)

// identityKindNames name the identity kinds for people.
var identityKindNames = map[contact.Kind]string{
	contact.KindUser:        msgKey("User id"),
	contact.KindClaimedUser: msgKey("User id (unverified)"),
	contact.KindEmail:       msgKey("E-mail"),
	contact.KindCustomer:    msgKey("Customer id"),
	contact.KindPhone:       msgKey("Phone"),
	contact.KindVisitor:     msgKey("Browser (visitor id)"),
}

// kindLabel names an identity kind in the request's language.
func kindLabel(ctx context.Context, k contact.Kind) string {
	if l, ok := identityKindNames[k]; ok {
		return shown(ctx, l)
	}
	return string(k)
}

// contactName is how a contact is named in lists: its name, else its e-mail address, else
// "Visitor 42" in the request's language.
func contactName(ctx context.Context, k store.Contact) string {
	if k.Name != "" {
		return k.Name
	}
	if k.Email != "" {
		return k.Email
	}
	return tr(ctx, "Visitor {0}", i64(k.ID))
}

// mergeLine says in one sentence of the request's language what a merge did: which
// contact, by whom or why, and the identities it brought.
func mergeLine(ctx context.Context, m store.ContactMerge, users map[int64]string) string {
	merged := tr(ctx, "contact no. {0}", i64(m.MergedID))
	if m.MergedName != "" {
		merged += " (" + m.MergedName + ")"
	}
	var line string
	switch n := users[m.ByUserID]; {
	case m.ByUserID == 0:
		line = tr(ctx, "{0} was merged automatically: {1}", merged, m.Reason)
	case n != "":
		line = tr(ctx, "{0} was merged by {1}", merged, n)
	default:
		line = tr(ctx, "{0} was merged by user {1}", merged, i64(m.ByUserID))
	}
	if len(m.Identities) > 0 {
		ids := make([]string, len(m.Identities))
		for i, id := range m.Identities {
			ids[i] = kindLabel(ctx, id.Kind) + " " + id.Value
		}
		line = tr(ctx, "{0}, bringing {1}", line, strings.Join(ids, ", "))
	}
	return line + "."
}
