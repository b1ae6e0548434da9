package store

// A failed push is sent again at most once: the original names its replay, so that a second
// "Send again" (a double click, two administrators at once) returns the first one's push
// instead of ringing twice, and the log shows the button only while it has not been used.
// Pushes replayed before this migration name their first replay.
var pushReplayMigration = migration{version: 40, name: "web push replay", up: sqlUp(
	`ALTER TABLE push_deliveries ADD COLUMN replayed_by integer NOT NULL DEFAULT 0;
UPDATE push_deliveries SET replayed_by = (SELECT min(r.id) FROM push_deliveries r WHERE r.replay_of = push_deliveries.id)
 WHERE id IN (SELECT replay_of FROM push_deliveries WHERE replay_of <> 0);`,
	`ALTER TABLE push_deliveries ADD COLUMN replayed_by bigint NOT NULL DEFAULT 0;
UPDATE push_deliveries SET replayed_by = (SELECT min(r.id) FROM push_deliveries r WHERE r.replay_of = push_deliveries.id)
 WHERE id IN (SELECT replay_of FROM push_deliveries WHERE replay_of <> 0);`)}
