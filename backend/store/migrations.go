package store

// The schema's history: every change to the tables is one numbered migration below, applied
// once, in order, by [Open] (see migrate.go), so that upgrading a production database is
// explicit and the schema never changes just because a row struct did.
//
// How to add a migration:
//
//  1. Append an entry with the next version number and a short name. Write its SQL inline
//     with sqlUp (one script per dialect; statements end with ";" at the end of a line) or,
//     for a long script, as migrations/NNNN_name.sqlite.sql and .postgres.sql read with
//     sqlFiles. A step that must compute something can be a Go func instead:
//     up: func(tx *gorm.DB, dialect string) error { ... }.
//  2. Change the row struct (rows.go, settings_rows.go, files.go) to match. TestRowsMatchSchema
//     fails when a struct has a column no migration creates.
//  3. Run go test ./backend/store/ with PostgreSQL available: the fresh-database and
//     upgrade tests apply the new step on both dialects.
//
// For example:
//
//	{version: 2, name: "participant visibility", up: sqlUp(
//		`ALTER TABLE participants ADD COLUMN hidden numeric NOT NULL DEFAULT false;`,
//		`ALTER TABLE participants ADD COLUMN hidden boolean NOT NULL DEFAULT false;`)},
//
// Rules: never change or renumber a migration that has been released (databases out there
// have recorded it by version and name); write for both dialects (SQLite booleans are
// numeric, times datetime, integer keys integer; PostgreSQL uses boolean, timestamptz,
// bigint); a new NOT NULL column needs a DEFAULT so that existing rows get a value. Each step
// runs in its own transaction, so a failing step leaves the database at the previous version.
// SQLite cannot alter a column: copy the table into a new one, drop the old, rename the new
// (https://sqlite.org/lang_altertable.html#otheralter), and set foreignKeysOff so that
// dropping a table that others reference does not cascade into them.
var migrations = []migration{
	{version: 1, name: "baseline", up: sqlFiles("0001_baseline")},
	// Events get a second number among the events the visitor sees, so that agents-only
	// events leave no hole in the visitor's sequence. Every event so far was the visitor's.
	{version: 2, name: "visitor sequence", up: sqlUp(
		`ALTER TABLE chats ADD COLUMN last_visitor_seq integer NOT NULL DEFAULT 0;
UPDATE chats SET last_visitor_seq = last_seq;
ALTER TABLE events ADD COLUMN visitor_seq integer NOT NULL DEFAULT 0;
UPDATE events SET visitor_seq = seq;
CREATE INDEX ix_events_visitor ON events (chat_id, visitor_seq);`,
		`ALTER TABLE chats ADD COLUMN last_visitor_seq bigint NOT NULL DEFAULT 0;
UPDATE chats SET last_visitor_seq = last_seq;
ALTER TABLE events ADD COLUMN visitor_seq bigint NOT NULL DEFAULT 0;
UPDATE events SET visitor_seq = seq;
CREATE INDEX ix_events_visitor ON events (chat_id, visitor_seq);`)},
	// Open chats are capped per visitor as well as per address; tenants that saved their
	// settings keep their address limit and get the visitor default.
	{version: 3, name: "chats per visitor", up: sqlUp(
		`ALTER TABLE tenant_settings ADD COLUMN max_chats_per_visitor integer NOT NULL DEFAULT 3;`,
		`ALTER TABLE tenant_settings ADD COLUMN max_chats_per_visitor bigint NOT NULL DEFAULT 3;`)},
	// A participation is written when someone joins and again when they leave, keyed by who,
	// in which part and since when, rather than by an id the database hands out after the
	// first commit.
	{version: 4, name: "participant key", up: sqlUp(
		`CREATE UNIQUE INDEX ux_participants_key ON participants (chat_id, user_id, role, joined_at);`,
		`CREATE UNIQUE INDEX ux_participants_key ON participants (chat_id, user_id, role, joined_at);`)},
	// Agents write lines only agents see (whispers, internal notes).
	{version: 5, name: "internal messages", up: sqlUp(
		`ALTER TABLE messages ADD COLUMN internal numeric NOT NULL DEFAULT false;`,
		`ALTER TABLE messages ADD COLUMN internal boolean NOT NULL DEFAULT false;`)},
	// Chats record the widget's visitor id, by which a returning visitor's earlier chats are
	// found without an e-mail address.
	{version: 6, name: "chat visitor id", up: sqlUp(
		`ALTER TABLE chats ADD COLUMN visitor_id text NOT NULL DEFAULT '';
CREATE INDEX ix_chats_tenant_visitor ON chats (tenant_id, visitor_id);`,
		`ALTER TABLE chats ADD COLUMN visitor_id text NOT NULL DEFAULT '';
CREATE INDEX ix_chats_tenant_visitor ON chats (tenant_id, visitor_id);`)},
	// Agents chat with each other: a chat has a kind ("" for a visitor's chat, "direct" between
	// two agents) and, for a direct chat, the colleague it was addressed to; a tenant sets after
	// how long without activity a signed-in agent shows as away to colleagues.
	{version: 7, name: "direct chats", up: sqlUp(
		`ALTER TABLE chats ADD COLUMN kind text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN peer_id integer NOT NULL DEFAULT 0;
ALTER TABLE tenant_settings ADD COLUMN agent_idle_seconds integer NOT NULL DEFAULT 300;`,
		`ALTER TABLE chats ADD COLUMN kind text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN peer_id bigint NOT NULL DEFAULT 0;
ALTER TABLE tenant_settings ADD COLUMN agent_idle_seconds bigint NOT NULL DEFAULT 300;`)},
	// Connectors may report the visitors on their site to agents, who then start chats with
	// them; off unless an admin switches it on.
	{version: 8, name: "connector visitor presence", up: sqlUp(
		`ALTER TABLE connectors ADD COLUMN visitor_presence numeric NOT NULL DEFAULT false;`,
		`ALTER TABLE connectors ADD COLUMN visitor_presence boolean NOT NULL DEFAULT false;`)},
	// Tenants hold the credentials a WhosOn Chat API client connects with (package whoson).
	{version: 9, name: "whoson credentials", up: sqlUp(
		`ALTER TABLE tenant_settings ADD COLUMN whoson_auth text NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN whoson_api_key text NOT NULL DEFAULT '';`,
		`ALTER TABLE tenant_settings ADD COLUMN whoson_auth text NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN whoson_api_key text NOT NULL DEFAULT '';`)},
	// A connector may carry a MiCC Enterprise face: the MiCC tenant id and service group by
	// which MiCC ChatService clients name it, MiCC's customer settings and the stock toolbox's
	// texts.
	{version: 10, name: "micc services", up: sqlUp(
		`CREATE TABLE micc_services (connector_id integer PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
 tenant_id integer NOT NULL, micc_tenant integer NOT NULL, group_id integer NOT NULL, group_name text NOT NULL,
 ignore_customer_details numeric NOT NULL DEFAULT false, reject_group_ids text NOT NULL DEFAULT '', from_priority text NOT NULL DEFAULT '',
 texts text NOT NULL DEFAULT '');
CREATE INDEX ix_micc_services_tenant ON micc_services (tenant_id);
CREATE UNIQUE INDEX ux_micc_services_group ON micc_services (micc_tenant, group_id);`,
		`CREATE TABLE micc_services (connector_id bigint PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
 tenant_id bigint NOT NULL, micc_tenant bigint NOT NULL, group_id bigint NOT NULL, group_name text NOT NULL,
 ignore_customer_details boolean NOT NULL DEFAULT false, reject_group_ids text NOT NULL DEFAULT '', from_priority text NOT NULL DEFAULT '',
 texts text NOT NULL DEFAULT '');
CREATE INDEX ix_micc_services_tenant ON micc_services (tenant_id);
CREATE UNIQUE INDEX ux_micc_services_group ON micc_services (micc_tenant, group_id);`)},
	// A connector carries the images a WhosOn Chat API client asks for with GetImage (chat
	// button available and not available, site logo, mobile logo), one per kind.
	{version: 11, name: "connector images", up: sqlUp(
		`CREATE TABLE connector_images (connector_id integer NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
 kind integer NOT NULL, tenant_id integer NOT NULL, content_type text NOT NULL, data blob NOT NULL, updated_at datetime NOT NULL,
 PRIMARY KEY (connector_id, kind));
CREATE INDEX ix_connector_images_tenant ON connector_images (tenant_id);`,
		`CREATE TABLE connector_images (connector_id bigint NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
 kind bigint NOT NULL, tenant_id bigint NOT NULL, content_type text NOT NULL, data bytea NOT NULL, updated_at timestamptz NOT NULL,
 PRIMARY KEY (connector_id, kind));
CREATE INDEX ix_connector_images_tenant ON connector_images (tenant_id);`)},
	// Tenants send e-mail: their SMTP settings, and the outbox a message is written to before
	// a worker delivers it (package mail), with its attachments.
	{version: 12, name: "mail outbox", up: sqlUp(
		`CREATE TABLE mail_settings (tenant_id integer PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
 host text NOT NULL DEFAULT '', port integer NOT NULL DEFAULT 587, tls_mode text NOT NULL DEFAULT 'starttls',
 username text NOT NULL DEFAULT '', password text NOT NULL DEFAULT '', from_address text NOT NULL DEFAULT '', from_name text NOT NULL DEFAULT '');
CREATE TABLE outbox (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 kind text NOT NULL DEFAULT '', chat_id text NOT NULL DEFAULT '', message_id text NOT NULL, to_address text NOT NULL, subject text NOT NULL, body text NOT NULL,
 state text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0, next_attempt_at datetime NOT NULL, last_error text NOT NULL DEFAULT '',
 created_at datetime NOT NULL, sent_at datetime);
CREATE INDEX ix_outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX ix_outbox_tenant ON outbox (tenant_id, id);
CREATE TABLE outbox_attachments (id integer PRIMARY KEY AUTOINCREMENT, outbox_id integer NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
 name text NOT NULL, content_type text NOT NULL, data blob NOT NULL);
CREATE INDEX ix_outbox_attachments_outbox ON outbox_attachments (outbox_id);`,
		`CREATE TABLE mail_settings (tenant_id bigint PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
 host text NOT NULL DEFAULT '', port bigint NOT NULL DEFAULT 587, tls_mode text NOT NULL DEFAULT 'starttls',
 username text NOT NULL DEFAULT '', password text NOT NULL DEFAULT '', from_address text NOT NULL DEFAULT '', from_name text NOT NULL DEFAULT '');
CREATE TABLE outbox (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
 kind text NOT NULL DEFAULT '', chat_id text NOT NULL DEFAULT '', message_id text NOT NULL, to_address text NOT NULL, subject text NOT NULL, body text NOT NULL,
 state text NOT NULL DEFAULT 'pending', attempts bigint NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL, last_error text NOT NULL DEFAULT '',
 created_at timestamptz NOT NULL, sent_at timestamptz);
CREATE INDEX ix_outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX ix_outbox_tenant ON outbox (tenant_id, id);
CREATE TABLE outbox_attachments (id bigserial PRIMARY KEY, outbox_id bigint NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
 name text NOT NULL, content_type text NOT NULL, data bytea NOT NULL);
CREATE INDEX ix_outbox_attachments_outbox ON outbox_attachments (outbox_id);`)},
	// Users carry what WhosOn clients show of an operator (department, phone, whether a bot
	// answers); chats keep the department and agent a visitor asked for, so that routing
	// honours them after a restart.
	{version: 13, name: "operator details and chat targets", up: sqlUp(
		`ALTER TABLE users ADD COLUMN department text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN bot numeric NOT NULL DEFAULT false;
ALTER TABLE chats ADD COLUMN target_department text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN target_agent_id integer NOT NULL DEFAULT 0;`,
		`ALTER TABLE users ADD COLUMN department text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN bot boolean NOT NULL DEFAULT false;
ALTER TABLE chats ADD COLUMN target_department text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN target_agent_id bigint NOT NULL DEFAULT 0;`)},
	// A tenant may translate chats between visitors and agents of different languages
	// through a LibreTranslate service (package translate); off for every existing tenant.
	{version: 14, name: "translation settings", up: sqlUp(
		`ALTER TABLE tenant_settings ADD COLUMN translate_enabled numeric NOT NULL DEFAULT false;
ALTER TABLE tenant_settings ADD COLUMN translate_url text NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN translate_api_key text NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN translate_languages text NOT NULL DEFAULT '';`,
		`ALTER TABLE tenant_settings ADD COLUMN translate_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE tenant_settings ADD COLUMN translate_url text NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN translate_api_key text NOT NULL DEFAULT '';
ALTER TABLE tenant_settings ADD COLUMN translate_languages text NOT NULL DEFAULT '';`)},
	// Messages are found by their words (the archive's search): SQLite keeps an FTS5 index,
	// PostgreSQL a tsvector per message in its chat's language; chats are listed newest first.
	{version: 15, name: "message search", up: sqlFiles("0015_search")},
	// Contacts: one per customer, found by the identities chats carry (package contact), the
	// link of each chat to its contact, the record of merges, and each connector's secret for
	// signed user ids.
	{version: 16, name: "contacts", up: sqlFiles("0016_contacts")},
	// Tags, outcomes and what reports need (package report).
	reportsMigration,
	// Tenants keep chats, left messages and the admin audit log only as long as they choose
	// (package retention), and every state-changing admin request is recorded in the audit
	// log (package audit). A tenant without a policy row keeps chats forever and audit
	// entries for 365 days.
	{version: 18, name: "retention and audit log", up: sqlUp(
		`CREATE TABLE retention_policies (tenant_id integer PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
 chat_days integer NOT NULL DEFAULT 0, left_message_days integer NOT NULL DEFAULT 0, audit_days integer NOT NULL DEFAULT 365,
 updated_at datetime NOT NULL);
CREATE TABLE audit_log (id integer PRIMARY KEY AUTOINCREMENT, tenant_id integer NOT NULL DEFAULT 0, at datetime NOT NULL,
 user_id integer NOT NULL DEFAULT 0, user_login text NOT NULL DEFAULT '', user_role text NOT NULL DEFAULT '',
 action text NOT NULL, target text NOT NULL DEFAULT '', summary text NOT NULL DEFAULT '', outcome integer NOT NULL DEFAULT 0,
 ip text NOT NULL DEFAULT '');
CREATE INDEX ix_audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_chats_closed_at ON chats (tenant_id, closed_at) WHERE state = 'closed';`,
		`CREATE TABLE retention_policies (tenant_id bigint PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
 chat_days bigint NOT NULL DEFAULT 0, left_message_days bigint NOT NULL DEFAULT 0, audit_days bigint NOT NULL DEFAULT 365,
 updated_at timestamptz NOT NULL);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL DEFAULT 0, at timestamptz NOT NULL,
 user_id bigint NOT NULL DEFAULT 0, user_login text NOT NULL DEFAULT '', user_role text NOT NULL DEFAULT '',
 action text NOT NULL, target text NOT NULL DEFAULT '', summary text NOT NULL DEFAULT '', outcome bigint NOT NULL DEFAULT 0,
 ip text NOT NULL DEFAULT '');
CREATE INDEX ix_audit_log_tenant_at ON audit_log (tenant_id, at);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_chats_closed_at ON chats (tenant_id, closed_at) WHERE state = 'closed';`)},
	// Survey fields speak every language: a field keeps its prompt and options as its base
	// texts and gets the prompt and option labels of other languages as JSON (survey.Text by
	// language tag). Existing fields have none and read as before.
	{version: 19, name: "survey texts", up: sqlUp(
		`ALTER TABLE survey_fields ADD COLUMN texts text NOT NULL DEFAULT '';`,
		`ALTER TABLE survey_fields ADD COLUMN texts text NOT NULL DEFAULT '';`)},
	webhooksMigration,
	// A tenant's translation service speaks LibreTranslate's API or DeepL's (package
	// translate); every existing service is a LibreTranslate one.
	{version: 21, name: "translation provider", up: sqlUp(
		`ALTER TABLE tenant_settings ADD COLUMN translate_provider text NOT NULL DEFAULT 'libretranslate';`,
		`ALTER TABLE tenant_settings ADD COLUMN translate_provider text NOT NULL DEFAULT 'libretranslate';`)},
	apiTokensMigration,
	reportExportMigration,
	transcriptMailMigration,
	leftMailMigration,
	// Agents get Web Push notifications (package push): the VAPID keys and the subscriptions.
	pushMigration,
	whatsappMigration,
	translationMigration,
	whatsappResumeMigration,
	// Web Push goes through a durable outbox, which is also its delivery log.
	pushOutboxMigration,
	translationLogMigration,
	whatsappLogMigration,
	deliveryLogsMigration,
	pushReplayMigration,
	transcriptKeyMigration,
	searchTenantMigration,
	clusterNodesMigration,
	clusterLeaderMigration,
	chatHoldersMigration,
	connectHitsMigration,
	openChatsByIPMigration,
	// Nodes say which cluster protocol they speak, so that older and newer ones do not mix.
	clusterProtocolMigration,
	visitorReplayMigration,
	searchInsertMigration,
	chatCascadeMigration,
	messageEventsMigration,
	clientOrderMigration,
}
