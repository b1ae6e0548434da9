package store

import (
	"encoding/json"
	"time"
)

// Tenant is one customer organisation; every configuration entity and chat
// belongs to exactly one. TimeZone is used only for opening hours and
// display: all stored times are UTC.
type Tenant struct {
	ID          int64
	Name        string
	TimeZone    string // IANA name; "UTC" when empty on create
	DefaultLang string // "en" when empty on create
	CreatedAt   time.Time
}

// The distribution strategies an ACD group may use.
const (
	StrategyLongestIdle = "longest_idle" // the agent idle longest gets the chat (default)
	StrategyLeastBusy   = "least_busy"   // the agent with the fewest chats gets it
	StrategyRoundRobin  = "round_robin"  // agents take turns
)

// ACDGroup is a set of agents among which a connector's chats are
// distributed (jtel "ACD group").
type ACDGroup struct {
	ID       int64
	TenantID int64
	Name     string
	Strategy string // one of the Strategy constants; StrategyLongestIdle when empty
}

// SkillRequirement is one of a connector's three skill rules (jtel "Skill n",
// "Minimum Skill n", "Ignore skill n after timeout"). An empty Skill means
// the slot is unused.
type SkillRequirement struct {
	Skill       string
	Min         int
	IgnoreAfter time.Duration // 0: never ignored
}

// Connector is an entry point for chats: one website widget (or WhatsApp
// number) with its distribution settings and texts, after jtel's Chat
// Connector. Widgets find it by its public Hash.
type Connector struct {
	ID       int64
	TenantID int64
	// Hash is the connector's public id, embedded in the widget snippet. It is
	// assigned by CreateConnector and never changes.
	Hash  string
	Name  string
	Title string

	GroupID     int64 // ACD group; 0 = none
	MaxChatsAll int   // simultaneous chats over all agents; 0 = unlimited
	Priority    int   // higher is served first when connectors share a group

	ConnectWait     time.Duration // time for an agent to open an offered chat (default 30s)
	AnswerTime      time.Duration // time for an agent's first reply (default 120s)
	FreeAgentSearch time.Duration // time to find any agent before giving up (default 300s)

	Skills                    [3]SkillRequirement
	IgnoreSkillsAfter         time.Duration // 0: never
	IgnoreSkillsIfNoneSkilled bool

	// AllowedOrigins lists the web origins whose pages may open visitor
	// sockets for this connector. Empty allows any origin.
	AllowedOrigins []string
	// Texts are the connector's message resources in jtel form: "bye" is the
	// default text, "bye#de" its German variant; "$agent" is replaced by the
	// agent's nickname.
	Texts        map[string]string
	OutOfService bool
	// OpeningHours and Toolbox are JSON documents owned by the code that
	// interprets them (opening-hours rules, widget options); the store keeps
	// them verbatim.
	OpeningHours json.RawMessage
	Toolbox      json.RawMessage
	// ReconnectWindow is how long a disconnected visitor's chat waits for
	// the visitor to come back (default 60s).
	ReconnectWindow time.Duration
	// Waiting1 and Waiting2 are how long after the request the two waiting messages go to a
	// visitor still without an agent, WaitingFinal the final one (WhosOn linewaiting1,
	// linewaiting2, final); 0 = never.
	Waiting1, Waiting2, WaitingFinal time.Duration

	WhatsAppEnabled bool
	WhatsAppAPIKey  string // TynTec API key
	WhatsAppNumber  string // E.164
	// WhatsAppSecret authenticates TynTec's webhook calls: it is part of the URL TynTec is
	// given (package tyntec). The store makes one when WhatsApp is switched on without one.
	WhatsAppSecret string
	// WhatsAppTemplates lists the approved templates agents may send when the 24-hour window
	// is closed, one a line: "name language" (package tyntec parses them).
	WhatsAppTemplates string

	// VisitorPresence lets the loader report the visitors on the site, whom agents then see and
	// invite into a chat (proactive chats). Off by default: it opens a socket per page view.
	VisitorPresence bool

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Connector defaults applied by CreateConnector to zero durations.
const (
	DefaultConnectWait     = 30 * time.Second
	DefaultAnswerTime      = 120 * time.Second
	DefaultFreeAgentSearch = 300 * time.Second
	DefaultReconnectWindow = 60 * time.Second
)

// The roles of a user, from most to least powerful.
const (
	RoleSuperAdmin = "superadmin" // all tenants; TenantID 0
	RoleAdmin      = "admin"      // configures one tenant
	RoleSupervisor = "supervisor" // watches and steers one tenant's agents
	RoleAgent      = "agent"      // handles chats
)

// User is a person who logs in: an agent, supervisor or administrator.
type User struct {
	ID       int64
	TenantID int64  // 0 only for super-admins
	Login    string // unique, stored lower-cased
	Name     string
	Nickname string // shown to visitors ("$agent")
	Email    string
	Role     string // one of the Role constants
	// PasswordHash is a backend/password hash. UpdateUser keeps the stored
	// hash when this is empty.
	PasswordHash string
	MaxChats     int // simultaneous chats; 0 = none
	// MissedLimit is how many offers in a row the agent may let lapse before their status is
	// set to MissedStatusID (jtel auto-logoff "maximum missed - total"); 0 = never.
	MissedLimit    int
	MissedStatusID int64
	Lang           string
	Active         bool
	// StatusID is the agent's current AgentStatus (0 = none). It is changed
	// only by SetUserStatus, never by UpdateUser, so that an admin editing a
	// user does not overwrite a status the agent just set.
	StatusID int64
	Groups   []int64        // ACD group ids, ascending
	Skills   map[string]int // skill name -> level
	// Department narrows routing: a chat asking for a department goes to agents of it and
	// to agents of none (WhosOn Hello). Phone is shown to visitors with it (WhosOn
	// operators, operatorjoined).
	Department string
	Phone      string
	// Bot marks a user whose chats a bot answers through the agent API (WhosOn IsBot).
	Bot       bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AgentStatus is a presence state an agent can be in (jtel agent status);
// AllowsChat says whether chats are distributed to agents in it.
type AgentStatus struct {
	ID              int64
	TenantID        int64
	Name            string
	Short           string
	FontColor       string
	BackgroundColor string
	AllowsChat      bool
	AgentSettable   bool
	Sort            int
}

// Session is a logged-in user's session as stored: only the SHA-256 of the
// token, never the token itself.
type Session struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Chat is one conversation between a visitor and the contact center, the
// row the chat service rebuilds its state from. It is written through the
// group commit (Write.Chat) as a whole-row upsert.
type Chat struct {
	ID          string // NewChatID
	TenantID    int64
	ConnectorID int64
	State       string // "queued", "offered", "active" or "closed"

	VisitorName  string
	VisitorEmail string
	VisitorPhone string
	CustomerID   string
	// VisitorID is the id the widget keeps in the visitor's browser, so that a returning
	// visitor's earlier chats are found without an e-mail address.
	VisitorID        string
	Lang             string
	VisitorTokenHash string // token.Hash of the visitor's resume token

	PData  map[string]string // page data from the embed snippet (jtel pdata)
	UData  map[string]string // user data from the embed snippet (jtel udata)
	Fields map[string]string // survey fields

	Page      string
	Referrer  string
	UserAgent string
	IP        string

	AgentID int64 // current agent; 0 none
	// LastSeq is the highest event sequence number of the chat, and
	// LastVisitorSeq the highest of the events the visitor may see. The store
	// assigns both in the transaction that writes the events and ignores what
	// a writer puts here, so a chat's sequences never have holes.
	LastSeq        uint64
	LastVisitorSeq uint64

	CreatedAt    time.Time
	AcceptedAt   *time.Time
	FirstReplyAt *time.Time
	ClosedAt     *time.Time
	CloseCause   string

	// Kind is ChatDirect for a chat between two agents, empty for a visitor's chat. A direct
	// chat has no visitor and no connector (ConnectorID 0) and no owner (AgentID 0): both
	// agents are participants, PeerID is the one it was addressed to, and it counts toward
	// nobody's visitor capacity.
	Kind   string
	PeerID int64
	// TargetDepartment and TargetAgentID narrow who may take the chat, as the visitor asked
	// (WhosOn Hello's Department and Operator Name): kept so that routing rebuilt after a
	// restart honours them. Empty and 0 narrow nothing.
	TargetDepartment string
	TargetAgentID    int64
	// OutcomeID is the outcome the agent picked from the tenant's list when closing (0 none),
	// a report dimension.
	OutcomeID int64
	// OfferedAt is when routing first offered the chat to an agent and MissedOffers how many
	// offers ran out untaken: reports count a chat offered but never answered as missed.
	OfferedAt    *time.Time
	MissedOffers int
	// TranslateLang is the visitor's language for translation (package chat): lines are
	// translated between it and the agent's language while the tenant has a translation
	// service. "" for a chat that never translates (one whose adapter translates by itself,
	// or one from before). TranslateOff says an agent turned the chat's translation off.
	TranslateLang string
	TranslateOff  bool
}

// ChatDirect is the Kind of a chat between two agents.
const ChatDirect = "direct"

// The participant roles of a chat: the visitor; the agent who owns the chat;
// further agents who write to the visitor; observers the visitor does not
// see; supervisors watching (and able to take over).
const (
	ParticipantVisitor    = "visitor"
	ParticipantOwner      = "owner"
	ParticipantAgent      = "participant"
	ParticipantObserver   = "observer"
	ParticipantSupervisor = "supervisor"
)

// Participant records who took part in a chat and when, for transcripts,
// reports and "who handled this" history.
type Participant struct {
	ID       int64 // assigned on first write
	ChatID   string
	Role     string // one of the Participant constants
	UserID   int64  // 0 for the visitor
	Name     string
	JoinedAt time.Time
	LeftAt   *time.Time
}

// Message is a chat line, kept in its own table so transcripts and history
// are cheap to read without decoding events. It shares its Seq with the
// Event that announced it.
type Message struct {
	ChatID string
	Seq    uint64
	Role   string // "visitor", "agent" or "system"
	UserID int64
	Name   string
	Text   string
	// ClientID is the id the sender chose for its command; a retried send
	// with the same id is detected with MessageByClientID (and refused by the
	// database) rather than stored twice.
	ClientID string
	// Internal marks an agents-only line (a whisper, an internal note): never
	// the visitor's, never in the visitor's transcript.
	Internal bool
	At       time.Time
	// Lang is the language Text was written in when the line was translated (or its
	// translation was tried); Translation is Text in TranslationLang, "" when the line went
	// untranslated. Both are kept so that transcripts, the archive and exports show what
	// each side read, and a search in either language finds the line.
	Lang            string
	Translation     string
	TranslationLang string
}

// Event is one durable chat event, the replay log a reconnecting client
// reads with EventsAfter. (ChatID, Seq) is unique.
//
// Sequence numbers are assigned by the store in the transaction that writes
// the event (see [Write]): Seq counts every event of the chat (what agents
// see), VisitorSeq only those the visitor may see, so each audience gets a
// sequence without holes. Whatever a writer puts in them is ignored.
type Event struct {
	ChatID string
	Seq    uint64
	// VisitorSeq is the event's number among the visitor's events; 0 for an
	// agents-only event.
	VisitorSeq uint64
	// AgentsOnly keeps the event from the visitor (whispers, notes, observers
	// joining). It is true on read exactly when VisitorSeq is 0.
	AgentsOnly bool
	Type       string
	Data       json.RawMessage
	At         time.Time
}
