package archive

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Names turns the ids a chat holds into the names an export shows; a missing id shows as
// its number.
type Names struct {
	Connectors map[int64]string
	Agents     map[int64]string
	// Outcomes and Tags name the tenant's outcomes and tags.
	Outcomes map[int64]string
	Tags     map[int64]string
	// RatingFields are the names of each connector's post-chat rating fields: a chat's rating
	// is its answer to the first of them it answered.
	RatingFields map[int64][]string
	// ChatTags reads the ids of the tags of a page of chats at once, by chat id (the store's
	// TagsOfChats is one); nil exports no tags.
	ChatTags func(chatIDs []string) (map[string][]int64, error)
}

// tagsOf reads the tags of a page of chats for its export rows: one read per page, not per
// chat.
func (n Names) tagsOf(page []store.Chat) (map[string][]int64, error) {
	if n.ChatTags == nil || len(page) == 0 {
		return nil, nil
	}
	ids := make([]string, len(page))
	for i, c := range page {
		ids[i] = c.ID
	}
	return n.ChatTags(ids)
}

// Row is one chat as an export writes it: the same fields, in the same order, for CSV and
// JSON, with times in UTC (RFC 3339) and durations in whole seconds (-1: did not happen).
type Row struct {
	ID                string `json:"id"`
	Started           string `json:"started"`
	Ended             string `json:"ended"`
	State             string `json:"state"`
	Connector         string `json:"connector"`
	Agent             string `json:"agent"`
	VisitorName       string `json:"visitor_name"`
	VisitorEmail      string `json:"visitor_email"`
	Lang              string `json:"lang"`
	WaitSeconds       int64  `json:"wait_seconds"`
	FirstReplySeconds int64  `json:"first_reply_seconds"`
	CloseCause        string `json:"close_cause"`
	Outcome           string `json:"outcome"`
	// Tags are the names of the chat's tags, in the order of their ids; the CSV joins them
	// with "; ".
	Tags []string `json:"tags"`
	// Rating is the visitor's answer to the post-chat rating, "" when there is none.
	Rating string `json:"rating"`
}

// csvHeader names Row's columns in the CSV.
var csvHeader = []string{"id", "started", "ended", "state", "connector", "agent", "visitor_name",
	"visitor_email", "lang", "wait_seconds", "first_reply_seconds", "close_cause", "outcome", "tags", "rating"}

// RowOf is chat c, with the tags of tagIDs, as an export row.
func RowOf(c store.Chat, tagIDs []int64, n Names) Row {
	r := Row{ID: c.ID, Started: stamp(c.CreatedAt), State: c.State, VisitorName: c.VisitorName,
		VisitorEmail: c.VisitorEmail, Lang: c.Lang, CloseCause: c.CloseCause, WaitSeconds: -1, FirstReplySeconds: -1}
	if c.ClosedAt != nil {
		r.Ended = stamp(*c.ClosedAt)
	}
	r.Connector = name(n.Connectors, c.ConnectorID)
	if c.AgentID != 0 {
		r.Agent = name(n.Agents, c.AgentID)
	}
	if c.AcceptedAt != nil {
		r.WaitSeconds = int64(c.AcceptedAt.Sub(c.CreatedAt) / time.Second)
	}
	if c.FirstReplyAt != nil {
		r.FirstReplySeconds = int64(c.FirstReplyAt.Sub(c.CreatedAt) / time.Second)
	}
	if c.OutcomeID != 0 {
		r.Outcome = name(n.Outcomes, c.OutcomeID)
	}
	r.Tags = make([]string, len(tagIDs))
	for i, id := range tagIDs {
		r.Tags[i] = name(n.Tags, id)
	}
	for _, f := range n.RatingFields[c.ConnectorID] {
		if v := c.Fields[f]; v != "" {
			r.Rating = v
			break
		}
	}
	return r
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func name(m map[int64]string, id int64) string {
	if s, ok := m[id]; ok {
		return s
	}
	return strconv.FormatInt(id, 10)
}

// Each hands every chat of a list to fn in order, a page at a time, and stops at fn's first
// error; the store's EachArchivePage is one.
type Each func(fn func(page []store.Chat) error) error

// eachRow hands every chat each yields to fn with its tags, read a page at a time.
func eachRow(each Each, n Names, fn func(c store.Chat, tags []int64) error) error {
	return each(func(page []store.Chat) error {
		tags, err := n.tagsOf(page)
		if err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c, tags[c.ID]); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteCSV streams the chats each yields to w as CSV with a header line, one chat at a time.
// Cells that a spreadsheet would run as a formula (starting with =, +, - or @) are prefixed
// with an apostrophe.
func WriteCSV(w io.Writer, each Each, n Names) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	err := eachRow(each, n, func(c store.Chat, tags []int64) error {
		r := RowOf(c, tags, n)
		rec := []string{r.ID, r.Started, r.Ended, r.State, r.Connector, r.Agent, r.VisitorName,
			r.VisitorEmail, r.Lang, strconv.FormatInt(r.WaitSeconds, 10), strconv.FormatInt(r.FirstReplySeconds, 10), r.CloseCause,
			r.Outcome, strings.Join(r.Tags, "; "), r.Rating}
		for i, s := range rec {
			rec[i] = defuse(s)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// defuse keeps a spreadsheet from reading a cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// WriteJSON streams the chats each yields to w as one JSON array of [Row]s, one chat at a
// time.
func WriteJSON(w io.Writer, each Each, n Names) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	first := true
	enc := json.NewEncoder(w)
	err := eachRow(each, n, func(c store.Chat, tags []int64) error {
		if !first {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		first = false
		return enc.Encode(RowOf(c, tags, n))
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]\n")
	return err
}
