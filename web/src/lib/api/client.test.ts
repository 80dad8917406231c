import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../auth/session';
import { api, unwrap } from './client';
import { ApiError } from './errors';

const profile = {
  id: 'u1',
  name: 'Ada',
  email: 'ada@acme.example',
  role: 'ADMIN' as const,
  role_id: 'role-admin',
  role_name: 'Admin',
  permissions: [] as string[],
  customer_id: null,
  company: { id: 'c1', name: 'Acme', slug: 'acme', color: '#0f766e' },
};
const token = (role: string) => `x.${btoa(JSON.stringify({ role }))}.y`;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });

describe('authFetch', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    session.signIn(token('ADMIN'), profile);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends the bearer token', async () => {
    fetchMock.mockResolvedValueOnce(json(200, profile));
    await unwrap(api.GET('/api/v1/auth/me'));
    const request = fetchMock.mock.calls[0]![0] as Request;
    expect(request.headers.get('Authorization')).toBe(`Bearer ${token('ADMIN')}`);
  });

  it('on a 401 refreshes once, then retries with the new token', async () => {
    const fresh = token('ADMIN') + 'fresh';
    fetchMock
      .mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401, detail: 'expired' }))
      .mockResolvedValueOnce(json(200, { access_token: fresh, token_type: 'Bearer', expires_in: 900 }))
      .mockResolvedValueOnce(json(200, profile));
    const me = await unwrap(api.GET('/api/v1/auth/me'));
    expect(me.name).toBe('Ada');
    expect(fetchMock).toHaveBeenCalledTimes(3);
    const [refreshUrl, refreshInit] = fetchMock.mock.calls[1]!;
    expect(refreshUrl).toBe('/api/v1/auth/refresh');
    expect(refreshInit.headers['X-Requested-With']).toBe('fieldops-web');
    expect(refreshInit.credentials).toBe('same-origin');
    expect((fetchMock.mock.calls[2]![0] as Request).headers.get('Authorization')).toBe(`Bearer ${fresh}`);
    expect(session.token()).toBe(fresh);
  });

  it('when the refresh fails, ends the session as expired and surfaces the 401', async () => {
    fetchMock
      .mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401, detail: 'expired' }))
      .mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401, detail: 'no' }));
    await expect(unwrap(api.GET('/api/v1/auth/me'))).rejects.toMatchObject({ status: 401 });
    expect(session.get()).toEqual({ status: 'anonymous', reason: 'expired' });
  });

  it('concurrent 401s share one refresh', async () => {
    const fresh = token('ADMIN') + 'shared';
    let refreshCalls = 0;
    fetchMock.mockImplementation(async (input: Request | string) => {
      if (typeof input === 'string') {
        refreshCalls += 1;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, { access_token: fresh, token_type: 'Bearer', expires_in: 900 });
      }
      return input.headers.get('Authorization') === `Bearer ${fresh}` ? json(200, profile) : json(401, { status: 401 });
    });
    await Promise.all([unwrap(api.GET('/api/v1/auth/me')), unwrap(api.GET('/api/v1/auth/me')), unwrap(api.GET('/api/v1/auth/me'))]);
    expect(refreshCalls).toBe(1);
  });

  it('login, refresh and logout carry the browser header (cookie mode)', async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await unwrap(api.POST('/api/v1/auth/logout'));
    expect((fetchMock.mock.calls[0]![0] as Request).headers.get('X-Requested-With')).toBe('fieldops-web');
  });

  it('turns problem+json into an ApiError with field errors', async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, { type: 'x', title: 'Unprocessable Entity', status: 422, detail: 'invalid', errors: { email: ['is taken'] } }),
    );
    const error = await unwrap(api.POST('/api/v1/users', { body: { name: 'a', email: 'b@c.de', password: '12345678', role: 'WORKER' } })).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual({ email: ['is taken'] });
  });

  it('a network failure becomes status 0 with a readable message', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(unwrap(api.GET('/api/v1/auth/me'))).rejects.toMatchObject({ status: 0, title: 'Network error' });
  });
});
