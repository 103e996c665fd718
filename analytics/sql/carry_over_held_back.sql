-- Into stage: the versions in force for $source at $as_of ($sources is [$source]) of the tasks
-- named by held-back rows ($ids) that the new snapshot's valid rows do not give. A row that
-- could not be read keeps its task as it was, never removes it.
insert into stage by name

with

snapshots_in_force as (
    {snapshots_in_force}
),

versions as (
    select v.* exclude (source, from_seq, to_seq)
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
    where v.source = $source
),

final as (
    select * from versions
    where list_contains($ids, task_id)
      and task_id not in (select task_id from stage)
)

select * from final
