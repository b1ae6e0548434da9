// Package micc lets custom chat clients written for MiCC Enterprise's chat service talk to
// Parley unchanged apart from the address: POST /ChatService/<Method> (any letter case) with
// the JSON requests, responses, integer enums and long-polled events of MiCC's document
// (Chat Configurations, "Custom chat client" and "Chat service API").
//
// It is a thin adapter onto the native chat service: every MiCC chat is one visitor
// connection behind package chat's Conn seam (a [pollConn]), whose commands are the protocol's
// (visitor.connect, chat.request, message.send, file.send, typing, chat.close, chat.get) and
// whose pushed events are translated into MiCC's ChatEvents and kept until a GetEvents takes
// them. Nothing of a chat's rules lives here.
//
// Choices where the document leaves room, made for what an existing MiCC client needs:
//
//   - TenantID and ServiceGroupID/ServiceGroupName name a connector through its MiCC face
//     (store.MiCCService); -1 is the tenant id of systems without tenants. A ServiceGroupID of
//     0 means "not given", as in the document's example, and the name is then compared
//     without regard to letter case.
//   - Requests may be wrapped as {"request": {...}} (WCF's wrapped style, as in the jQuery
//     example) or be the bare object; field names are matched without regard to case.
//     Responses are the response objects themselves. Failures are non-2xx answers whose JSON
//     body carries "Message" (and WCF's "ExceptionType") plus Parley's stable "Code".
//   - DateTime values are written as WCF does, "\/Date(milliseconds)\/", and byte[] values
//     (Attachment) as arrays of numbers; an Attachment sent as a base64 string is accepted too.
//   - RequestChat for a closed group is no fault: ChatID is null and Message carries the
//     connector's outOfService text. A chat that ends because the group closed ends with
//     TerminationCause GroupClosed; every other end is General.
//   - AgentLeft is sent when an agent leaves a chat and, for every agent still in it, when the
//     chat is closed (by the agent or otherwise), before the Terminated ChatState.
//   - GetEvents waits up to Timeout milliseconds (at most [MaxPoll]) and answers as soon as an
//     event is there. One poll per chat is waiting at a time: a newer poll answers the older
//     one at once with no events, so a client that gave up on a poll and polls again is not
//     kept waiting, and a poll whose client vanished ends at its timeout. Polls waiting at
//     once per client address are bounded ([MaxPollsPerAddress]; more get 429).
//   - Lost answers: every ChatEvent carries "Seq", its number within the chat. An event stays
//     buffered until the client acknowledges it. A client that sends "After" (the highest Seq
//     it processed) with GetEvents gets every event after it again, so a retry after a lost
//     answer loses nothing. An unchanged MiCC client does not send After; for it, the events
//     of an answer count as received once the answer was written, as in MiCC.
//   - A chat whose client has stopped calling for [GoneAfter] ([Options.GoneAfter] when set;
//     config MiCCGoneAfter) is treated as the visitor
//     leaving for good: its connection closes, the agent sees the customer go, the chat ends
//     after the connector's reconnect window, and its ChatID is no longer known (404).
//   - Requests without an Origin header come from a back end (MiCC's "typical scenario") and
//     are not held to the connector's allowed origins, which only browsers can be held to.
//     Browsers get CORS answers for the origins allowed by connectors with a MiCC face.
//   - GetChatConfiguration takes no request in MiCC; it answers for the default tenant's
//     first service group, or for the group an optional request names. MaxMessageLength is the
//     connector's, the attachment settings are the tenant's attachment policy.
//   - GetVersion answers "9.8.0.0", the release of the document.
//   - PrivateData, SessionID, CustomerID and the FromPriority "From" reach the agent as the
//     chat's free data (udata) "PrivateData", "SessionID" and "From".
//
// The stock toolbox (toolbox.go, toolbox.js) is the one-line script MiCC pages embed: it
// defines Mitel.ChatToolbox (Config with MiCC's defaults, customizePage, customizeRequest),
// asks /CustomerChat/Chat/Group which connector the Config's service group is, and loads
// Parley's widget loader with the Config mapped onto the widget's configuration; the loader's
// beforeChat hook runs customizeRequest just before the chat loads. Its texts keep
// Toolbox.resx's resource names (package toolboxtext). docs/coming-from-micc.md lists which
// Config properties take effect.
package micc
