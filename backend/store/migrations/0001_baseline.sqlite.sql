-- Migration 1 on SQLite: the schema as GORM's AutoMigrate created it before migrations were
-- versioned. Booleans are numeric, times datetime (the driver reads those as time.Time),
-- integer keys AUTOINCREMENT so that an id is never reused.

CREATE TABLE tenants (
    id           integer PRIMARY KEY AUTOINCREMENT,
    name         text NOT NULL,
    time_zone    text NOT NULL,
    default_lang text NOT NULL,
    created_at   datetime
);

CREATE TABLE acd_groups (
    id        integer PRIMARY KEY AUTOINCREMENT,
    tenant_id integer NOT NULL,
    name      text NOT NULL,
    strategy  text NOT NULL,
    CONSTRAINT fk_acd_groups_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idx_acd_groups_tenant_id ON acd_groups (tenant_id);

CREATE TABLE agent_statuses (
    id               integer PRIMARY KEY AUTOINCREMENT,
    tenant_id        integer NOT NULL,
    name             text NOT NULL,
    short            text,
    font_color       text,
    background_color text,
    allows_chat      numeric,
    agent_settable   numeric,
    sort             integer,
    CONSTRAINT fk_agent_statuses_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idx_agent_statuses_tenant_id ON agent_statuses (tenant_id);

CREATE TABLE connectors (
    id                            integer PRIMARY KEY AUTOINCREMENT,
    tenant_id                     integer NOT NULL,
    hash                          text NOT NULL,
    name                          text NOT NULL,
    title                         text,
    group_id                      integer,
    max_chats_all                 integer,
    priority                      integer,
    connect_wait_sec              integer,
    answer_time_sec               integer,
    free_agent_search_sec         integer,
    skills                        text,
    ignore_skills_after_sec       integer,
    ignore_skills_if_none_skilled numeric,
    allowed_origins               text,
    texts                         text,
    out_of_service                numeric,
    opening_hours                 text,
    toolbox                       text,
    reconnect_window_sec          integer,
    waiting1_sec                  integer,
    waiting2_sec                  integer,
    waiting_final_sec             integer,
    whatsapp_enabled              numeric,
    whatsapp_api_key              text,
    whatsapp_number               text,
    created_at                    datetime,
    updated_at                    datetime,
    CONSTRAINT fk_connectors_group FOREIGN KEY (group_id) REFERENCES acd_groups (id) ON DELETE SET NULL,
    CONSTRAINT fk_connectors_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idx_connectors_group_id ON connectors (group_id);
CREATE UNIQUE INDEX idx_connectors_hash ON connectors (hash);
CREATE INDEX idx_connectors_tenant_id ON connectors (tenant_id);

CREATE TABLE users (
    id               integer PRIMARY KEY AUTOINCREMENT,
    tenant_id        integer,
    login            text NOT NULL,
    name             text,
    nickname         text,
    email            text,
    role             text NOT NULL,
    password_hash    text,
    max_chats        integer,
    missed_limit     integer,
    missed_status_id integer,
    lang             text,
    active           numeric,
    status_id        integer,
    skills           text,
    created_at       datetime,
    updated_at       datetime,
    CONSTRAINT fk_users_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_users_status FOREIGN KEY (status_id) REFERENCES agent_statuses (id) ON DELETE SET NULL
);
CREATE INDEX idx_users_status_id ON users (status_id);
CREATE UNIQUE INDEX idx_users_login ON users (login);
CREATE INDEX idx_users_tenant_id ON users (tenant_id);

CREATE TABLE user_groups (
    user_id  integer,
    group_id integer,
    PRIMARY KEY (user_id, group_id),
    CONSTRAINT fk_user_groups_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_groups_group FOREIGN KEY (group_id) REFERENCES acd_groups (id) ON DELETE CASCADE
);
CREATE INDEX idx_user_groups_group_id ON user_groups (group_id);

CREATE TABLE sessions (
    token_hash text,
    user_id    integer NOT NULL,
    created_at datetime,
    expires_at datetime NOT NULL,
    PRIMARY KEY (token_hash),
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);

CREATE TABLE chats (
    id                 text,
    tenant_id          integer NOT NULL,
    connector_id       integer NOT NULL,
    state              text NOT NULL,
    visitor_name       text,
    visitor_email      text,
    visitor_email_key  text,
    visitor_phone      text,
    customer_id        text,
    lang               text,
    visitor_token_hash text,
    pdata              text,
    udata              text,
    fields             text,
    page               text,
    referrer           text,
    user_agent         text,
    ip                 text,
    agent_id           integer NOT NULL,
    last_seq           integer NOT NULL,
    created_at         datetime,
    accepted_at        datetime,
    first_reply_at     datetime,
    closed_at          datetime,
    close_cause        text,
    PRIMARY KEY (id),
    CONSTRAINT fk_chats_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX ix_chats_agent_state ON chats (agent_id, state);
CREATE INDEX idx_chats_connector_id ON chats (connector_id);
CREATE INDEX ix_chats_tenant_customer ON chats (tenant_id, customer_id);
CREATE INDEX ix_chats_tenant_email ON chats (tenant_id, visitor_email_key);
CREATE INDEX ix_chats_tenant_state ON chats (tenant_id, state);

CREATE TABLE participants (
    id        integer PRIMARY KEY AUTOINCREMENT,
    chat_id   text NOT NULL,
    role      text NOT NULL,
    user_id   integer,
    name      text,
    joined_at datetime,
    left_at   datetime,
    CONSTRAINT fk_participants_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX idx_participants_chat_id ON participants (chat_id);

CREATE TABLE messages (
    chat_id   text,
    seq       integer,
    role      text NOT NULL,
    user_id   integer NOT NULL,
    name      text,
    text      text,
    client_id text NOT NULL,
    at        datetime,
    PRIMARY KEY (chat_id, seq),
    CONSTRAINT fk_messages_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
-- A client command id counts once per sender and chat.
CREATE UNIQUE INDEX ux_messages_client ON messages (chat_id, role, user_id, client_id) WHERE client_id <> '';

CREATE TABLE events (
    chat_id text,
    seq     integer,
    type    text NOT NULL,
    data    text,
    at      datetime,
    PRIMARY KEY (chat_id, seq),
    CONSTRAINT fk_events_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);

CREATE TABLE survey_fields (
    id                 integer PRIMARY KEY AUTOINCREMENT,
    tenant_id          integer NOT NULL,
    connector_id       integer NOT NULL,
    kind               text NOT NULL,
    field_name         text NOT NULL,
    sort               integer,
    field_type         text NOT NULL,
    prompt             text,
    required           numeric,
    length             integer,
    multi_line         numeric,
    lines              integer,
    password           numeric,
    change_case        integer,
    mask               text,
    default_value      text,
    default_date_today numeric,
    default_time_today numeric,
    select_type        text,
    select_options     text,
    validate_low       integer,
    validate_high      integer,
    CONSTRAINT fk_survey_fields_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_survey_fields_connector FOREIGN KEY (connector_id) REFERENCES connectors (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_survey_field_name ON survey_fields (connector_id, kind, field_name);
CREATE INDEX idx_survey_fields_tenant_id ON survey_fields (tenant_id);

CREATE TABLE canned_folders (
    id        integer PRIMARY KEY AUTOINCREMENT,
    tenant_id integer NOT NULL,
    parent_id integer,
    name      text NOT NULL,
    CONSTRAINT fk_canned_folders_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_canned_folders_parent FOREIGN KEY (parent_id) REFERENCES canned_folders (id) ON DELETE CASCADE
);
CREATE INDEX idx_canned_folders_parent_id ON canned_folders (parent_id);
CREATE INDEX idx_canned_folders_tenant_id ON canned_folders (tenant_id);

CREATE TABLE canned_responses (
    id        integer PRIMARY KEY AUTOINCREMENT,
    tenant_id integer NOT NULL,
    folder_id integer,
    title     text NOT NULL,
    text      text,
    CONSTRAINT fk_canned_responses_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_canned_responses_folder FOREIGN KEY (folder_id) REFERENCES canned_folders (id) ON DELETE CASCADE
);
CREATE INDEX idx_canned_responses_folder_id ON canned_responses (folder_id);
CREATE INDEX idx_canned_responses_tenant_id ON canned_responses (tenant_id);

CREATE TABLE tenant_settings (
    tenant_id         integer,
    max_attachment_kb integer,
    allowed_types     text,
    restricted_types  text,
    max_chats_per_ip  integer,
    PRIMARY KEY (tenant_id),
    CONSTRAINT fk_tenant_settings_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE TABLE ip_blocks (
    id         integer PRIMARY KEY AUTOINCREMENT,
    tenant_id  integer NOT NULL,
    prefix     text NOT NULL,
    note       text,
    created_at datetime,
    CONSTRAINT fk_ip_blocks_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_ip_block ON ip_blocks (tenant_id, prefix);

CREATE TABLE files (
    id           text,
    tenant_id    integer NOT NULL,
    chat_id      text NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL,
    role         text NOT NULL,
    user_id      integer,
    data         blob NOT NULL,
    created_at   datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_files_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX idx_files_chat_id ON files (chat_id);
CREATE INDEX idx_files_tenant_id ON files (tenant_id);
