-- Each connected source's freshness (the Data page, the briefing, `daily`): its last
-- successful pull (a payload that came: a new snapshot, or the same bytes as stored), its last
-- failure and why, and the date of the data its newest pulled snapshot holds.
with pulls as (
    select
        source_name,
        pull_id,
        finished_at,
        status,
        snapshot_id,
        errors,
        detail,
        -- data came (stored, or the same as stored); an empty folder brings none
        status in ('new_snapshot', 'unchanged') and content_hash is not null as succeeded
    from source_pulls
),

last_success as (
    select
        source_name,
        max(finished_at) as last_success_at,
        arg_max(status, pull_id) as last_success_status
    from pulls
    where succeeded
    group by source_name
),

last_failure as (
    select
        source_name,
        max(finished_at) as last_failure_at,
        arg_max(status, pull_id) as last_failure_status,
        arg_max(errors, pull_id) as last_failure_errors
    from pulls
    where not succeeded
    group by source_name
),

last_snapshot as (
    select
        pulls.source_name,
        arg_max(snapshots.snapshot_id, pulls.pull_id) as snapshot_id,
        arg_max(snapshots.as_of, pulls.pull_id) as data_as_of
    from pulls
    inner join snapshots on snapshots.snapshot_id = pulls.snapshot_id
    where pulls.succeeded and snapshots.status = 'active'
    group by pulls.source_name
),

last_pull as (
    select
        source_name,
        arg_max(status, pull_id) as last_status,
        arg_max(detail, pull_id) as last_detail
    from pulls
    group by source_name
)

select
    last_pull.source_name,
    last_pull.last_status,
    last_pull.last_detail,
    last_success.last_success_at,
    last_success.last_success_status,
    last_failure.last_failure_at,
    last_failure.last_failure_status,
    last_failure.last_failure_errors,
    last_snapshot.snapshot_id,
    last_snapshot.data_as_of
from last_pull
left join last_success on last_success.source_name = last_pull.source_name
left join last_failure on last_failure.source_name = last_pull.source_name
left join last_snapshot on last_snapshot.source_name = last_pull.source_name
order by last_pull.source_name
