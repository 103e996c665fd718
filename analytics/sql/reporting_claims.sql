-- Completion claims (of $states; null: every state) with their task's title and lead agencies
-- in the latest state, as $scope may see them (null: everything), newest first.
with

snapshots_in_force as (
    {snapshots_in_force}
),

tasks as (
    select v.source, v.task_id, v.title, v.lead_ids, v.deadline
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
),

claims as (
    select * from completion_claims
    where $states is null or list_contains($states, state)
),

final as (
    select c.*, t.title, t.lead_ids, t.deadline
    from claims as c
    inner join tasks as t on t.source = c.source and t.task_id = c.task_id
    where $scope is null or len(list_intersect(t.lead_ids, $scope)) > 0
)

select * from final
order by claimed_at desc, claim_id desc
