-- Deadline change requests (of $states; null: every state) with their task's title and lead
-- agencies in the latest state, as $scope may see them (null: everything), newest first.
with

snapshots_in_force as (
    {snapshots_in_force}
),

tasks as (
    select v.source, v.task_id, v.title, v.lead_ids, v.deadline as deadline_original
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
),

requests as (
    select * from deadline_requests
    where $states is null or list_contains($states, state)
),

final as (
    select r.*, t.title, t.lead_ids, t.deadline_original
    from requests as r
    inner join tasks as t on t.source = r.source and t.task_id = r.task_id
    where $scope is null or len(list_intersect(t.lead_ids, $scope)) > 0
)

select * from final
order by requested_at desc, request_id desc
