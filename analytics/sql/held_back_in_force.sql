-- Per snapshot in force at $as_of (the latest active one of each source dated on or before
-- it, sql/snapshots_in_force.sql): how many rows of its file were held back, counting only the
-- rows the access scope may see ($scope: agency ids, null for every agency; a row whose lead
-- agency is unknown is seen by the unrestricted scope only).
with

snapshots_in_force as (
    {snapshots_in_force}
),

held_rows as (
    select distinct snapshot_id, sheet, row_no
    from held_back_rows
    where $scope is null or len(list_intersect(lead_ids, $scope)) > 0
),

final as (
    select s.snapshot_id, s.source, s.as_of, s.file_name, count(*) as n_rows
    from held_rows as h
    inner join snapshots_in_force as s using (snapshot_id)
    group by s.snapshot_id, s.source, s.as_of, s.file_name
)

select * from final
order by snapshot_id
