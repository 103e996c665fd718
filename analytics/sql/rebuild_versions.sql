-- Recompute the validity ranges of one source's task versions after a snapshot was inserted
-- before the source's latest one (a back-dated file). Reads: task_versions, snapshots (with the
-- new snapshot already inserted, seq null) and the temp table stage (the new snapshot's tasks).
-- Writes the temp table rebuilt_versions with the same columns as task_versions: every content
-- column (the task attributes too) is carried by name, so a column added there needs nothing here.
create or replace temp table rebuilt_versions as

with

new_order as (
    select
        snapshot_id,
        seq as old_seq,
        row_number() over (order by as_of, snapshot_id) as new_seq
    from snapshots
    where source = $source
),

source_versions as (
    select * from task_versions where source = $source
),

membership as (
    select o.new_seq as seq, v.task_id, v.content_hash
    from source_versions as v
    inner join new_order as o
        on o.old_seq is not null
        and v.from_seq <= o.old_seq
        and (v.to_seq is null or v.to_seq > o.old_seq)
    union all
    select o.new_seq as seq, s.task_id, s.content_hash
    from stage as s
    inner join new_order as o on o.snapshot_id = $snapshot_id
),

islands as (
    select
        task_id,
        content_hash,
        min(seq) as from_seq,
        max(seq) + 1 as to_seq_raw
    from (
        select
            *,
            seq - row_number() over (partition by task_id, content_hash order by seq) as island
        from membership
    )
    group by task_id, content_hash, island
),

contents as (
    select * exclude (rn)
    from (
        select
            *,
            row_number() over (
                partition by task_id, content_hash order by origin_snapshot
            ) as rn
        from (
            select * exclude (source, from_seq, to_seq) from source_versions
            union all by name
            select * from stage
        )
    )
    where rn = 1
),

final as (
    select
        $source as source,
        i.task_id,
        i.from_seq,
        case when i.to_seq_raw > (select max(new_seq) from new_order) then null
            else i.to_seq_raw end as to_seq,
        i.content_hash,
        c.* exclude (task_id, content_hash)
    from islands as i
    inner join contents as c using (task_id, content_hash)
)

select * from final
