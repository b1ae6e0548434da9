package store

// The visitor's replay reads the events by their primary key (eventsAfterText), and the
// index of the events' visitor numbers goes (migration 54). Each event's entry in it lay in
// its chat's part of the index, apart from those of the other chats' events in the same
// commit: on SQLite a page of the write-ahead log for nearly every event, and a sixth of the
// group commit's time when many chats write at once (BenchmarkGroupCommit, 512 writers:
// 11,300–11,500 → 13,400–13,600 messages/s).
var visitorReplayMigration = migration{version: 54, name: "visitor replay by event number", up: sqlUp(
	`DROP INDEX IF EXISTS ix_events_visitor;`,
	`DROP INDEX IF EXISTS ix_events_visitor;`)}
