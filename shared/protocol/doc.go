// Package protocol is the one wire protocol of Parley, shared by the server, the visitor widget
// and the agent app (it compiles for GOOS=js GOARCH=wasm and imports only the standard library).
//
// Every WebSocket frame is one JSON [Envelope]: a protocol version, a type from a closed set, and
// a typed body. Clients send commands; the server sends events. Decoding rejects unknown types,
// other versions, oversized frames and bodies that fail validation, each with a stable [Code].
//
// Two guarantees make the protocol lossless:
//
//   - Every command carries an id chosen by the client. The server answers it with an [Ack] or
//     an [Error] carrying the same id, and a command retried with the same id (after a reconnect,
//     say) is applied once: the retry is answered with the first answer.
//   - Every durable event of a chat carries the chat's sequence number, which grows by one per
//     event. A client that reconnects sends [Resume] with the last number it saw and receives
//     exactly the events after it, in order. Transient events (typing, preview, queue position)
//     carry no sequence number and are never replayed.
//
// The message reference with a JSON example of every type is in README.md beside this file.
package protocol
