-- The held-back rows of snapshots $ids (null: all), one line per error, as the access scope
-- may see them ($scope as in held_back_in_force.sql).
with

held as (
    select *
    from held_back_rows
    where ($ids is null or list_contains($ids, snapshot_id))
      and ($scope is null or len(list_intersect(lead_ids, $scope)) > 0)
),

final as (
    select
        h.snapshot_id, s.source, s.as_of, s.file_name, h.sheet, h.row_no, h.col, h.value,
        h.code, h.message, h.message_vi, h.task_id, h.kept_previous
    from held as h
    inner join snapshots as s using (snapshot_id)
)

select * from final
order by snapshot_id, sheet, row_no
