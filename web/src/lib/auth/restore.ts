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
