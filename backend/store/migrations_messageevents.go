package store

// A chat line is stored once: its message row also holds the event clients receive for it
// (event_data) and its number among the visitor's events (visitor_seq, 0 for an agents-only
// line), instead of the line being written a second time as a row of events. Replays read the
// chat's events and its lines together, in the order of their numbers (EventsAfter,
// VisitorEventsAfter); the chat_events view joins them for the readers that need no page.
//
// Lines written before keep their row in events and an empty event_data, which the replays
// and the view leave out, so the existing data needs no rewriting. A history import writes
// its lines the same way (its events carry the lines).
var messageEventsMigration = migration{version: 57, name: "a line's event in its message row", up: sqlUp(
	`ALTER TABLE messages ADD COLUMN visitor_seq integer NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN event_data text NOT NULL DEFAULT '';
CREATE VIEW chat_events AS SELECT chat_id, seq, visitor_seq, type, data, at FROM events
 UNION ALL SELECT chat_id, seq, visitor_seq, 'message', event_data, at FROM messages WHERE event_data <> '';`,
	`ALTER TABLE messages ADD COLUMN visitor_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN event_data text NOT NULL DEFAULT '';
CREATE VIEW chat_events AS SELECT chat_id, seq, visitor_seq, type, data, at FROM events
 UNION ALL SELECT chat_id, seq, visitor_seq, CAST('message' AS text), event_data, at FROM messages WHERE event_data <> '';`)}
