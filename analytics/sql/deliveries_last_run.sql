-- The messages of the last daily run that delivered (the Data page, ui/delivery_status.py):
-- the failures first, then the recipients skipped (no file), then those sent; by address.
with

last_run as (
    select max(run_id) as run_id
    from deliveries
)

select
    d.run_id,
    d.day,
    d.sent_at,
    d.email,
    d.kind,
    d.agency_id,
    d.files,
    d.outcome,
    d.tries,
    d.reason_code,
    d.reason,
    d.reason_vi
from deliveries as d
inner join last_run on last_run.run_id = d.run_id
order by
    case d.outcome when 'failed' then 0 when 'skipped' then 1 else 2 end,
    d.email,
    d.delivery_id
