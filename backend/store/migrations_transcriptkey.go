package store

// An agent's transcript e-mail sent twice under the same key (a retry of a request whose answer
// was lost) is written once: its Message-ID is derived from the key, and no chat has two
// transcripts with one Message-ID, even when both requests are written at the same time.
var transcriptKeyMigration = migration{version: 42, name: "transcript sent once per key", up: sqlUp(
	`CREATE UNIQUE INDEX ux_outbox_transcript_message ON outbox (chat_id, message_id) WHERE kind = 'transcript';`,
	`CREATE UNIQUE INDEX ux_outbox_transcript_message ON outbox (chat_id, message_id) WHERE kind = 'transcript';`)}
