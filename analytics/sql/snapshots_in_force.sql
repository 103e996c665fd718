-- The snapshots in force at $as_of: for each source (of $sources; null: every source) its
-- latest active snapshot dated on or before $as_of, the state as of that date is made of their
-- tasks. A query, inlined as the body of a CTE where {snapshots_in_force} appears
-- (tasks_at.sql, source_docs_at.sql, held_back_in_force.sql, snapshot_ids_in_force.sql, and
-- with $sources the one source for the carry-overs of carry_over_others.sql and
-- carry_over_held_back.sql).
select snapshot_id, source, as_of, seq, file_name
from snapshots
where status = 'active'
  and as_of <= $as_of
  and ($sources is null or list_contains($sources, source))
qualify row_number() over (partition by source order by as_of desc, snapshot_id desc) = 1
