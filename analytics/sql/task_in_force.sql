-- A task (by id, in one source or any) in the latest state of every source: its source, title,
-- lead agencies, and deadline and completion as its files and the steering office's decisions
-- give them (sql/task_decisions.sql, sql/decided_columns.sql). Parameters: $task_id, $source
-- (null: any source).
with

snapshots_in_force as (
    select snapshot_id, source, as_of, seq
    from snapshots
    where status = 'active'
      and ($source is null or source = $source)
    qualify row_number() over (partition by source order by as_of desc, snapshot_id desc) = 1
),

decisions as (
    {task_decisions}
),

in_force as (
    select v.*
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
    where v.task_id = $task_id
),

final as (
    select
        v.source,
        v.task_id,
        v.title,
        v.lead_ids,
        v.deadline as deadline_original,
        coalesce(d.adjusted_deadline, v.deadline) as deadline,
        case when d.cancelled_at is not null then 'cancelled' else v.status_class end
            as status_class,
        coalesce(v.completion_date, d.confirmed_on) as completion_date,
        d.confirmed_on,
        d.cancelled_at
    from in_force as v
    left join decisions as d
        on d.source = v.source and d.task_id = v.task_id
)

select * from final
order by source
