-- An attempt of ($username, $client) refused at $now during a lockout in force, of the pair or
-- of the whole client ($every_user): counted on the lockout, which is not extended
-- (analytics/throttle.py count_refused).
update signin_lockouts
set failures = failures + 1
where client = $client
  and username in ($username, $every_user)
  and cleared_at is null
  and locked_until > $now
