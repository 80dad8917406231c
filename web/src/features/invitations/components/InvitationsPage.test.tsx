import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { InvitationsPage } from './InvitationsPage';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const ID = '11111111-1111-4111-8111-111111111111';

/** The API as the page uses it: pending invitations, invite, revoke. */
function fakeApi() {
  let items = [{ id: ID, email: 'pat@people.test', role: 'WORKER', expires_at: '2026-12-13T00:00:00Z', created_at: '2026-12-06T00:00:00Z' }];
  const calls: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const body = request.method === 'POST' ? await request.json() : undefined;
      calls.push({ method: request.method, path: url.pathname, body });
      switch (`${request.method} ${url.pathname}`) {
        case 'GET /api/v1/invitations':
          return json({ items, next_cursor: null });
        case 'POST /api/v1/invitations': {
          const made = { id: '22222222-2222-4222-8222-222222222222', ...(body as object), expires_at: '2026-12-13T00:00:00Z', created_at: '2026-12-06T01:00:00Z' };
          items = [made as (typeof items)[number], ...items];
          return json(made, 201);
        }
        case `DELETE /api/v1/invitations/${ID}`:
          items = items.filter((i) => i.id !== ID);
          return new Response(null, { status: 204 });
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
});

describe('InvitationsPage', () => {
  it('invites an address with a role, lists the pending ones and revokes one', async () => {
    const calls = fakeApi();
    renderWithProviders(<InvitationsPage />, { route: '/admin/invitations' });
    const pending = await screen.findByRole('list', { name: 'Pending invitations' });
    expect(within(pending).getByText('pat@people.test')).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText(/Email/), 'not-an-email');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(screen.getByText('Enter a valid email address')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await userEvent.clear(screen.getByLabelText(/Email/));
    await userEvent.type(screen.getByLabelText(/Email/), 'boss@people.test');
    await userEvent.selectOptions(screen.getByLabelText(/Role/), 'ADMIN');
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(await screen.findByText('Invitation sent to boss@people.test.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'boss@people.test', role: 'ADMIN' });
    expect(await within(pending).findByText('boss@people.test')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Revoke the invitation of pat@people.test' }));
    await vi.waitFor(() => expect(within(pending).queryByText('pat@people.test')).not.toBeInTheDocument());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `/api/v1/invitations/${ID}`)).toBe(true);
  });
});
