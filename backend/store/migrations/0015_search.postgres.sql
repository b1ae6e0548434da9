-- Full-text search over messages: each message carries its text as a tsvector made with the
-- text search configuration of its chat's language (the tenant's default language when the
-- chat names none): english, german, french, or simple for any other. A trigger fills it on
-- insert and on a change of the text; a GIN index serves the search.
CREATE FUNCTION parley_search_config(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE AS $$ SELECT CASE lower(split_part(coalesce(lang, ''), '-', 1)) WHEN 'en' THEN 'english'::regconfig WHEN 'de' THEN 'german'::regconfig WHEN 'fr' THEN 'french'::regconfig ELSE 'simple'::regconfig END $$;
ALTER TABLE messages ADD COLUMN search tsvector;
CREATE FUNCTION parley_messages_search() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.search := to_tsvector(parley_search_config((SELECT coalesce(nullif(c.lang, ''), t.default_lang) FROM chats c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = NEW.chat_id)), coalesce(NEW.text, '')); RETURN NEW; END $$;
CREATE TRIGGER messages_search BEFORE INSERT OR UPDATE OF text ON messages FOR EACH ROW EXECUTE FUNCTION parley_messages_search();
-- The messages written before this step.
UPDATE messages m SET search = to_tsvector(parley_search_config(coalesce(nullif(c.lang, ''), t.default_lang)), coalesce(m.text, '')) FROM chats c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = m.chat_id;
CREATE INDEX ix_messages_search ON messages USING gin (search);
-- A word most messages contain is found faster by reading messages newest first and keeping
-- the matching ones than by sorting every match; the planner picks whichever is cheaper.
CREATE INDEX ix_messages_at ON messages (at, chat_id, seq);
-- The archive lists a tenant's chats newest first, a page at a time from the last one shown.
CREATE INDEX ix_chats_tenant_created ON chats (tenant_id, created_at, id);
