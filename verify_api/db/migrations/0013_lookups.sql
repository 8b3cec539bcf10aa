-- Status lists served from memory (issue 10): a register row's note also names the status lists its bits live in,
-- so a process holding a list drops it when any of its bits may have flipped, however the row was written (a
-- command bumps the list's version too, which 0009 notes; a hand-written UPDATE of a status does not). The same
-- payload as 0009's plus `revocation_list` and `suspension_list` (null for a credential without slots).
CREATE OR REPLACE FUNCTION verify_api_notify_credential() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('verify_api_changes', json_build_object(
        'credential_id', NEW.id, 'holder_id', NEW.holder_id, 'organization_id', NEW.organization_id,
        'revocation_list', NEW.revocation_list, 'suspension_list', NEW.suspension_list)::text);
    RETURN NULL;
END $$;
