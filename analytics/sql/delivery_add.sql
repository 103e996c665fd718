-- One message of a daily run (analytics/delivery.py record), numbered after the last.
insert into deliveries
select
    coalesce((select max(delivery_id) from deliveries), 0) + 1 as delivery_id,
    $run_id as run_id,
    $day as day,
    $sent_at as sent_at,
    $recipient_id as recipient_id,
    $email as email,
    $kind as kind,
    $agency_id as agency_id,
    $files as files,
    $outcome as outcome,
    $tries as tries,
    $reason_code as reason_code,
    $reason as reason,
    $reason_vi as reason_vi
