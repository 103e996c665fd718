-- A new recipient of the daily cycle's files (analytics/recipients.py add_recipient), active,
-- numbered after the last; created and updated at $now by $by.
insert into recipients
select
    coalesce((select max(recipient_id) from recipients), 0) + 1 as recipient_id,
    $email as email,
    $name as name,
    $kind as kind,
    $agency_id as agency_id,
    true as active,
    $now as created_at,
    $by as created_by,
    $now as updated_at,
    $by as updated_by
returning recipient_id
