-- The warnings recorded with snapshots $ids (null: every snapshot), with the snapshot's
-- source, date and file, in snapshot and row order.
with

warnings as (
    select * from ingest_warnings
    where $ids is null or list_contains($ids, snapshot_id)
),

final as (
    select
        w.snapshot_id, s.source, s.as_of, s.file_name, w.row_no, w.col, w.value, w.code,
        w.message, w.message_vi
    from warnings as w
    inner join snapshots as s using (snapshot_id)
)

select * from final
order by snapshot_id, row_no
