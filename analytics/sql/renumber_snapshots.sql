-- Number the snapshots of $source again in date order (seq 1, 2, ...; the same date: in the
-- order they were stored), after a back-dated snapshot was inserted before the latest one.
update snapshots
set seq = o.new_seq
from (
    select
        snapshot_id,
        row_number() over (order by as_of, snapshot_id) as new_seq
    from snapshots
    where source = $source
) as o
where snapshots.snapshot_id = o.snapshot_id
