-- Into task_rows: where each task of the new snapshot $snapshot_id (the temp table stage) was
-- read. A task its file gave (origin_snapshot is the new snapshot) was read there; a task
-- carried over (an agency update's other tasks, a held-back row's previous version) keeps
-- where it was read in $base, the source's snapshot in force before this one (null: none),
-- else its version's origin (a snapshot made before task_rows existed).
insert into task_rows by name

with

base_rows as (
    select task_id, file_snapshot, sheet, row_no
    from task_rows
    where snapshot_id = $base
),

final as (
    select
        $snapshot_id as snapshot_id,
        s.task_id,
        case when s.origin_snapshot = $snapshot_id then $snapshot_id
            else coalesce(b.file_snapshot, s.origin_snapshot) end as file_snapshot,
        case when s.origin_snapshot = $snapshot_id or b.task_id is null then s.origin_sheet
            else b.sheet end as sheet,
        case when s.origin_snapshot = $snapshot_id or b.task_id is null then s.origin_row
            else b.row_no end as row_no
    from stage as s
    left join base_rows as b on b.task_id = s.task_id
)

select * from final
