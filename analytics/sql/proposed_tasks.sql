-- The tasks of an agency update's file (the temp table stage) whose id is not in force for
-- $source at $as_of ($sources is [$source]): new tasks an agency's file sends are proposals the
-- steering office accepts or declines (task_proposals), never written to the snapshot.
-- $accepted: ids of accepted proposals, which join the list.
with

snapshots_in_force as (
    {snapshots_in_force}
),

listed as (
    select distinct v.task_id
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
    where v.source = $source
),

staged as (
    select task_id from stage
),

final as (
    select staged.task_id
    from staged
    left join listed
        on staged.task_id = listed.task_id
    where listed.task_id is null
      and not list_contains($accepted, staged.task_id)
)

select * from final
order by task_id
