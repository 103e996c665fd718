-- Per lead agency of the tasks in the latest state: its number of tasks, when a report on one of
-- its tasks was last saved (not undone) or its agency file last committed, and whether it
-- reported since $since (a round's opening; null: no round). A task led by several agencies
-- counts for each.
with

snapshots_in_force as (
    {snapshots_in_force}
),

tasks as (
    select v.source, v.task_id, unnest(v.lead_ids) as agency_id
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
),

reports as (
    select source, task_id, reported_at
    from task_reports
    where undone_at is null
),

by_report as (
    select t.agency_id, max(r.reported_at) as last_report_at, min(r.reported_at) filter (
        where $since is not null and r.reported_at >= $since
    ) as first_in_round
    from tasks as t
    inner join reports as r on r.source = t.source and r.task_id = t.task_id
    group by t.agency_id
),

agency_files as (
    select unnest(update_agencies) as agency_id, uploaded_at
    from snapshots
    where status = 'active' and kind = 'agency_update'
),

by_file as (
    select agency_id, max(uploaded_at) as last_file_at
    from agency_files
    group by agency_id
),

counted as (
    select agency_id, count(*) as n_tasks
    from tasks
    group by agency_id
),

final as (
    select
        c.agency_id,
        c.n_tasks,
        r.last_report_at,
        f.last_file_at,
        greatest(r.last_report_at, f.last_file_at) as last_activity_at,
        r.first_in_round is not null
            or ($since is not null and f.last_file_at >= $since) as reported_in_round
    from counted as c
    left join by_report as r on r.agency_id = c.agency_id
    left join by_file as f on f.agency_id = c.agency_id
)

select * from final
order by agency_id
