-- The assigning documents of the tasks in force at $as_of (the sidebar's choices): for each
-- source (of $sources; null: every source) its latest active snapshot dated on or before
-- $as_of (sql/snapshots_in_force.sql, as in tasks_at.sql), within the access scope ($scope;
-- null: every agency). One row per distinct document with the number of its tasks.
with

snapshots_in_force as (
    {snapshots_in_force}
),

versions as (
    select v.source_doc
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
    where v.source_doc is not null
      and ($scope is null or len(list_intersect(v.lead_ids, $scope)) > 0)
),

final as (
    select source_doc, count(*) as n_tasks
    from versions
    group by source_doc
)

select * from final
order by source_doc
