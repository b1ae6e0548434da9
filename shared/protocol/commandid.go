package protocol

import (
	"strconv"
	"strings"
	"time"
)

// timeIDWidth is the width of TimeID's time: nine base-36 digits of milliseconds since 1970
// last until the year 5188, so the ids of one client and of many sort by the time they were
// made.
const timeIDWidth = 9

// TimeID is the start of a command id that grows with time: t's milliseconds since 1970 in
// base 36, nine digits wide. A client whose lines' command ids start with it (and go on with
// something of its own that makes them unique) keeps the server's index of lines by command id
// compact: each batch of lines from many chats lands on a few pages at the index's end,
// instead of a page for each chat. Ids stay opaque to the server; any id is accepted.
func TimeID(t time.Time) string {
	s := strconv.FormatInt(max(t.UnixMilli(), 0), 36)
	if len(s) < timeIDWidth {
		s = strings.Repeat("0", timeIDWidth-len(s)) + s
	}
	return s
}
