-- A source's last successful pull that brought data (a new snapshot, or the same bytes as
-- stored) whose snapshot is still active: its content hash (the same payload again needs no
-- new snapshot), its snapshot, the snapshot's task count and date.
select
    pulls.content_hash,
    pulls.snapshot_id,
    snapshots.n_tasks,
    snapshots.as_of
from source_pulls as pulls
inner join snapshots on snapshots.snapshot_id = pulls.snapshot_id
where
    pulls.source_name = $source_name
    and pulls.status in ('new_snapshot', 'unchanged')
    and pulls.content_hash is not null
    and snapshots.status = 'active'
order by pulls.pull_id desc
limit 1
