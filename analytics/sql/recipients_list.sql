-- The recipients of the daily cycle's files (analytics/recipients.py list_recipients): the
-- active ones first, leaders before agencies, then by agency and address; $active_only: only
-- the active ones.
select
    recipient_id,
    email,
    name,
    kind,
    agency_id,
    active,
    created_at,
    created_by,
    updated_at,
    updated_by
from recipients
where active or not $active_only
order by active desc, kind = 'agency', agency_id nulls first, email, recipient_id
