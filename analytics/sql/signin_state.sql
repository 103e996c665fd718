-- The sign-in state of the pair ($username, $client) at $now (analytics/throttle.py): the pair's
-- failures since $since (the window's start) or since its last lockout began, and the last
-- one's time; the client's failures for any username since $since or since its last lockout
-- for every username ('*') began; the end of a lockout in force for the pair or the client.
with

lockouts as (
    select *
    from signin_lockouts
    where client = $client and username in ($username, '*')
),

failures as (
    select *
    from signin_failures
    where client = $client and ts > $since
),

pair_start as (
    select greatest($since, coalesce(max(locked_at), $since)) as start
    from lockouts
    where username = $username
),

client_start as (
    select greatest($since, coalesce(max(locked_at), $since)) as start
    from lockouts
    where username = '*'
),

pair as (
    select count(*) as n, max(ts) as last
    from failures
    where username = $username and ts > (select start from pair_start)
),

client_wide as (
    select count(*) as n
    from failures
    where ts > (select start from client_start)
),

in_force as (
    select max(locked_until) as locked_until
    from lockouts
    where cleared_at is null and locked_until > $now
),

final as (
    select pair.n as pair_failures, pair.last as pair_last, client_wide.n as client_failures,
        in_force.locked_until
    from pair, client_wide, in_force
)

select * from final
