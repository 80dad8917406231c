-- A new password ends the user's other sessions: whoever knew the old one (the
-- usual reason to change it) is signed out at once, access and refresh tokens
-- alike. The session making the change, when it is the user's own, stays.
-- In the database, so every path that sets a password does it.
create function app.revoke_sessions_on_password_change() returns trigger
language plpgsql security definer
set search_path = pg_catalog
as $$
begin
  update app.sessions s
     set revoked_at = now(), revoked_reason = 'password changed'
   where s.company_id = new.company_id and s.user_id = new.id
     and s.revoked_at is null
     and s.id is distinct from app.session_id();
  return null;
end
$$;

create trigger users_password_revokes_sessions after update of password_hash on app.users
for each row when (old.password_hash is distinct from new.password_hash)
execute function app.revoke_sessions_on_password_change();
