-- Sign-in lockouts in force at $now (analytics/throttle.py), newest first: the username ('*': every
-- username from that client), the client, when it began and ends, the failures counted, and the
-- role of the account ('' for none: an unknown username, or '*').
with

in_force as (
    select *
    from signin_lockouts
    where cleared_at is null and locked_until > $now
),

final as (
    select
        l.username, l.client, l.locked_at, l.locked_until, l.failures,
        coalesce(u.role, '') as role
    from in_force as l
    left join users as u on u.username = l.username
)

select * from final
order by (role = 'admin') desc, locked_at desc, username, client
