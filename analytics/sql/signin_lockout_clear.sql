-- End the sign-in lockouts in force at $now of $username (analytics/throttle.py clear): from
-- the client $client, or from every client when $client is null. Cleared by $by; one row
-- returned per lockout ended (the rows stay, with who cleared them and when).
update signin_lockouts
set cleared_at = $now, cleared_by = $by
where username = $username
  and ($client is null or client = $client)
  and cleared_at is null
  and locked_until > $now
returning username
