-- A Parley database as the store made it on PostgreSQL before migrations were versioned: the
-- schema of GORM's AutoMigrate and a few rows of every table, written through the store API
-- (the same rows as automigrate.sqlite.sql), then dumped with
-- `pg_dump --inserts --no-owner --no-privileges --no-comments` without SET lines and comments.
-- TestUpgradeFromAutoMigrate loads it and opens the store on it.

CREATE TABLE public.acd_groups (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    name text NOT NULL,
    strategy text NOT NULL
);

CREATE SEQUENCE public.acd_groups_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.acd_groups_id_seq OWNED BY public.acd_groups.id;

CREATE TABLE public.agent_statuses (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    name text NOT NULL,
    short text,
    font_color text,
    background_color text,
    allows_chat boolean,
    agent_settable boolean,
    sort bigint
);

CREATE SEQUENCE public.agent_statuses_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.agent_statuses_id_seq OWNED BY public.agent_statuses.id;

CREATE TABLE public.canned_folders (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    parent_id bigint,
    name text NOT NULL
);

CREATE SEQUENCE public.canned_folders_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.canned_folders_id_seq OWNED BY public.canned_folders.id;

CREATE TABLE public.canned_responses (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    folder_id bigint,
    title text NOT NULL,
    text text
);

CREATE SEQUENCE public.canned_responses_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.canned_responses_id_seq OWNED BY public.canned_responses.id;

CREATE TABLE public.chats (
    id text NOT NULL,
    tenant_id bigint NOT NULL,
    connector_id bigint NOT NULL,
    state text NOT NULL,
    visitor_name text,
    visitor_email text,
    visitor_email_key text,
    visitor_phone text,
    customer_id text,
    lang text,
    visitor_token_hash text,
    pdata text,
    udata text,
    fields text,
    page text,
    referrer text,
    user_agent text,
    ip text,
    agent_id bigint NOT NULL,
    last_seq bigint NOT NULL,
    created_at timestamp with time zone,
    accepted_at timestamp with time zone,
    first_reply_at timestamp with time zone,
    closed_at timestamp with time zone,
    close_cause text
);

CREATE TABLE public.connectors (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    hash text NOT NULL,
    name text NOT NULL,
    title text,
    group_id bigint,
    max_chats_all bigint,
    priority bigint,
    connect_wait_sec bigint,
    answer_time_sec bigint,
    free_agent_search_sec bigint,
    skills text,
    ignore_skills_after_sec bigint,
    ignore_skills_if_none_skilled boolean,
    allowed_origins text,
    texts text,
    out_of_service boolean,
    opening_hours text,
    toolbox text,
    reconnect_window_sec bigint,
    waiting1_sec bigint,
    waiting2_sec bigint,
    waiting_final_sec bigint,
    whatsapp_enabled boolean,
    whatsapp_api_key text,
    whatsapp_number text,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE public.connectors_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.connectors_id_seq OWNED BY public.connectors.id;

CREATE TABLE public.events (
    chat_id text NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    data text,
    at timestamp with time zone
);

CREATE TABLE public.files (
    id character varying(32) NOT NULL,
    tenant_id bigint NOT NULL,
    chat_id character varying(64) NOT NULL,
    name text NOT NULL,
    content_type text NOT NULL,
    size bigint NOT NULL,
    role text NOT NULL,
    user_id bigint,
    data bytea NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.ip_blocks (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    prefix text NOT NULL,
    note text,
    created_at timestamp with time zone
);

CREATE SEQUENCE public.ip_blocks_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.ip_blocks_id_seq OWNED BY public.ip_blocks.id;

CREATE TABLE public.messages (
    chat_id text NOT NULL,
    seq bigint NOT NULL,
    role text NOT NULL,
    user_id bigint NOT NULL,
    name text,
    text text,
    client_id text NOT NULL,
    at timestamp with time zone
);

CREATE TABLE public.participants (
    id bigint NOT NULL,
    chat_id text NOT NULL,
    role text NOT NULL,
    user_id bigint,
    name text,
    joined_at timestamp with time zone,
    left_at timestamp with time zone
);

CREATE SEQUENCE public.participants_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.participants_id_seq OWNED BY public.participants.id;

CREATE TABLE public.sessions (
    token_hash text NOT NULL,
    user_id bigint NOT NULL,
    created_at timestamp with time zone,
    expires_at timestamp with time zone NOT NULL
);

CREATE TABLE public.survey_fields (
    id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    connector_id bigint NOT NULL,
    kind text NOT NULL,
    field_name text NOT NULL,
    sort bigint,
    field_type text NOT NULL,
    prompt text,
    required boolean,
    length bigint,
    multi_line boolean,
    lines bigint,
    password boolean,
    change_case bigint,
    mask text,
    default_value text,
    default_date_today boolean,
    default_time_today boolean,
    select_type text,
    select_options text,
    validate_low bigint,
    validate_high bigint
);

CREATE SEQUENCE public.survey_fields_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.survey_fields_id_seq OWNED BY public.survey_fields.id;

CREATE TABLE public.tenant_settings (
    tenant_id bigint NOT NULL,
    max_attachment_kb bigint,
    allowed_types text,
    restricted_types text,
    max_chats_per_ip bigint
);

CREATE TABLE public.tenants (
    id bigint NOT NULL,
    name text NOT NULL,
    time_zone text NOT NULL,
    default_lang text NOT NULL,
    created_at timestamp with time zone
);

CREATE SEQUENCE public.tenants_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.tenants_id_seq OWNED BY public.tenants.id;

CREATE TABLE public.user_groups (
    user_id bigint NOT NULL,
    group_id bigint NOT NULL
);

CREATE TABLE public.users (
    id bigint NOT NULL,
    tenant_id bigint,
    login text NOT NULL,
    name text,
    nickname text,
    email text,
    role text NOT NULL,
    password_hash text,
    max_chats bigint,
    missed_limit bigint,
    missed_status_id bigint,
    lang text,
    active boolean,
    status_id bigint,
    skills text,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE SEQUENCE public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;

ALTER TABLE ONLY public.acd_groups ALTER COLUMN id SET DEFAULT nextval('public.acd_groups_id_seq'::regclass);

ALTER TABLE ONLY public.agent_statuses ALTER COLUMN id SET DEFAULT nextval('public.agent_statuses_id_seq'::regclass);

ALTER TABLE ONLY public.canned_folders ALTER COLUMN id SET DEFAULT nextval('public.canned_folders_id_seq'::regclass);

ALTER TABLE ONLY public.canned_responses ALTER COLUMN id SET DEFAULT nextval('public.canned_responses_id_seq'::regclass);

ALTER TABLE ONLY public.connectors ALTER COLUMN id SET DEFAULT nextval('public.connectors_id_seq'::regclass);

ALTER TABLE ONLY public.ip_blocks ALTER COLUMN id SET DEFAULT nextval('public.ip_blocks_id_seq'::regclass);

ALTER TABLE ONLY public.participants ALTER COLUMN id SET DEFAULT nextval('public.participants_id_seq'::regclass);

ALTER TABLE ONLY public.survey_fields ALTER COLUMN id SET DEFAULT nextval('public.survey_fields_id_seq'::regclass);

ALTER TABLE ONLY public.tenants ALTER COLUMN id SET DEFAULT nextval('public.tenants_id_seq'::regclass);

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

INSERT INTO public.acd_groups VALUES (1, 1, 'Support', 'longest_idle');

INSERT INTO public.agent_statuses VALUES (1, 1, 'Available', 'AV', '', '', true, true, 0);

INSERT INTO public.canned_folders VALUES (1, 1, NULL, 'Greetings');

INSERT INTO public.canned_responses VALUES (1, 1, 1, 'Hi', 'Hallo, wie kann ich helfen?');

INSERT INTO public.chats VALUES ('legacyChat0000000001', 1, 1, 'active', 'Vera Visitor', 'Vera@Example.com', 'vera@example.com', '', '', 'de', '', '{"order":"A-17"}', '', '', '', '', '', '', 1, 4, '2026-03-02 09:30:00.123456+00', NULL, NULL, NULL, '');

INSERT INTO public.connectors VALUES (1, 1, 'UbyzQ1uwloONRXwk', 'Website', '', 1, 0, 0, 30, 120, 300, '', 0, false, '["https://shop.example"]', '{"welcomeMessage":"Hallo!"}', false, '', '', 60, 0, 0, 0, false, '', '', '2026-12-05 00:47:34.922528+00', '2026-12-05 00:47:34.922528+00');

INSERT INTO public.events VALUES ('legacyChat0000000001', 1, 'state', '{"state":"queued"}', '2026-03-02 09:30:00.123456+00');
INSERT INTO public.events VALUES ('legacyChat0000000001', 2, 'join', '{"name":"Anna Agent"}', '2026-03-02 09:30:01.123456+00');
INSERT INTO public.events VALUES ('legacyChat0000000001', 3, 'message', '{"text":"Hallo, ich habe eine Frage."}', '2026-03-02 09:30:02.123456+00');
INSERT INTO public.events VALUES ('legacyChat0000000001', 4, 'message', '{"text":"Gern, worum geht''s?"}', '2026-03-02 09:30:03.123456+00');

INSERT INTO public.files VALUES ('BKuHevJvhUo1AbWQYF7lXg', 1, 'legacyChat0000000001', 'note.txt', 'text/plain', 5, 'visitor', 0, '\x68656c6c6f', '2026-12-05 00:47:34.941852+00');

INSERT INTO public.ip_blocks VALUES (1, 1, '203.0.113.0/24', 'spam', '2026-12-05 00:47:34.940844+00');

INSERT INTO public.messages VALUES ('legacyChat0000000001', 3, 'visitor', 0, 'Vera Visitor', 'Hallo, ich habe eine Frage.', 'v-1', '2026-03-02 09:30:02.123456+00');
INSERT INTO public.messages VALUES ('legacyChat0000000001', 4, 'agent', 1, 'Anna Agent', 'Gern, worum geht''s?', 'a-1', '2026-03-02 09:30:03.123456+00');

INSERT INTO public.participants VALUES (1, 'legacyChat0000000001', 'visitor', 0, 'Vera Visitor', '2026-03-02 09:30:00.123456+00', NULL);
INSERT INTO public.participants VALUES (2, 'legacyChat0000000001', 'agent', 1, 'Anna Agent', '2026-03-02 09:30:01.123456+00', NULL);

INSERT INTO public.sessions VALUES ('692b9e5e859596231dcfb78796f7246284ad6ef814da1adda25c707ff71f8212', 1, '2026-12-05 00:47:34.94288+00', '2026-12-05 01:47:34.94288+00');

INSERT INTO public.survey_fields VALUES (1, 1, 1, 'pre', 'order', 0, 'text', 'Order number', false, 20, false, 0, false, 0, '', '', false, false, 'select', '', -1, -1);

INSERT INTO public.tenant_settings VALUES (1, 5120, '', '["exe","bat","cmd","com","vbs"]', 0);

INSERT INTO public.tenants VALUES (1, 'Legacy Ltd', 'Europe/Berlin', 'de', '2026-12-05 00:47:34.919607+00');

INSERT INTO public.user_groups VALUES (1, 1);

INSERT INTO public.users VALUES (1, 1, 'anna', 'Anna Agent', '', '', 'agent', 'x', 3, 0, 0, '', true, 1, '{"de":5}', '2026-12-05 00:47:34.92412+00', '2026-12-05 00:47:34.927355+00');

SELECT pg_catalog.setval('public.acd_groups_id_seq', 1, true);

SELECT pg_catalog.setval('public.agent_statuses_id_seq', 1, true);

SELECT pg_catalog.setval('public.canned_folders_id_seq', 1, true);

SELECT pg_catalog.setval('public.canned_responses_id_seq', 1, true);

SELECT pg_catalog.setval('public.connectors_id_seq', 1, true);

SELECT pg_catalog.setval('public.ip_blocks_id_seq', 1, true);

SELECT pg_catalog.setval('public.participants_id_seq', 2, true);

SELECT pg_catalog.setval('public.survey_fields_id_seq', 1, true);

SELECT pg_catalog.setval('public.tenants_id_seq', 1, true);

SELECT pg_catalog.setval('public.users_id_seq', 1, true);

ALTER TABLE ONLY public.acd_groups
    ADD CONSTRAINT acd_groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.agent_statuses
    ADD CONSTRAINT agent_statuses_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.canned_folders
    ADD CONSTRAINT canned_folders_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.canned_responses
    ADD CONSTRAINT canned_responses_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT chats_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.connectors
    ADD CONSTRAINT connectors_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (chat_id, seq);

ALTER TABLE ONLY public.files
    ADD CONSTRAINT files_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ip_blocks
    ADD CONSTRAINT ip_blocks_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT messages_pkey PRIMARY KEY (chat_id, seq);

ALTER TABLE ONLY public.participants
    ADD CONSTRAINT participants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY public.survey_fields
    ADD CONSTRAINT survey_fields_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.tenant_settings
    ADD CONSTRAINT tenant_settings_pkey PRIMARY KEY (tenant_id);

ALTER TABLE ONLY public.tenants
    ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.user_groups
    ADD CONSTRAINT user_groups_pkey PRIMARY KEY (user_id, group_id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX idx_acd_groups_tenant_id ON public.acd_groups USING btree (tenant_id);

CREATE INDEX idx_agent_statuses_tenant_id ON public.agent_statuses USING btree (tenant_id);

CREATE INDEX idx_canned_folders_parent_id ON public.canned_folders USING btree (parent_id);

CREATE INDEX idx_canned_folders_tenant_id ON public.canned_folders USING btree (tenant_id);

CREATE INDEX idx_canned_responses_folder_id ON public.canned_responses USING btree (folder_id);

CREATE INDEX idx_canned_responses_tenant_id ON public.canned_responses USING btree (tenant_id);

CREATE INDEX idx_chats_connector_id ON public.chats USING btree (connector_id);

CREATE INDEX idx_connectors_group_id ON public.connectors USING btree (group_id);

CREATE UNIQUE INDEX idx_connectors_hash ON public.connectors USING btree (hash);

CREATE INDEX idx_connectors_tenant_id ON public.connectors USING btree (tenant_id);

CREATE INDEX idx_files_chat_id ON public.files USING btree (chat_id);

CREATE INDEX idx_files_tenant_id ON public.files USING btree (tenant_id);

CREATE INDEX idx_participants_chat_id ON public.participants USING btree (chat_id);

CREATE INDEX idx_sessions_expires_at ON public.sessions USING btree (expires_at);

CREATE INDEX idx_sessions_user_id ON public.sessions USING btree (user_id);

CREATE INDEX idx_survey_fields_tenant_id ON public.survey_fields USING btree (tenant_id);

CREATE INDEX idx_user_groups_group_id ON public.user_groups USING btree (group_id);

CREATE UNIQUE INDEX idx_users_login ON public.users USING btree (login);

CREATE INDEX idx_users_status_id ON public.users USING btree (status_id);

CREATE INDEX idx_users_tenant_id ON public.users USING btree (tenant_id);

CREATE INDEX ix_chats_agent_state ON public.chats USING btree (agent_id, state);

CREATE INDEX ix_chats_tenant_customer ON public.chats USING btree (tenant_id, customer_id);

CREATE INDEX ix_chats_tenant_email ON public.chats USING btree (tenant_id, visitor_email_key);

CREATE INDEX ix_chats_tenant_state ON public.chats USING btree (tenant_id, state);

CREATE UNIQUE INDEX ux_ip_block ON public.ip_blocks USING btree (tenant_id, prefix);

CREATE UNIQUE INDEX ux_messages_client ON public.messages USING btree (chat_id, role, user_id, client_id) WHERE (client_id <> ''::text);

CREATE UNIQUE INDEX ux_survey_field_name ON public.survey_fields USING btree (connector_id, kind, field_name);

ALTER TABLE ONLY public.acd_groups
    ADD CONSTRAINT fk_acd_groups_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.agent_statuses
    ADD CONSTRAINT fk_agent_statuses_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.canned_folders
    ADD CONSTRAINT fk_canned_folders_parent FOREIGN KEY (parent_id) REFERENCES public.canned_folders(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.canned_folders
    ADD CONSTRAINT fk_canned_folders_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.canned_responses
    ADD CONSTRAINT fk_canned_responses_folder FOREIGN KEY (folder_id) REFERENCES public.canned_folders(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.canned_responses
    ADD CONSTRAINT fk_canned_responses_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.chats
    ADD CONSTRAINT fk_chats_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.connectors
    ADD CONSTRAINT fk_connectors_group FOREIGN KEY (group_id) REFERENCES public.acd_groups(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.connectors
    ADD CONSTRAINT fk_connectors_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.events
    ADD CONSTRAINT fk_events_chat FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.files
    ADD CONSTRAINT fk_files_chat FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.ip_blocks
    ADD CONSTRAINT fk_ip_blocks_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT fk_messages_chat FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.participants
    ADD CONSTRAINT fk_participants_chat FOREIGN KEY (chat_id) REFERENCES public.chats(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.survey_fields
    ADD CONSTRAINT fk_survey_fields_connector FOREIGN KEY (connector_id) REFERENCES public.connectors(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.survey_fields
    ADD CONSTRAINT fk_survey_fields_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.tenant_settings
    ADD CONSTRAINT fk_tenant_settings_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.user_groups
    ADD CONSTRAINT fk_user_groups_group FOREIGN KEY (group_id) REFERENCES public.acd_groups(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.user_groups
    ADD CONSTRAINT fk_user_groups_user FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.users
    ADD CONSTRAINT fk_users_status FOREIGN KEY (status_id) REFERENCES public.agent_statuses(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.users
    ADD CONSTRAINT fk_users_tenant FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

