-- A recipient's new values (analytics/recipients.py update_recipient, remove_recipient): every
-- field given in full, updated at $now by $by.
update recipients
set
    email = $email,
    name = $name,
    kind = $kind,
    agency_id = $agency_id,
    active = $active,
    updated_at = $now,
    updated_by = $by
where recipient_id = $recipient_id
