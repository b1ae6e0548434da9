-- Contacts (package contact): one per customer of a tenant, found and merged by identities.
CREATE TABLE contacts (
    id           integer PRIMARY KEY AUTOINCREMENT,
    tenant_id    integer NOT NULL,
    name         text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    phone        text NOT NULL DEFAULT '',
    company      text NOT NULL DEFAULT '',
    notes        text NOT NULL DEFAULT '',
    created_at   datetime NOT NULL,
    updated_at   datetime NOT NULL,
    last_seen_at datetime NOT NULL,
    CONSTRAINT fk_contacts_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX ix_contacts_tenant_seen ON contacts (tenant_id, last_seen_at);
CREATE TABLE contact_identities (
    id          integer PRIMARY KEY AUTOINCREMENT,
    tenant_id   integer NOT NULL,
    contact_id  integer NOT NULL,
    kind        text NOT NULL,
    value       text NOT NULL,
    strong      numeric NOT NULL DEFAULT false,
    created_at  datetime NOT NULL,
    CONSTRAINT fk_contact_identities_contact FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_contact_identities_strong ON contact_identities (tenant_id, kind, value) WHERE strong;
CREATE UNIQUE INDEX ux_contact_identities_contact ON contact_identities (contact_id, kind, value);
CREATE INDEX ix_contact_identities_lookup ON contact_identities (tenant_id, kind, value);
CREATE TABLE contact_chats (
    chat_id       text PRIMARY KEY,
    tenant_id     integer NOT NULL,
    contact_id    integer NOT NULL,
    ident_key     text NOT NULL DEFAULT '',
    user_id       text NOT NULL DEFAULT '',
    user_verified numeric NOT NULL DEFAULT false,
    CONSTRAINT fk_contact_chats_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE,
    CONSTRAINT fk_contact_chats_contact FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE
);
CREATE INDEX ix_contact_chats_contact ON contact_chats (contact_id);
CREATE TABLE contact_merges (
    id          integer PRIMARY KEY AUTOINCREMENT,
    tenant_id   integer NOT NULL,
    contact_id  integer NOT NULL,
    merged_id   integer NOT NULL,
    merged_name text NOT NULL DEFAULT '',
    identities  text NOT NULL DEFAULT '',
    by_user_id  integer NOT NULL DEFAULT 0,
    reason      text NOT NULL DEFAULT '',
    created_at  datetime NOT NULL,
    CONSTRAINT fk_contact_merges_contact FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE
);
CREATE INDEX ix_contact_merges_contact ON contact_merges (contact_id);
CREATE TABLE connector_identity (
    connector_id integer PRIMARY KEY,
    tenant_id    integer NOT NULL,
    secret       text NOT NULL,
    updated_at   datetime NOT NULL,
    CONSTRAINT fk_connector_identity_connector FOREIGN KEY (connector_id) REFERENCES connectors (id) ON DELETE CASCADE
);
