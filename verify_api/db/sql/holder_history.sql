-- name: holder_events --
-- A holder's latest events, newest first: those of every credential they hold and their own `holder_changed`
-- (events_credential and events_holder_changed indexes), each with who acted (a staff account or an API key).
SELECT e.seq, e.occurred_at, e.kind, e.credential_id, e.data, s.email AS staff_email, c.name AS api_key_name
FROM (
    (SELECT ev.seq FROM events ev
     WHERE ev.credential_id IN (SELECT cr.id FROM credentials cr WHERE cr.holder_id = $1)
     ORDER BY ev.seq DESC LIMIT $2)
    UNION ALL
    (SELECT ev.seq FROM events ev
     WHERE ev.kind = 'holder_changed' AND ev.data ->> 'holder' = $1::text
     ORDER BY ev.seq DESC LIMIT $2)
    ORDER BY seq DESC
    LIMIT $2
) picked
JOIN events e ON e.seq = picked.seq
LEFT JOIN staff_accounts s ON s.id = e.actor
LEFT JOIN api_clients c ON c.id = e.actor
ORDER BY e.seq DESC
