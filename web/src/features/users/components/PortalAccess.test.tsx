import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { UsersPage } from './UsersPage';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.s`;
const CUSTOMER = '11111111-1111-4111-8111-111111111111';
const CONTACT = '22222222-2222-4222-8222-222222222222';
const BUILDING_A = '33333333-3333-4333-8333-333333333333';
const BUILDING_C = '44444444-4444-4444-8444-444444444444';
const USER = '55555555-5555-4555-8555-555555555555';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const page = (items: unknown[]) => ({ items, next_cursor: null });
const location = (id: string, name: string) => ({
  id,
  customer_id: CUSTOMER,
  name,
  address: { line1: `${name} street`, line2: null, city: null, region: null, postal_code: null, country: null },
  latitude: null,
  longitude: null,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  version: 1,
});

/** The API as the page uses it; every request is recorded with its body. */
function fakeApi() {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetchMock = vi.fn(async (request: Request) => {
    const url = new URL(request.url);
    const body = request.method === 'GET' ? undefined : await request.json();
    calls.push({ method: request.method, path: url.pathname, body });
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /api/v1/users':
        return json(page([]));
      case `GET /api/v1/customers/${CUSTOMER}/contacts`:
        return json(page([{ id: CONTACT, customer_id: CUSTOMER, name: 'Cleo Manager', title: 'Property manager', is_primary: true, methods: [] }]));
      case `GET /api/v1/customers/${CUSTOMER}/locations`:
        return json(page([location(BUILDING_A, 'Building A'), location(BUILDING_C, 'Building C')]));
      case `GET /api/v1/contacts/${CONTACT}/locations`:
        return json({ restricted_to_locations: false, location_ids: [] });
      case 'POST /api/v1/users':
        return json({ id: USER, ...(body as object), is_active: true, version: 1 }, 201);
      case `PUT /api/v1/contacts/${CONTACT}/locations`:
        return json(body);
      default:
        return json({ title: 'Not Found', status: 404 }, 404);
    }
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

/** The users page's "New user" dialog, filled in for Cleo, a contact of Harbor Apartments. */
async function newLoginForCleo() {
    renderWithProviders(<UsersPage customers={[{ id: CUSTOMER, name: 'Harbor Apartments' }]} />, { route: '/admin/users' });
    await userEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/^Name/), 'Cleo Manager');
    await userEvent.type(within(dialog).getByLabelText(/^Email/), 'cleo@harbor.example');
    await userEvent.type(within(dialog).getByLabelText(/^Password/), 'long-enough-pw');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Role/), 'CUSTOMER');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Customer/), CUSTOMER);
    await userEvent.selectOptions(await within(dialog).findByLabelText(/^Contact/), CONTACT);
  return dialog;
}

beforeEach(() => {
  session.signIn(jwt({ role: 'ADMIN' }), {
    id: 'me',
    name: 'Admin',
    email: 'admin@acme.example',
    role: 'ADMIN',
    role_id: 'role-admin',
    role_name: 'Admin',
    permissions: [],
    customer_id: null,
    company: { id: 'acme', name: 'Acme', slug: 'acme', color: '#123456' },
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  session.signOut();
});

describe('a customer login and the locations it sees', () => {
  it('links the login to a contact and limits the contact to Building C', async () => {
    const calls = fakeApi();
    const dialog = await newLoginForCleo();

    // The contact's stored limit: every location.
    const all = await within(dialog).findByLabelText("All of the customer's locations");
    expect(all).toBeChecked();
    await userEvent.click(within(dialog).getByLabelText('Only these locations, and their jobs'));
    expect(within(dialog).getByText(/sees no jobs at all/)).toBeInTheDocument();
    await userEvent.click(await within(dialog).findByLabelText(/Building C/));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));

    await vi.waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const created = calls.find((c) => c.method === 'POST');
    expect(created?.body).toMatchObject({ role: 'CUSTOMER', customer_id: CUSTOMER, contact_id: CONTACT });
    const limited = calls.find((c) => c.method === 'PUT');
    expect(limited?.path).toBe(`/api/v1/contacts/${CONTACT}/locations`);
    expect(limited?.body).toEqual({ restricted_to_locations: true, location_ids: [BUILDING_C] });
  });

  it('leaves the contact\'s limit alone when it was not changed', async () => {
    const calls = fakeApi();
    const dialog = await newLoginForCleo();
    await within(dialog).findByLabelText("All of the customer's locations");
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.some((c) => c.method === 'POST')).toBe(true);
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
  });
});
