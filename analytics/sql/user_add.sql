-- A new account (analytics/accounts.py add_user, ensure_admin): enabled, created and updated
-- at $now; the password only as its argon2id hash.
insert into users (
    username, display_name, role, agency_ids, password_hash, disabled, created_at, updated_at
)
values ($username, $display_name, $role, $agency_ids, $password_hash, false, $now, $now)
