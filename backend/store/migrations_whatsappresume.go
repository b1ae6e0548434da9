package store

// An open WhatsApp chat outlives a restart of the server: the bridge keeps the resume token of
// the customer's visitor connection with the chat, so that after a start it re-joins each open
// chat and the customer's next message continues it.
var whatsappResumeMigration = migration{version: 33, name: "whatsapp chats resume after a restart", up: sqlUp(
	`ALTER TABLE whatsapp_chats ADD COLUMN visitor_token text NOT NULL DEFAULT '';`,
	`ALTER TABLE whatsapp_chats ADD COLUMN visitor_token text NOT NULL DEFAULT '';`)}
