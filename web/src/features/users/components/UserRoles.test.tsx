import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { UsersPage } from './UsersPage';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.s`;
const NIGHT = '11111111-1111-4111-8111-111111111111';
const WORKER_ROLE = '22222222-2222-4222-8222-222222222222';
const WENDY = '33333333-3333-4333-8333-333333333333';

const role = (id: string, name: string, base: string, is_default: boolean) => ({
  id, name, base, is_default, description: '', permissions: [], member_count: 1, version: 1,
});
const wendy = {
  id: WENDY, name: 'Wendy Walker', email: 'wendy@acme.example', role: 'WORKER', role_id: WORKER_ROLE, customer_id: null, contact_id: null,
  is_active: true, created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 4,
};

function serve() {
  return stubServer({
    'GET /api/v1/roles': () => json(200, [role(NIGHT, 'Night dispatcher', 'ADMIN', false), role(WORKER_ROLE, 'Worker', 'WORKER', true)]),
    'GET /api/v1/users': () => json(200, { items: [wendy], next_cursor: null }),
    'POST /api/v1/users': () => json(201, { ...wendy, id: '44444444-4444-4444-8444-444444444444' }),
    [`PATCH /api/v1/users/${WENDY}`]: () => json(200, wendy),
  });
}

beforeEach(() => {
  session.signIn(jwt({ role: 'ADMIN' }), {
    id: 'me', name: 'Admin', email: 'admin@acme.example', role: 'ADMIN', role_id: 'r', role_name: 'Admin', permissions: ['users.manage'],
    customer_id: null, company: { id: 'acme', name: 'Acme', slug: 'acme', color: '#123456' },
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  session.signOut();
});

describe("members' roles on the users page", () => {
  it("names each member's role and creates a member with a picked role", async () => {
    const calls = serve();
    renderWithProviders(<UsersPage customers={[]} />);
    const row = (await screen.findByText('Wendy Walker')).closest('tr')!;
    await vi.waitFor(() => expect(within(row).getByText('Worker')).toBeInTheDocument());
    await userEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = within(screen.getByRole('dialog'));
    await userEvent.type(dialog.getByLabelText(/^Name/), 'Nia Night');
    await userEvent.type(dialog.getByLabelText(/^Email/), 'nia@acme.example');
    await userEvent.type(dialog.getByLabelText(/^Password/), 'long-enough-pw');
    expect(dialog.getByRole('group', { name: 'Office roles' })).toBeInTheDocument();
    await userEvent.selectOptions(dialog.getByLabelText(/^Role/), 'Night dispatcher');
    await userEvent.click(dialog.getByRole('button', { name: 'Create user' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ role: 'ADMIN', role_id: NIGHT }));
  });

  it('asks before giving a role of another kind, and sends nothing if declined', async () => {
    const calls = serve();
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false);
    renderWithProviders(<UsersPage customers={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: /Edit Wendy Walker/ }));
    const dialog = within(screen.getByRole('dialog'));
    await userEvent.selectOptions(dialog.getByLabelText(/^Role/), 'Night dispatcher');
    expect(dialog.getByText(/they will be signed out/)).toBeInTheDocument();
    await userEvent.click(dialog.getByRole('button', { name: 'Save' }));
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('signs them out'));
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);

    confirm.mockReturnValue(true);
    await userEvent.click(dialog.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toMatchObject({ role: 'ADMIN', role_id: NIGHT }));
  });

  it('keeps the role out of an edit that does not change it', async () => {
    const calls = serve();
    renderWithProviders(<UsersPage customers={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: /Edit Wendy Walker/ }));
    const dialog = within(screen.getByRole('dialog'));
    expect(dialog.getByLabelText(/^Role/)).toHaveValue(WORKER_ROLE);
    await userEvent.click(dialog.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PATCH')).toBeDefined());
    expect(calls.find((c) => c.method === 'PATCH')?.body).not.toHaveProperty('role_id');
  });
});
