package protocol

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The canonical examples: one value per command and per event type. They feed the round-trip
// tests, the fuzz seed corpus and the reference in README.md, so the documentation shows frames
// that the tests have proven to decode.

// exampleTime is the instant every example happens at, in UTC as the server sends it.
var exampleTime = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// commandExamples holds one command of every type in [commandTypes], in the README's order.
var commandExamples = []Command{
	// Shared by visitors and agents.
	{ID: "c1", Body: &Ping{}},
	{ID: "c7", Chat: "ch_8ZqM2x", Body: &Resume{Token: "vt_Wm3kQ9rX2pLd", After: 41}},
	{ID: "c8", Chat: "ch_8ZqM2x", Body: &Send{Text: "Could you please help me with the installation?"}},
	{ID: "c9", Chat: "ch_8ZqM2x", Body: &Typing{On: true}},
	{ID: "c10", Chat: "ch_8ZqM2x", Body: &Close{}},
	{ID: "c11", Chat: "ch_8ZqM2x", Body: &FileSend{Name: "invoice-2025-031.pdf", URL: "https://chat.example.com/files/4c1e0f/invoice-2025-031.pdf", Size: 48213, ContentType: "application/pdf"}},
	// Visitors only.
	{ID: "c2", Body: &VisitorConnect{
		Connector: "ZkGgUcDkLPEY", Lang: "fr-BE", Page: "https://www.example.com/pricing", Referrer: "https://www.google.com/",
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", VisitorID: "287-3882882", TZOffset: 60,
	}},
	{ID: "c3", Body: &ChatRequest{
		Name: "Thomas Martin", Email: "thomas@example.com", Phone: "+32 2 555 01 23", CustomerID: "100",
		Department: "Sales", Lang: "fr-BE", Question: "Does the Pro plan include phone support?",
		PData:  map[string]string{"name": "Thomas Martin", "email": "thomas@example.com", "userdata": "123456"},
		UData:  map[string]string{"cart": "3 items", "plan": "pro"},
		Fields: map[string]string{"Company": "Acme SA"},
	}},
	{ID: "c12", Chat: "ch_8ZqM2x", Body: &Preview{Text: "I would li"}},
	{ID: "c13", Chat: "ch_8ZqM2x", Body: &FieldSubmit{Name: "OrderNumber", Value: "12345"}},
	{ID: "c14", Chat: "ch_8ZqM2x", Body: &SurveySubmit{Fields: map[string]string{"Rating": "5", "Mailing": "Y"}}},
	{ID: "c15", Chat: "ch_8ZqM2x", Body: &TranscriptRequest{Email: "thomas@example.com"}},
	{ID: "c16", Chat: "ch_8ZqM2x", Body: &LeaveMessage{Name: "Thomas Martin", Department: "Sales", Email: "thomas@example.com", Phone: "+32 2 555 01 23", Text: "Please call back as soon as possible."}},
	{ID: "c4", Body: &QueueInfoGet{}},
	{ID: "c17", Chat: "ch_8ZqM2x", Body: &ChatInfoGet{}},
	{ID: "c5", Body: &OperatorsGet{}},
	// Agents only.
	{ID: "a1", Body: &AgentConnect{Token: "st_2b7f0c9e4d1a8b3c6e5f"}},
	{ID: "a2", Body: &StatusSet{Status: 79}},
	{ID: "a3", Chat: "ch_8ZqM2x", Body: &OfferAccept{}},
	{ID: "a4", Chat: "ch_Rt5vN1", Body: &OfferDecline{}},
	{ID: "a10", Chat: "ch_8ZqM2x", Body: &ChatJoin{As: PartObserver}},
	{ID: "a11", Chat: "ch_8ZqM2x", Body: &ChatLeave{}},
	{ID: "a13", Chat: "ch_8ZqM2x", Body: &ChatInvite{UserID: 4, As: PartParticipant}},
	{ID: "a14", Chat: "ch_8ZqM2x", Body: &InviteAccept{}},
	{ID: "a15", Chat: "ch_8ZqM2x", Body: &InviteDecline{}},
	{ID: "a16", Body: &SuperviseWatch{}},
	{ID: "a17", Chat: "ch_8ZqM2x", Body: &ChatTakeover{Owner: 17}},
	{ID: "a31", Chat: "ch_8ZqM2x", Body: &ChatTags{Tags: []int64{3, 7}}},
	{ID: "a32", Chat: "ch_8ZqM2x", Body: &TranslateSet{On: false}},
	{ID: "a18", Chat: "ch_8ZqM2x", Body: &ChatTransfer{UserID: 4, Note: "Wants a refund; order 12345 is already paid."}},
	{ID: "a19", Chat: "ch_8ZqM2x", Body: &TransferCancel{}},
	{ID: "a20", Chat: "ch_Rt5vN1", Body: &FileAsk{Types: []string{"pdf", "doc"}}},
	{ID: "a9", Chat: "ch_Rt5vN1", Body: &FieldAsk{Field: SurveyField{Name: "OrderNumber", Type: "text", Enabled: true, Prompt: "Please enter the order number:", Length: 10, ChangeCase: 1, ValidateLow: -1, ValidateHigh: -1}}},
}

// eventExample is an event together with the connections it goes to.
type eventExample struct {
	To    string // "visitor", "agent" or "visitor and agent"
	Event Event
}

var (
	exampleSurveyField = SurveyField{
		Name: "OrderNumber", Type: "text", Enabled: true, Prompt: "Please enter the order number:",
		Length: 10, ChangeCase: 1, ValidateLow: 0, ValidateHigh: 0, Required: true, HTML5Type: "text",
	}
	exampleVisitor = VisitorInfo{
		Name: "Thomas Martin", Email: "thomas@example.com", Lang: "fr-BE", Page: "https://www.example.com/pricing",
		PData: map[string]string{"userdata": "123456"}, Fields: map[string]string{"Company": "Acme SA"},
	}
	exampleOffer = Offer{
		Chat: "ch_Rt5vN1", ConnectorID: 3, Connector: "Website FR", Visitor: "Thomas Martin",
		Question: "Does the Pro plan include phone support?", Lang: "fr-BE", Expires: exampleTime.Add(30 * time.Second),
	}
)

// eventExamples holds one event of every type in [eventTypes], in the README's order.
var eventExamples = []eventExample{
	{"visitor and agent", Event{ID: "c8", Body: &Ack{Seq: 42}}},
	{"visitor and agent", Event{ID: "c18", Body: &Error{Code: CodeTooLarge, Field: "text", Message: "text has 4001 characters, at most 4000 are allowed"}}},
	{"visitor and agent", Event{Body: &Disconnect{Code: CloseShutdown, Reason: "server restart", Reconnect: true}}},
	{"visitor", Event{Body: &Connected{
		Session: "s_6f2d0b", Name: "Website FR", Title: "Chattez avec nous", Lang: "fr", Open: true,
		Texts:      map[string]string{"welcomeMessage": "Bienvenue !", "agentTyping": "L'agent $agent écrit..."},
		MaxMessage: 4000, Preview: true, EstimatedWait: 45,
		PreChat: []SurveyField{{Name: "Company", Type: "company", Enabled: true, Prompt: "Votre société :", Length: 200, ChangeCase: 2, ValidateLow: -1, ValidateHigh: -1, HTML5Type: "text"}},
		PostChat: []SurveyField{{Name: "Rating", Type: "rating", Enabled: true, Prompt: "Votre note :", ValidateLow: 1, ValidateHigh: 5, HTML5Type: "range"},
			{Name: "FindMethod", Type: "select", Enabled: true, Prompt: "Comment nous avez-vous trouvés ?", SelectType: "radio", ValidateLow: -1, ValidateHigh: -1, Options: []string{"Google", "LinkedIn", "Friend"}, Labels: []string{"Google", "LinkedIn", "Un ami"}}},
		AllowedFileTypes: []string{"pdf", "jpg", "png"}, RestrictedFileTypes: []string{"exe", "bat"}, MaxAttachmentKB: 5120, LeaveMessage: true,
		TranslateLanguages: []string{"de", "en", "fr"},
		Widget:             json.RawMessage(`{"position":"bottom-right"}`),
	}}},
	{"visitor", Event{Chat: "ch_8ZqM2x", Body: &Queue{Position: 2, Of: 5, EstimatedWait: 90}}},
	{"visitor", Event{Body: &QueueInfo{Open: true, Waiting: 4, EstimatedWait: 90}}},
	{"visitor", Event{Chat: "ch_8ZqM2x", Body: &ChatInfo{State: StateQueued, Position: 2, EstimatedWait: 90}}},
	{"visitor", Event{Body: &Operators{Operators: []Operator{
		{Name: "Anna Weber", Status: "online", Lang: "de", Skills: []string{"Sales", "Billing"}},
		{Name: "Luc Dubois", Status: "busy", Lang: "fr"},
	}}}},
	{"visitor", Event{Chat: "ch_8ZqM2x", Body: &FieldRequest{Field: exampleSurveyField}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Seq: 12, Body: &FileRequest{Types: []string{"pdf", "doc"}, Name: "Anna", At: exampleTime}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Seq: 40, Body: &ChatState{State: StateActive, At: exampleTime}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Seq: 42, Body: &Message{Role: RoleVisitor, Name: "Thomas Martin", Text: "Pourriez-vous m'aider avec l'installation ?", ClientID: "c8", At: exampleTime,
		Translation: &Translation{From: "fr", To: "de", Text: "Könnten Sie mir bitte bei der Installation helfen?"}}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Seq: 41, Body: &Joined{Role: RoleAgent, Name: "Anna", UserID: 17, Lang: "de", As: PartOwner}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Seq: 57, Body: &Left{Role: RoleAgent, Name: "Anna", UserID: 17, As: PartOwner}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Body: &TypingEvent{Role: RoleAgent, Name: "Anna", On: true}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Body: &Presence{Role: RoleVisitor, Online: false}}},
	{"visitor and agent", Event{Chat: "ch_8ZqM2x", Seq: 44, Body: &FieldSet{Fields: map[string]string{"OrderNumber": "12345"}}}},
	{"agent", Event{Body: &AgentReady{
		User:     User{ID: 17, Name: "Anna Weber", Nickname: "Anna", Login: "aweber", Role: "agent", Lang: "de", MaxChats: 3},
		Statuses: []Status{{ID: 1, Name: "Offline", Settable: true}, {ID: 79, Name: "Chat", Short: "Ch", Color: "Yellow", Background: "MediumPurple", AllowsChat: true, Settable: true}},
		Status:   79,
		Chats: []ChatSummary{{ID: "ch_8ZqM2x", ConnectorID: 3, Connector: "Website FR", State: StateActive, Visitor: exampleVisitor, Seq: 44, CreatedAt: exampleTime,
			As: PartOwner, Translation: "on", Agents: []Participant{{UserID: 17, Name: "Anna", As: PartOwner}, {UserID: 4, Name: "Sven", As: PartObserver}}}},
		Offers: []Offer{exampleOffer},
	}}},
	{"agent", Event{Body: &AgentStatus{Status: 1, Reason: "three offers missed"}}},
	{"agent", Event{Chat: "ch_Rt5vN1", Body: &exampleOffer}},
	{"agent", Event{Chat: "ch_Rt5vN1", Body: &OfferRevoked{Reason: "timeout"}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Body: &ChatOpened{Chat: ChatSummary{ID: "ch_8ZqM2x", ConnectorID: 3, Connector: "Website FR", State: StateActive, Visitor: exampleVisitor, Seq: 41, CreatedAt: exampleTime}}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Body: &PreviewEvent{Text: "I would li"}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Body: &Warning{Code: "visitor_away", Seconds: 20}}},
	{"visitor", Event{Body: &Config{Connected: Connected{Name: "Website FR", Title: "Chattez avec nous", Lang: "fr", Open: false,
		Texts: map[string]string{"welcomeMessage": "Bienvenue !"}, MaxMessage: 2000, Preview: true, EstimatedWait: -1, LeaveMessage: true}}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Body: &Invitation{Chat: ChatSummary{ID: "ch_8ZqM2x", ConnectorID: 3, Connector: "Website FR", State: StateActive, Visitor: exampleVisitor, Seq: 44, CreatedAt: exampleTime},
		From: Participant{UserID: 17, Name: "Anna", As: PartOwner}, As: PartParticipant, Expires: exampleTime.Add(time.Minute)}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Body: &InviteEnded{UserID: 4, Reason: "declined"}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Seq: 46, Body: &Transfer{State: TransferPending, By: Participant{UserID: 17, Name: "Anna", As: PartOwner},
		ToUserID: 4, ToName: "Sven", Note: "Wants a refund; order 12345 is already paid.", At: exampleTime}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Seq: 45, Body: &VisitorPage{Page: "https://www.example.com/checkout", Referrer: "https://www.example.com/pricing", At: exampleTime}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Seq: 46, Body: &LineStatus{Line: 44, Status: DeliveryRead, At: exampleTime}}},
	{"agent", Event{Body: &SettingsChanged{Kind: "statuses", Statuses: []Status{{ID: 79, Name: "Chat", AllowsChat: true, Settable: true}}}}},
	{"agent", Event{Body: &SuperviseList{Chats: []SupervisedChat{exampleSupervised}}}},
	{"agent", Event{Body: &SuperviseUpdate{Chats: []SupervisedChat{{ID: "ch_Rt5vN1", Phase: PhaseOffered, ConnectorID: 3, Connector: "Website FR", GroupID: 2, Group: "Support",
		OfferedTo: "Luc", Visitor: "Thomas Martin", Since: exampleTime, LastActivity: exampleTime}}, Gone: []string{"ch_Pq7wE4"}}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Seq: 47, Body: &ChatTranslation{On: false, UserID: 17, Name: "Anna"}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Seq: 52, Body: &ChatRetranslation{Lang: "fr", Lines: []RetranslatedLine{
		{Seq: 3, Translation: Translation{From: "de", To: "fr", Text: "Où est ma commande ?"}}}}}},
	{"agent", Event{Chat: "ch_8ZqM2x", Body: &TakenOver{By: Participant{UserID: 4, Name: "Sven", As: PartOwner}}}},
}

// exampleSupervised is an active chat in the supervisors' list.
var exampleSupervised = SupervisedChat{ID: "ch_8ZqM2x", Phase: PhaseActive, ConnectorID: 3, Connector: "Website FR", GroupID: 2, Group: "Support",
	Owner: 17, OwnerName: "Anna", Agents: []Participant{{UserID: 17, Name: "Anna", As: PartOwner}}, Visitor: "Thomas Martin",
	Since: exampleTime, Accepted: &exampleAccepted, LastActivity: exampleTime.Add(2 * time.Minute)}

var exampleAccepted = exampleTime.Add(40 * time.Second)

// exampleFrame encodes an example, failing the test if it cannot.
func exampleFrame(tb testing.TB, v any) []byte {
	tb.Helper()
	var (
		b   []byte
		err error
	)
	switch v := v.(type) {
	case Command:
		b, err = EncodeCommand(v)
	case Event:
		b, err = EncodeEvent(v)
	default:
		tb.Fatalf("exampleFrame(%T)", v)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestExamplesCoverEveryType(t *testing.T) {
	seen := map[Type]bool{}
	for _, c := range commandExamples {
		typ := c.Body.CommandType()
		if seen[typ] {
			t.Errorf("command %q has two examples", typ)
		}
		seen[typ] = true
		if _, ok := commandTypes[typ]; !ok {
			t.Errorf("example of %q, which is not in commandTypes", typ)
		}
	}
	for typ := range commandTypes {
		if !seen[typ] {
			t.Errorf("command %q has no example in commandExamples", typ)
		}
	}
	seen = map[Type]bool{}
	for _, e := range eventExamples {
		typ := e.Event.Body.EventType()
		if seen[typ] {
			t.Errorf("event %q has two examples", typ)
		}
		seen[typ] = true
		if _, ok := eventTypes[typ]; !ok {
			t.Errorf("example of %q, which is not in eventTypes", typ)
		}
		switch e.To {
		case "visitor", "agent", "visitor and agent":
		default:
			t.Errorf("event %q goes to %q", typ, e.To)
		}
	}
	for typ := range eventTypes {
		if !seen[typ] {
			t.Errorf("event %q has no example in eventExamples", typ)
		}
	}
}

func TestTypeTablesAreConsistent(t *testing.T) {
	for typ, spec := range commandTypes {
		if got := spec.new().CommandType(); got != typ {
			t.Errorf("commandTypes[%q] makes a %q", typ, got)
		}
		if !spec.visitor && !spec.agent {
			t.Errorf("no role may send %q", typ)
		}
	}
	for typ, newBody := range eventTypes {
		if got := newBody().EventType(); got != typ {
			t.Errorf("eventTypes[%q] makes a %q", typ, got)
		}
		body, ok := EventBodyFor(typ)
		if !ok || reflect.TypeOf(body) != reflect.TypeOf(newBody()) {
			t.Errorf("EventBodyFor(%q) = %T, %v", typ, body, ok)
		}
	}
	if b, ok := EventBodyFor("nope"); ok || b != nil {
		t.Errorf("EventBodyFor(unknown) = %v, %v", b, ok)
	}
	if b, ok := EventBodyFor(TypeSend); ok || b != nil { // a command type is no event
		t.Errorf("EventBodyFor(%q) = %v, %v", TypeSend, b, ok)
	}
}

func TestExamplesAreValid(t *testing.T) {
	for _, c := range commandExamples {
		typ := c.Body.CommandType()
		if err := c.Body.Validate(); err != nil {
			t.Errorf("%s example: %v", typ, err)
		}
		_, scoped := c.Body.(chatScoped)
		if scoped != (c.Chat != "") && typ != TypeLeaveMessage {
			t.Errorf("%s example: chat %q, chat-scoped %v", typ, c.Chat, scoped)
		}
		for _, role := range []Role{RoleVisitor, RoleAgent} {
			_, err := DecodeCommand(exampleFrame(t, c), role)
			if commandTypes[typ].allows(role) != (err == nil) {
				t.Errorf("%s example as %s: %v", typ, role, err)
			}
		}
	}
	for _, e := range eventExamples {
		typ := e.Event.Body.EventType()
		if Durable(typ) != (e.Event.Seq > 0) {
			t.Errorf("%s example: seq %d, durable %v", typ, e.Event.Seq, Durable(typ))
		}
		// Only acks and errors name the command they answer (see Envelope.ID).
		if answers := typ == TypeAck || typ == TypeError; answers != (e.Event.ID != "") {
			t.Errorf("%s example: id %q", typ, e.Event.ID)
		}
	}
}
