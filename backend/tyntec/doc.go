// Package tyntec carries WhatsApp chats through TynTec's Conversations API (v3), so that a
// connector's WhatsApp number is one more entry point for chats: routed by the same ACD and
// answered in the same agent app as the website widget's.
//
// Inbound, TynTec calls the connector's webhook, POST /tyntec/{connector hash}/{secret}, with
// MoMessage events (the customer's messages) and MessageStatus events (what became of the
// agents' messages). The secret is the connector's own (made when WhatsApp is switched on,
// shown in the admin pages) and is compared in constant time; a wrong one is refused with 404,
// as if the connector had no webhook. A customer's message opens a chat on the connector (or
// continues the customer's open chat) through a server-side visitor connection ([waConn]),
// with the customer's number as the chat's phone, so contacts find them again; media are
// fetched from TynTec with the API key and stored as Parley files; an image with a caption
// becomes an image line and a text line, as OneContact shows it. Message ids already applied
// are remembered, so TynTec's retries are applied once. A message to a number that is not the
// connector's is refused with 200 (a retry would be refused the same way). Each inbound
// message is logged (received, duplicate, refused) for the admin pages' WhatsApp log.
//
// Outbound, the store writes every agent line of a WhatsApp chat to its outbox in the same
// transaction as the line; [Worker] sends them with the connector's API key (text, media as a
// link to the Parley file, templates), retries transient failures with backoff and records
// TynTec's message id, whose status events then mark the line delivered or read. A status
// event that overtakes the send's answer is kept by the store and applied when the id is
// recorded. An administrator's test message goes through the same outbox, to a typed number.
//
// The 24-hour rule ([WindowOpen]): WhatsApp lets a business write free text only within 24
// hours of the customer's last message. Past that, an agent's free text is refused before it
// is written ([Guard]), and the agent sends one of the connector's approved templates instead:
// a line "/template name parameter | parameter".
package tyntec
