// The signed-in session, kept in memory only: the access token lives in this
// module, the refresh token in an HttpOnly cookie the browser sends to
// /api/v1/auth (we never see it). A page reload restores the session through
// one refresh call. Nothing is ever written to localStorage or sessionStorage.
import type { Profile, Role } from '../api/types';
import { paths } from '../paths';

export const BROWSER_HEADER = { 'X-Requested-With': 'fieldops-web' } as const;

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; reason?: 'expired' | 'signed-out' }
  | { status: 'authenticated'; token: string; role: Role; user: Profile };

let state: SessionState = { status: 'loading' };
const listeners = new Set<() => void>();

function emit(next: SessionState) {
  state = next;
  for (const listener of listeners) listener();
}

export const session = {
  get: (): SessionState => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  token(): string | null {
    return state.status === 'authenticated' ? state.token : null;
  },
  signIn(token: string, user: Profile) {
    emit({ status: 'authenticated', token, user, role: roleFromToken(token) ?? user.role });
  },
  setToken(token: string) {
    if (state.status === 'authenticated') emit({ ...state, token, role: roleFromToken(token) ?? state.role });
  },
  signOut(reason: 'expired' | 'signed-out' = 'signed-out') {
    emit({ status: 'anonymous', reason });
  },
};

/** The `role` claim of a JWT: the role the server will act as decides the surface. */
export function roleFromToken(token: string): Role | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const role = (JSON.parse(json) as { role?: unknown }).role;
    return role === 'ADMIN' || role === 'WORKER' || role === 'CUSTOMER' ? role : null;
  } catch {
    return null;
  }
}

let refreshing: Promise<string | null> | null = null;

/**
 * Trades the refresh cookie for a new access token. Concurrent callers share
 * one request (the server rotates the refresh token, so two would race).
 */
export function refreshAccessToken(): Promise<string | null> {
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { ...BROWSER_HEADER, 'Content-Type': 'application/json' },
        body: '{}',
      });
      if (!res.ok) return null;
      const body = (await res.json()) as { access_token?: string };
      return body.access_token ?? null;
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** The landing surface of each role. */
export function homeFor(role: Role): string {
  if (role === 'ADMIN') return paths.admin.jobs;
  if (role === 'WORKER') return paths.worker.jobs;
  return paths.portal.jobs;
}
