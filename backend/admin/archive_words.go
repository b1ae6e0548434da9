package admin

import (
	"context"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/transcript"
)

// visitorLabel names a transcript's visitor for a title, in the request's language.
func visitorLabel(ctx context.Context, ts transcript.Transcript) string {
	if strings.TrimSpace(ts.Visitor.Name) != "" {
		return ts.Visitor.Name
	}
	if ts.Direct {
		return tr(ctx, "a colleague")
	}
	return tr(ctx, "a visitor")
}

// chatTime is a time in the tenant's zone, to the minute, as day and time of the request's
// language; a zero time is "".
func chatTime(ctx context.Context, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return printerOf(ctx).DateTime(t.In(loc))
}

// waitText is how long a chat waited for an agent, in the request's language ("—" when no
// agent took it).
func waitText(ctx context.Context, ch store.Chat) string {
	if ch.AcceptedAt == nil {
		return "—"
	}
	return durationText(ctx, ch.AcceptedAt.Sub(ch.CreatedAt))
}

// durationText is a short duration in words of the request's language: seconds below two
// minutes, then minutes, then hours and minutes.
func durationText(ctx context.Context, d time.Duration) string {
	s := int((d + time.Second/2) / time.Second)
	switch {
	case s < 120:
		return trn(ctx, "{0} second", "{0} seconds", s)
	case s < 2*3600:
		return trn(ctx, "{0} minute", "{0} minutes", s/60)
	}
	return tr(ctx, "{0} h {1} min", printerOf(ctx).Int(int64(s/3600)), printerOf(ctx).Int(int64(s%3600/60)))
}

// chatStates name the chat states the archive filters by.
var chatStates = map[string]string{
	"queued":  msgKey("Waiting"),
	"offered": msgKey("Offered"),
	"active":  msgKey("Active"),
	"closed":  msgKey("Closed"),
}

// stateLabel is a chat state in words of the request's language.
func stateLabel(ctx context.Context, s string) string {
	if l, ok := chatStates[s]; ok {
		return shown(ctx, l)
	}
	return s
}

// archiveErrors are the archive package's filter and search errors as the list page shows
// them (through sentence), named here so that every language has them.
var archiveErrors = []string{
	msgKey("That page link is not valid any more; start from the first page."),
	msgKey("Write a date as YYYY-MM-DD."),
	msgKey("The last day is before the first."),
	msgKey("Choose a connector from the list."),
	msgKey("Choose a group from the list."),
	msgKey("Choose an agent from the list."),
	msgKey("Choose a state from the list."),
	msgKey("Use at most 200 characters."),
	msgKey("Choose a rating from 1 to 10."),
	msgKey("The highest rating is below the lowest."),
	msgKey("Choose tags from the list."),
	msgKey("Choose an outcome from the list."),
	msgKey("Open the list from a contact's page."),
	msgKey("The outcome is picked when the chat is closed."),
	msgKey("The search is too long: use at most 500 characters."),
	msgKey("Type at least one word (letters or digits) to search for."),
	msgKey("The search has too many words: use at most 12."),
}
