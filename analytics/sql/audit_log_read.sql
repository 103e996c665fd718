-- The newest audit entries (analytics/audit.py read): optionally since a time ($since), of some
-- actions ($actions), of one username ($username); at most $limit, newest first.
with

entries as (
    select * from audit_log
),

chosen as (
    select id, ts, username, action, target, details, outcome
    from entries
    where ($since is null or ts >= $since)
      and ($actions is null or list_contains($actions, action))
      and ($username is null or username = $username)
),

final as (
    select * from chosen
    order by id desc
    limit $limit
)

select * from final order by id desc
