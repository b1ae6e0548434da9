package api

import "time"

// The agent app's history: an agent's own chats (and, for supervisors, their groups'),
// newest first, searchable, each with its transcript.
const (
	// ArchivePath lists chats (GET, query: q, from, to, state, visitor, rating_min,
	// rating_max, tag, outcome, contact, after) as an [Archive].
	ArchivePath = "/api/archive"
	// ArchiveChatPath + chat id answers one chat's transcript as an [ArchiveTranscript];
	// ArchiveChatPath + chat id + [ArchiveLabelsSuffix] changes its tags and outcome (POST, a
	// form: tag repeated, outcome; no outcome field leaves the outcome as it is), answering
	// 204.
	ArchiveChatPath = "/api/archive/"
	// ArchiveLabelsSuffix: see [ArchiveChatPath].
	ArchiveLabelsSuffix = "/labels"
)

// Archive is one page of the history: chats when no search was given, otherwise the
// messages that matched. Next is the "after" value of the following page ("" on the last).
type Archive struct {
	Chats []ArchiveChat `json:"chats"`
	Hits  []ArchiveHit  `json:"hits"`
	Next  string        `json:"next,omitempty"`
}

// ArchiveChat is a chat as the history lists it.
type ArchiveChat struct {
	ID        string    `json:"id"`
	Visitor   string    `json:"visitor"`
	Email     string    `json:"email,omitempty"`
	Connector string    `json:"connector,omitempty"`
	Agent     string    `json:"agent,omitempty"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ClosedAt  time.Time `json:"closed_at,omitempty"`
}

// ArchiveHit is a message that matched a search. Snippet is HTML: the message's text around
// the match, escaped, with the matching words in <mark>; nothing else in it is markup.
type ArchiveHit struct {
	Chat     ArchiveChat `json:"chat"`
	Name     string      `json:"name,omitempty"`
	At       time.Time   `json:"at"`
	Internal bool        `json:"internal,omitempty"`
	Snippet  string      `json:"snippet"`
}

// ArchiveTranscript is everything that happened in one chat, in order.
type ArchiveTranscript struct {
	Chat  ArchiveChat   `json:"chat"`
	Lines []ArchiveLine `json:"lines"`
	// Tags are the ids of the chat's tags and Outcome its outcome (0 none), from the lists of
	// the agent's start event; MayRelabel says whether the user may change them.
	Tags       []int64 `json:"tags,omitempty"`
	Outcome    int64   `json:"outcome,omitempty"`
	MayRelabel bool    `json:"may_relabel,omitempty"`
	// ConnectorID is the chat's connector and Fields the visitor's stored answers by field
	// name, which the app shows with the connector's survey fields of its start event in the
	// agent's language (protocol.AgentReady.Surveys).
	ConnectorID int64             `json:"connector_id,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

// ArchiveLine is one line of a transcript. System marks Parley's own lines (joins, state
// changes, survey answers); Internal lines were seen by agents only.
type ArchiveLine struct {
	Sender   string    `json:"sender"`
	Role     string    `json:"role"`
	At       time.Time `json:"at"`
	Text     string    `json:"text,omitempty"`
	File     string    `json:"file,omitempty"`
	System   bool      `json:"system,omitempty"`
	Internal bool      `json:"internal,omitempty"`
	// Translation is the line in TranslationLang when the chat translated it; Text is what its
	// sender wrote, in Lang.
	Lang            string `json:"lang,omitempty"`
	Translation     string `json:"translation,omitempty"`
	TranslationLang string `json:"translation_lang,omitempty"`
}
