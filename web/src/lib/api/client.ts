// The one API client. Typed by the generated OpenAPI `paths`; adds the bearer
// token, and on a 401 refreshes once and retries; if that fails the session ends
// (the route guards then show the login page). It never navigates or toasts
// by itself: pages decide what to show.
import createClient from 'openapi-fetch';
import { BROWSER_HEADER, refreshAccessToken, session } from '../auth/session';
import { ApiError } from './errors';
import type { paths } from './schema';

const AUTH_PATHS = ['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout'];
// Calls whose answer sets the refresh cookie (a switch starts a new session:
// a reload must restore that one), so they carry the browser header too.
const BROWSER_PATHS = [...AUTH_PATHS, '/api/v1/auth/switch'];

function withToken(request: Request, token: string | null): Request {
  const next = new Request(request);
  if (token) next.headers.set('Authorization', `Bearer ${token}`);
  if (BROWSER_PATHS.some((p) => new URL(next.url).pathname === p)) {
    next.headers.set('X-Requested-With', BROWSER_HEADER['X-Requested-With']);
  }
  return next;
}

export async function authFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const token = session.token();
  let response: Response;
  try {
    response = await fetch(withToken(request, token));
  } catch (cause) {
    throw ApiError.network(cause);
  }
  const isAuthCall = AUTH_PATHS.includes(new URL(request.url).pathname);
  if (response.status !== 401 || !token || isAuthCall) return response;

  // One refresh, then one retry; a second 401 means the session is over. If
  // another request refreshed meanwhile, just retry with its token.
  const current = session.token();
  const fresh = current && current !== token ? current : await refreshAccessToken();
  if (!fresh) {
    session.signOut('expired');
    return response;
  }
  session.setToken(fresh);
  const second = await fetch(withToken(retry, fresh));
  if (second.status === 401) session.signOut('expired');
  return second;
}

export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
  fetch: authFetch,
  credentials: 'same-origin',
});

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Unwraps an openapi-fetch result: the data, or a thrown ApiError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.fromProblem(response.status, error, response.headers);
  return data as T;
}
