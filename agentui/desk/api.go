package desk

import (
	"strings"

	"github.com/parleychat/parley/shared/api"
)

// The shapes of the HTTP API the app uses besides the WebSocket live in shared/api, which the
// server's handlers use too; these names keep the app's code short.
type (
	LoginRequest    = api.LoginRequest
	LoginResponse   = api.LoginResponse
	APIError        = api.ErrorBody
	Canned          = api.Canned
	Previous        = api.Previous
	PreviousChat    = api.PreviousChat
	PreviousMessage = api.PreviousMessage
)

// PreviousLimit is how many messages of earlier chats the app shows (OneContact's history).
const PreviousLimit = api.PreviousLimit

// Trim keeps the newest PreviousLimit messages over all chats, in case a server sends more.
func Trim(p Previous) Previous {
	left := PreviousLimit
	out := Previous{Contact: p.Contact}
	for _, c := range p.Chats { // newest chat first
		if left <= 0 {
			break
		}
		if len(c.Messages) > left {
			c.Messages = c.Messages[len(c.Messages)-left:]
		}
		left -= len(c.Messages)
		out.Chats = append(out.Chats, c)
	}
	return out
}

// SearchCanned returns the canned responses whose title, folder or text contain every word
// of query, ignoring case; an empty query returns them all. Order is kept.
func SearchCanned(all []Canned, query string) []Canned {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return all
	}
	var out []Canned
	for _, c := range all {
		hay := strings.ToLower(c.Folder + " " + c.Title + " " + c.Text)
		match := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				match = false
				break
			}
		}
		if match {
			out = append(out, c)
		}
	}
	return out
}
