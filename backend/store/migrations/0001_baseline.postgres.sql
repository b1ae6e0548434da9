-- Migration 1 on PostgreSQL: the schema as GORM's AutoMigrate created it before migrations
-- were versioned. Integer keys are bigserial (sequence <table>_id_seq), times timestamptz.

CREATE TABLE tenants (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    time_zone    text NOT NULL,
    default_lang text NOT NULL,
    created_at   timestamptz
);

CREATE TABLE acd_groups (
    id        bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL,
    name      text NOT NULL,
    strategy  text NOT NULL,
    CONSTRAINT fk_acd_groups_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idx_acd_groups_tenant_id ON acd_groups (tenant_id);

CREATE TABLE agent_statuses (
    id               bigserial PRIMARY KEY,
    tenant_id        bigint NOT NULL,
    name             text NOT NULL,
    short            text,
    font_color       text,
    background_color text,
    allows_chat      boolean,
    agent_settable   boolean,
    sort             bigint,
    CONSTRAINT fk_agent_statuses_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idx_agent_statuses_tenant_id ON agent_statuses (tenant_id);

CREATE TABLE connectors (
    id                            bigserial PRIMARY KEY,
    tenant_id                     bigint NOT NULL,
    hash                          text NOT NULL,
    name                          text NOT NULL,
    title                         text,
    group_id                      bigint,
    max_chats_all                 bigint,
    priority                      bigint,
    connect_wait_sec              bigint,
    answer_time_sec               bigint,
    free_agent_search_sec         bigint,
    skills                        text,
    ignore_skills_after_sec       bigint,
    ignore_skills_if_none_skilled boolean,
    allowed_origins               text,
    texts                         text,
    out_of_service                boolean,
    opening_hours                 text,
    toolbox                       text,
    reconnect_window_sec          bigint,
    waiting1_sec                  bigint,
    waiting2_sec                  bigint,
    waiting_final_sec             bigint,
    whatsapp_enabled              boolean,
    whatsapp_api_key              text,
    whatsapp_number               text,
    created_at                    timestamptz,
    updated_at                    timestamptz,
    CONSTRAINT fk_connectors_group FOREIGN KEY (group_id) REFERENCES acd_groups (id) ON DELETE SET NULL,
    CONSTRAINT fk_connectors_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX idx_connectors_group_id ON connectors (group_id);
CREATE UNIQUE INDEX idx_connectors_hash ON connectors (hash);
CREATE INDEX idx_connectors_tenant_id ON connectors (tenant_id);

CREATE TABLE users (
    id               bigserial PRIMARY KEY,
    tenant_id        bigint,
    login            text NOT NULL,
    name             text,
    nickname         text,
    email            text,
    role             text NOT NULL,
    password_hash    text,
    max_chats        bigint,
    missed_limit     bigint,
    missed_status_id bigint,
    lang             text,
    active           boolean,
    status_id        bigint,
    skills           text,
    created_at       timestamptz,
    updated_at       timestamptz,
    CONSTRAINT fk_users_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_users_status FOREIGN KEY (status_id) REFERENCES agent_statuses (id) ON DELETE SET NULL
);
CREATE INDEX idx_users_status_id ON users (status_id);
CREATE UNIQUE INDEX idx_users_login ON users (login);
CREATE INDEX idx_users_tenant_id ON users (tenant_id);

CREATE TABLE user_groups (
    user_id  bigint,
    group_id bigint,
    PRIMARY KEY (user_id, group_id),
    CONSTRAINT fk_user_groups_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_groups_group FOREIGN KEY (group_id) REFERENCES acd_groups (id) ON DELETE CASCADE
);
CREATE INDEX idx_user_groups_group_id ON user_groups (group_id);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id    bigint NOT NULL,
    created_at timestamptz,
    expires_at timestamptz NOT NULL,
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);

CREATE TABLE chats (
    id                 text PRIMARY KEY,
    tenant_id          bigint NOT NULL,
    connector_id       bigint NOT NULL,
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
    agent_id           bigint NOT NULL,
    last_seq           bigint NOT NULL,
    created_at         timestamptz,
    accepted_at        timestamptz,
    first_reply_at     timestamptz,
    closed_at          timestamptz,
    close_cause        text,
    CONSTRAINT fk_chats_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX ix_chats_agent_state ON chats (agent_id, state);
CREATE INDEX idx_chats_connector_id ON chats (connector_id);
CREATE INDEX ix_chats_tenant_customer ON chats (tenant_id, customer_id);
CREATE INDEX ix_chats_tenant_email ON chats (tenant_id, visitor_email_key);
CREATE INDEX ix_chats_tenant_state ON chats (tenant_id, state);

CREATE TABLE participants (
    id        bigserial PRIMARY KEY,
    chat_id   text NOT NULL,
    role      text NOT NULL,
    user_id   bigint,
    name      text,
    joined_at timestamptz,
    left_at   timestamptz,
    CONSTRAINT fk_participants_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX idx_participants_chat_id ON participants (chat_id);

CREATE TABLE messages (
    chat_id   text,
    seq       bigint,
    role      text NOT NULL,
    user_id   bigint NOT NULL,
    name      text,
    text      text,
    client_id text NOT NULL,
    at        timestamptz,
    PRIMARY KEY (chat_id, seq),
    CONSTRAINT fk_messages_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
-- A client command id counts once per sender and chat.
CREATE UNIQUE INDEX ux_messages_client ON messages (chat_id, role, user_id, client_id) WHERE client_id <> '';

CREATE TABLE events (
    chat_id text,
    seq     bigint,
    type    text NOT NULL,
    data    text,
    at      timestamptz,
    PRIMARY KEY (chat_id, seq),
    CONSTRAINT fk_events_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);

CREATE TABLE survey_fields (
    id                 bigserial PRIMARY KEY,
    tenant_id          bigint NOT NULL,
    connector_id       bigint NOT NULL,
    kind               text NOT NULL,
    field_name         text NOT NULL,
    sort               bigint,
    field_type         text NOT NULL,
    prompt             text,
    required           boolean,
    length             bigint,
    multi_line         boolean,
    lines              bigint,
    password           boolean,
    change_case        bigint,
    mask               text,
    default_value      text,
    default_date_today boolean,
    default_time_today boolean,
    select_type        text,
    select_options     text,
    validate_low       bigint,
    validate_high      bigint,
    CONSTRAINT fk_survey_fields_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_survey_fields_connector FOREIGN KEY (connector_id) REFERENCES connectors (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_survey_field_name ON survey_fields (connector_id, kind, field_name);
CREATE INDEX idx_survey_fields_tenant_id ON survey_fields (tenant_id);

CREATE TABLE canned_folders (
    id        bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL,
    parent_id bigint,
    name      text NOT NULL,
    CONSTRAINT fk_canned_folders_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_canned_folders_parent FOREIGN KEY (parent_id) REFERENCES canned_folders (id) ON DELETE CASCADE
);
CREATE INDEX idx_canned_folders_parent_id ON canned_folders (parent_id);
CREATE INDEX idx_canned_folders_tenant_id ON canned_folders (tenant_id);

CREATE TABLE canned_responses (
    id        bigserial PRIMARY KEY,
    tenant_id bigint NOT NULL,
    folder_id bigint,
    title     text NOT NULL,
    text      text,
    CONSTRAINT fk_canned_responses_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT fk_canned_responses_folder FOREIGN KEY (folder_id) REFERENCES canned_folders (id) ON DELETE CASCADE
);
CREATE INDEX idx_canned_responses_folder_id ON canned_responses (folder_id);
CREATE INDEX idx_canned_responses_tenant_id ON canned_responses (tenant_id);

CREATE TABLE tenant_settings (
    tenant_id         bigint PRIMARY KEY,
    max_attachment_kb bigint,
    allowed_types     text,
    restricted_types  text,
    max_chats_per_ip  bigint,
    CONSTRAINT fk_tenant_settings_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE TABLE ip_blocks (
    id         bigserial PRIMARY KEY,
    tenant_id  bigint NOT NULL,
    prefix     text NOT NULL,
    note       text,
    created_at timestamptz,
    CONSTRAINT fk_ip_blocks_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_ip_block ON ip_blocks (tenant_id, prefix);

CREATE TABLE files (
    id           varchar(32) PRIMARY KEY,
    tenant_id    bigint NOT NULL,
    chat_id      varchar(64) NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    role         text NOT NULL,
    user_id      bigint,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    CONSTRAINT fk_files_chat FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE
);
CREATE INDEX idx_files_chat_id ON files (chat_id);
CREATE INDEX idx_files_tenant_id ON files (tenant_id);
