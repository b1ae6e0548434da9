package store

// A line's command id is unique per chat and sender (ux_messages_client), and the index that
// says so led with the chat: each chat of a batch dirtied a page of it of its own. On SQLite,
// whose write-ahead log takes every dirtied page whole, that index was 47 % of the log's frames
// at the message ceiling, and with the primary key's index (also by chat) 88 %; the group
// commit wrote two pages a message. Led by the command id instead, the entries of a batch
// whose ids grow with time (protocol.TimeID, which the widget, the agent app and the load
// tool put first) land side by side at the index's end, a few pages a batch. The same
// columns keep the same rule, and the lookup of a line by its command id
// (MessageByClientID) names all four. Ids that do not grow with time land where their text
// sorts, as every id did before.
var clientOrderMigration = migration{version: 58, name: "line command ids first in their index", up: sqlUp(
	`DROP INDEX IF EXISTS ux_messages_client;
CREATE UNIQUE INDEX ux_messages_client ON messages (client_id, chat_id, role, user_id) WHERE client_id <> '';`,
	`DROP INDEX IF EXISTS ux_messages_client;
CREATE UNIQUE INDEX ux_messages_client ON messages (client_id, chat_id, role, user_id) WHERE client_id <> '';`)}
