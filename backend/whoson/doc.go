// Package whoson speaks the WhosOn Chat API to visitor clients written against a WhosOn
// server: JSON commands {"Command", "Parameters"} in, events {"EventName", "ChatUid", "Data"}
// out, over a WebSocket at /whoson on the main listener and at / on the optional listener of
// PARLEY_WHOSON_ADDR (WhosOn's own default port is 8009).
//
// It is a thin adapter, not a second chat: each WhosOn connection is a visitor connection of
// the chat service (package chat) behind its Conn seam. Commands are translated into the
// native protocol's commands (Connect → visitor.connect, Hello → chat.request, Message →
// message.send, …) and the native events the service sends back into WhosOn events (ack of a
// chat.request → accepted, message → newline, joined → operatorjoined, …). The rules of a
// conversation, routing, limits and storage are the chat service's.
//
// Where the WhosOn document leaves room, the choices are those an existing client needs:
//
//   - Security. Connect's authentication string and API key are the tenant's WhosOn settings
//     (admin pages, Settings), both required; the domain must be the host of one of the
//     allowed origins of one of that tenant's connectors, and names that connector. Anything
//     else gets the error event "Access Denied" and the socket is closed. Failed connects,
//     undecodable frames and unknown or malformed commands count against the client's address
//     ([Guard]); too many within a while block the address for a while, during which every
//     Connect is denied. The tenant's address blacklist and its limit of open chats per
//     address apply as to every visitor.
//   - Addresses. Blocking and limits use the connection's address (the proxy header where the
//     server is configured to trust one). The visitor address a client passes in Connect is
//     used for the GeoIP object only: a client cannot choose the address it is judged by.
//   - SessionID is the chat service's visitor session; commands naming another session or
//     domain than the connection's are refused with an error event.
//   - ChatUid is Parley's chat id. It is null on events before a chat exists, as in the
//     document, and set on every event of a chat.
//   - Hello always opens a new chat: a returning visitor (same cookie session id) who says
//     Hello again never gets an old chat replayed. A Hello while a chat of the connection is
//     still open is refused with an error event. A Hello the service cannot take (closed,
//     out of service, too many chats from the address) is answered notaccepted with the
//     reason.
//   - A chat that finds no agent in time ends with notaccepted (queue timeout); a chat an
//     agent or the server ends gets quit; a chat the visitor quit gets nothing more.
//   - Message text is at most 4,000 characters. A tenant with translation on translates
//     chats whose visitor asked for it in another language than the agent's (translation.go):
//     operator lines get a linet line, visitor lines reach the agent translated with their
//     original; a line with <original></original> tags is not translated again.
//   - Operator lines are Markdown, converted to HTML (goldmark) and then restricted to a fixed
//     set of tags (bluemonday, [AllowedTags]); visitor lines are escaped plain text.
//   - Transcript e-mails the transcript of any chat of the connection, open or ended, through
//     the tenant's outbox (package mail) and records the address as the chat's visitor
//     e-mail. The document names no answer to success, so none is sent; a malformed address
//     gets the error event "Invalid email address", a chat that is not the connection's
//     "Unknown chat", another session or domain "Invalid session"; a chat's transcript is
//     sent at most mail.MaxTranscriptsPerChat times.
//   - The GeoIP object is filled from a MaxMind city database when PARLEY_GEOIP_DB names one,
//     and carries the visitor's address alone otherwise.
//   - Files. WebServicesURL names Parley's own file endpoint, /whoson/ws/ on the host the
//     client connected to (both listeners serve it). WhosOn's DocumentWriteForSite is not
//     published, so the endpoint takes a POST to that path or any path under it in every
//     shape a client may send: multipart/form-data with the file as a file part, a form or a
//     JSON object with the bytes in base64, or a SOAP 1.1/1.2 envelope whose method element
//     holds the parameters. Parameter names are compared without regard to case: SessionID
//     (or Session), Domain (optional), FileName (or Name; a file part's own name otherwise)
//     and Data (or FileData, Document, Bytes, Base64, Content, File). The answer is the
//     file's download URL, in the request's shape: a SOAP DocumentWriteForSiteResult, JSON
//     {"d": URL, "URL": URL}, <string>URL</string> for a form that accepts XML, else plain
//     text. The SessionID is the credential: the file belongs to that session's open chat,
//     is judged by the tenant's attachment policy (package attach) and kept in the one file
//     store. File then shares it; the chat service accepts only a file uploaded by this
//     chat's visitor, so a URL of another chat's file, or a guessed one, is refused. A type
//     the policy refuses, or any file while uploads are off, gets the document's error "You
//     cannot upload files of this type.", on upload and on File.
//   - Shared files reach the client as a newline (linev for the visitor's own, lineo for an
//     operator's) whose Content is a link to the file, opened in a new window.
//   - GetImage answers the connector's images of types 1, 2, 5 and 8 (set on the
//     connector's Images page in the admin pages); an image not set has empty Ext and
//     Base64. The image event's ChatUid is "" before a chat, as in the document.
//
// The connection's native events that have no WhosOn counterpart (presence, fields set,
// agents leaving) are not passed on.
package whoson
