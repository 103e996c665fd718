-- Every snapshot, oldest first (by date, then in the order stored).
with

stored as (
    select
        snapshot_id, source, as_of, kind, update_agencies, file_name, file_sha256, sheet,
        header_row, uploaded_at, uploaded_by, n_tasks, n_warnings, status, status_changed_at,
        status_changed_by
    from snapshots
),

final as (
    select * from stored
)

select * from final
order by as_of, snapshot_id
