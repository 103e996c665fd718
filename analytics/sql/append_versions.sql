-- Into task_versions: the new snapshot's tasks (the temp table stage) that do not continue an
-- open version of $source with the same content, opened at sequence number $seq. The fast
-- path of a snapshot that is its source's latest: only open versions can continue.
insert into task_versions by name

with

open_versions as (
    select task_id, content_hash
    from task_versions
    where source = $source and to_seq is null
),

final as (
    select $source as source, s.*, $seq as from_seq, null::integer as to_seq
    from stage as s
    where not exists (
        select 1 from open_versions as v
        where v.task_id = s.task_id and v.content_hash = s.content_hash
    )
)

select * from final
