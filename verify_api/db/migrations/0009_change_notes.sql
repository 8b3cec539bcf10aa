-- Change notifications for the per-process lookup caches (issue 10): every write that can change a public answer
-- sends `pg_notify('verify_api_changes', payload)` in the writing transaction itself, so listeners hear of it exactly
-- when it commits (and never of a rolled-back change). Triggers rather than calls in each command: no writer (a
-- command, the organisation rules, a CLI command, a hand-written UPDATE) can forget one.
--
-- Payloads (JSON): {"credential_id": id, "holder_id": ..., "organization_id": ...} for a register row inserted or
-- updated (the subject's ids let a cache drop the answers that read that subject's other credentials: prerequisite
-- notices, a CAI's staff count); {"organization_id": id} for a staff link or an organisation's assessment,
-- {"holder_id": id} for a person's; {"status_list_id": id} for a status list whose version moved; {"flush": true}
-- for a signing key's change (a compromise or retirement touches every credential it signed).
CREATE FUNCTION verify_api_notify_credential() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('verify_api_changes', json_build_object(
        'credential_id', NEW.id, 'holder_id', NEW.holder_id, 'organization_id', NEW.organization_id)::text);
    RETURN NULL;
END $$;

CREATE FUNCTION verify_api_notify_subject() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.organization_id IS NOT NULL THEN
        PERFORM pg_notify('verify_api_changes', json_build_object('organization_id', NEW.organization_id)::text);
    END IF;
    IF NEW.holder_id IS NOT NULL THEN
        PERFORM pg_notify('verify_api_changes', json_build_object('holder_id', NEW.holder_id)::text);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION verify_api_notify_status_list() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('verify_api_changes', json_build_object('status_list_id', NEW.id)::text);
    RETURN NULL;
END $$;

CREATE FUNCTION verify_api_notify_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('verify_api_changes', '{"flush": true}');
    RETURN NULL;
END $$;

CREATE TRIGGER credentials_notify AFTER INSERT OR UPDATE ON credentials
    FOR EACH ROW EXECUTE FUNCTION verify_api_notify_credential();
CREATE TRIGGER organization_staff_notify AFTER INSERT OR UPDATE ON organization_staff
    FOR EACH ROW EXECUTE FUNCTION verify_api_notify_subject();
CREATE TRIGGER assessments_notify AFTER INSERT OR UPDATE ON assessments
    FOR EACH ROW EXECUTE FUNCTION verify_api_notify_subject();
CREATE TRIGGER status_lists_notify AFTER UPDATE ON status_lists
    FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version) EXECUTE FUNCTION verify_api_notify_status_list();
CREATE TRIGGER signing_keys_notify AFTER UPDATE ON signing_keys
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION verify_api_notify_flush();
