-- Into stage: the versions in force for $source at $as_of of the tasks named by held-back rows
-- ($ids) that the new snapshot's valid rows do not give. A row that could not be read keeps
-- its task as it was, never removes it.
insert into stage by name

with

source_snapshots as (
    select seq, as_of, snapshot_id
    from snapshots
    where source = $source and status = 'active' and as_of <= $as_of
),

in_force as (
    select seq from source_snapshots
    order by as_of desc, snapshot_id desc
    limit 1
),

versions as (
    select v.* exclude (source, from_seq, to_seq)
    from task_versions as v
    inner join in_force as f
        on v.from_seq <= f.seq and (v.to_seq is null or v.to_seq > f.seq)
    where v.source = $source
),

final as (
    select * from versions
    where list_contains($ids, task_id)
      and task_id not in (select task_id from stage)
)

select * from final
