-- The ids of the snapshots in force at $as_of (sql/snapshots_in_force.sql), of $sources (null:
-- every source): a cache key for the state at that date, and what a prepared change is checked
-- against when it is committed.
with

snapshots_in_force as (
    {snapshots_in_force}
),

final as (
    select snapshot_id from snapshots_in_force
)

select * from final
order by snapshot_id
