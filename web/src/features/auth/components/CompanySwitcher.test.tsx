import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { CompanySwitcher } from './CompanySwitcher';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.s`;
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const ACME = '11111111-1111-4111-8111-111111111111';
const BOLT = '22222222-2222-4222-8222-222222222222';
const acme = { company_id: ACME, slug: 'acme', name: 'Acme Plumbing', color: '#0b5cad', role: 'ADMIN', current: true };
const bolt = { company_id: BOLT, slug: 'bolt', name: 'Bolt Electric', color: '#b45309', role: 'WORKER', current: false };
const profile = (company: typeof acme, role: string) => ({
  id: '33333333-3333-4333-8333-333333333333',
  name: 'Pat',
  email: 'pat@example.test',
  role,
  customer_id: null,
  company: { id: company.company_id, name: company.name, slug: company.slug, color: company.color },
});

/** The API as the switcher uses it; every request is recorded with its body. */
function fakeApi(memberships: unknown[]) {
  const calls: { method: string; path: string; body: unknown; headers: Headers }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const body = request.method === 'GET' ? undefined : await request.json();
      calls.push({ method: request.method, path: url.pathname, body, headers: request.headers });
      switch (`${request.method} ${url.pathname}`) {
        case 'GET /api/v1/auth/memberships':
          return json({ memberships });
        case 'POST /api/v1/auth/switch':
          return json({
            access_token: jwt({ role: 'WORKER' }),
            token_type: 'Bearer',
            expires_in: 900,
            user: profile(bolt, 'WORKER'),
            memberships: [{ ...acme, current: false }, { ...bolt, current: true }],
          });
        default:
          return json({ title: 'Not Found', status: 404 }, 404);
      }
    }),
  );
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  session.signOut();
});

function renderSwitcher() {
  session.signIn(jwt({ role: 'ADMIN' }), profile(acme, 'ADMIN') as never);
  return renderWithProviders(
    <Routes>
      <Route path="/admin/jobs" element={<CompanySwitcher current="acme" ink="#ffffff" />} />
      <Route path="/worker" element={<p>Worker home</p>} />
    </Routes>,
    { route: '/admin/jobs' },
  );
}

describe('CompanySwitcher', () => {
  it('is a labelled select of every company with the role there', async () => {
    fakeApi([acme, bolt]);
    renderSwitcher();
    const select = await screen.findByRole('combobox', { name: 'Switch company' });
    expect(select).toHaveValue('acme');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Acme Plumbing — Admin',
      'Bolt Electric — Field worker',
    ]);
  });

  it('switches: a new session for the other company, the cache cleared, its home page', async () => {
    const calls = fakeApi([acme, bolt]);
    const { queryClient } = renderSwitcher();
    queryClient.setQueryData(['jobs', 'acme-only'], { items: ['an Acme job'] });
    await userEvent.selectOptions(await screen.findByRole('combobox', { name: 'Switch company' }), 'bolt');
    expect(await screen.findByText('Worker home')).toBeInTheDocument();
    const switched = calls.find((c) => c.path === '/api/v1/auth/switch');
    expect(switched?.body).toEqual({ company: 'bolt' });
    // The browser header: the server sets the new session's refresh cookie.
    expect(switched?.headers.get('X-Requested-With')).toBe('fieldops-web');
    const state = session.get();
    expect(state.status === 'authenticated' && state.user.company.slug).toBe('bolt');
    expect(state.status === 'authenticated' && state.role).toBe('WORKER');
    expect(queryClient.getQueryData(['jobs', 'acme-only'])).toBeUndefined();
  });

  it('shows nothing for a person of one company', async () => {
    const calls = fakeApi([acme]);
    renderSwitcher();
    await vi.waitFor(() => expect(calls.some((c) => c.path === '/api/v1/auth/memberships')).toBe(true));
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
  });
});
