-- The account 'admin' made an active administrator again, with a new password hash, when no
-- active administrator is left (analytics/accounts.py ensure_admin).
update users
set role = 'admin', agency_ids = [], disabled = false, password_hash = $password_hash,
    updated_at = $now
where username = 'admin'
