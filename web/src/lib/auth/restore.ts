import { api, unwrap } from '../api/client';
import { refreshAccessToken, session } from './session';

/**
 * On start (and after a reload) the access token is gone from memory: trade the
 * HttpOnly refresh cookie for a new one, then load the profile. Public pages
 * (the share link) render without waiting for this.
 */
export async function restoreSession(): Promise<void> {
  if (session.get().status !== 'loading') return;
  const token = await refreshAccessToken();
  if (!token) {
    session.signOut('signed-out');
    return;
  }
  try {
    const user = await unwrap(
      api.GET('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}` } }),
    );
    session.signIn(token, user);
  } catch {
    session.signOut('signed-out');
  }
}

/**
 * Reloads the signed-in member's profile, after a change to their own role:
 * what the app shows follows the permissions the server now holds for them.
 */
export async function reloadProfile(): Promise<void> {
  const token = session.token();
  if (!token) return;
  const user = await unwrap(api.GET('/api/v1/auth/me'));
  session.signIn(session.token() ?? token, user);
}
