import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { RolesPage } from './RolesPage';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.s`;
const ADMIN_ROLE = '11111111-1111-4111-8111-111111111111';
const NIGHT = '22222222-2222-4222-8222-222222222222';
const WORKER_ROLE = '33333333-3333-4333-8333-333333333333';

const catalogue = [
  { name: 'jobs.read', base: 'ADMIN', description: 'See every job' },
  { name: 'jobs.assign', base: 'ADMIN', description: 'Assign a job to a worker' },
  { name: 'customers.read', base: 'ADMIN', description: 'See customers' },
  { name: 'roles.manage', base: 'ADMIN', description: 'Manage roles' },
  { name: 'company.manage', base: 'ADMIN', description: "Change the company's name" },
  { name: 'notes.write', base: 'WORKER', description: 'Add notes' },
];
const role = (id: string, name: string, base: string, permissions: string[], extra: object = {}) => ({
  id, name, base, is_default: false, description: '', permissions, member_count: 0, version: 3, ...extra,
});
const roles = [
  role(ADMIN_ROLE, 'Admin', 'ADMIN', ['jobs.read', 'jobs.assign', 'customers.read', 'roles.manage', 'company.manage'], { is_default: true, member_count: 2 }),
  role(NIGHT, 'Night dispatcher', 'ADMIN', ['jobs.read'], { member_count: 1 }),
  role(WORKER_ROLE, 'Worker', 'WORKER', ['notes.write'], { is_default: true }),
];

/** A member of the Night dispatcher role whose role holds `permissions`. */
const profile = (permissions: string[]) => ({
  id: '44444444-4444-4444-8444-444444444444', name: 'Pat', email: 'pat@example.test', role: 'ADMIN', customer_id: null,
  role_id: NIGHT, role_name: 'Night dispatcher', permissions,
  company: { id: '55555555-5555-4555-8555-555555555555', name: 'Acme', slug: 'acme', color: '#0b5cad' },
});
const HELD = ['jobs.read', 'jobs.assign', 'customers.read', 'roles.manage'];
const signIn = (permissions: string[]) => session.signIn(jwt({ role: 'ADMIN' }), profile(permissions) as never);

function serve(patch: () => Response = () => json(200, roles[1])) {
  return stubServer({
    'GET /api/v1/permissions': () => json(200, catalogue),
    'GET /api/v1/roles': () => json(200, roles),
    [`PATCH /api/v1/roles/${NIGHT}`]: patch,
    'GET /api/v1/auth/me': () => json(200, profile([...HELD, 'company.manage'])),
  });
}

beforeEach(() => signIn(HELD));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  session.signOut();
});

const office = () => within(screen.getByRole('table', { name: 'Office roles: permissions by role' }));

describe('RolesPage: the permission matrix', () => {
  it('renders a row per permission by resource, a column per role, the defaults and member counts', async () => {
    serve();
    renderWithProviders(<RolesPage />);
    await screen.findByRole('table', { name: 'Office roles: permissions by role' });
    expect(office().getByRole('columnheader', { name: /Admin Default 2 members/ })).toBeInTheDocument();
    expect(office().getByRole('columnheader', { name: /Night dispatcher 1 member$/ })).toBeInTheDocument();
    expect(office().getByRole('rowheader', { name: /jobs\.assign Assign a job to a worker/ })).toBeInTheDocument();
    expect(office().getByRole('columnheader', { name: 'Customers' })).toBeInTheDocument();
    expect(office().getByLabelText('Night dispatcher: jobs.read')).toBeChecked();
    expect(office().getByLabelText('Night dispatcher: customers.read')).not.toBeChecked();
    // Field permissions are only in the field matrix.
    expect(office().queryByLabelText('Worker: notes.write')).toBeNull();
    const field = within(screen.getByRole('table', { name: 'Field roles: permissions by role' }));
    expect(field.getByLabelText('Worker: notes.write')).toBeChecked();
  });

  it('disables the permissions the signed-in member does not hold, and says why', async () => {
    serve();
    renderWithProviders(<RolesPage />);
    const unheld = await screen.findByLabelText('Night dispatcher: company.manage');
    expect(unheld).toBeDisabled();
    expect(unheld).toHaveAccessibleDescription(/only give or take away the office permissions your own role holds/);
    expect(office().getByLabelText('Night dispatcher: jobs.assign')).toBeEnabled();
    // A default's unheld permission too: neither given nor taken away.
    expect(office().getByLabelText('Admin: company.manage')).toBeDisabled();
  });

  it('ticks, then saves the whole new set with If-Match', async () => {
    const calls = serve();
    renderWithProviders(<RolesPage />);
    const save = await screen.findByRole('button', { name: 'Save Night dispatcher' });
    expect(save).toBeDisabled();
    await userEvent.click(office().getByLabelText('Night dispatcher: customers.read'));
    await userEvent.click(office().getByLabelText('Night dispatcher: jobs.assign'));
    await userEvent.click(save);
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PATCH')).toBeDefined());
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.path).toBe(`/api/v1/roles/${NIGHT}`);
    // In the catalogue's order, whatever order they were ticked in.
    expect(patch.body).toEqual({ permissions: ['jobs.read', 'jobs.assign', 'customers.read'] });
    expect(patch.ifMatch).toBe('"3"');
    expect(await screen.findByText('Night dispatcher saved')).toBeInTheDocument();
    // The member's own role: the profile is reloaded, and what it now holds can be ticked.
    await vi.waitFor(() => expect(office().getByLabelText('Night dispatcher: company.manage')).toBeEnabled());
  });

  it("shows the API's 403 detail beside the role and keeps the ticks", async () => {
    serve(() => json(403, { title: 'Forbidden', status: 403, detail: 'you can only give or take away permissions you hold' }));
    renderWithProviders(<RolesPage />);
    await userEvent.click(await screen.findByLabelText('Night dispatcher: jobs.assign'));
    await userEvent.click(screen.getByRole('button', { name: 'Save Night dispatcher' }));
    expect(await screen.findByText('you can only give or take away permissions you hold')).toBeInTheDocument();
    expect(office().getByLabelText('Night dispatcher: jobs.assign')).toBeChecked();
    expect(screen.getByRole('button', { name: 'Save Night dispatcher' })).toBeEnabled();
  });

  it("shows a 409's detail (the last manager of roles)", async () => {
    serve(() => json(409, { title: 'Conflict', status: 409, detail: 'the company must keep a member who may manage roles' }));
    renderWithProviders(<RolesPage />);
    await userEvent.click(await screen.findByLabelText('Admin: roles.manage'));
    // Another role's PATCH answers 404 here: only the Night dispatcher's is served.
    await userEvent.click(office().getByLabelText('Night dispatcher: roles.manage'));
    await userEvent.click(screen.getByRole('button', { name: 'Save Night dispatcher' }));
    expect(await screen.findByText('the company must keep a member who may manage roles')).toBeInTheDocument();
  });

  it('on a 412 reloads the roles and says so', async () => {
    const calls = serve(() => json(412, { title: 'Precondition Failed', status: 412, detail: 'changed since you read it' }));
    renderWithProviders(<RolesPage />);
    await userEvent.click(await screen.findByLabelText('Night dispatcher: customers.read'));
    await userEvent.click(screen.getByRole('button', { name: 'Save Night dispatcher' }));
    expect(await screen.findByText(/was changed by someone else meanwhile: reloaded/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/roles')).toHaveLength(2);
    expect(office().getByLabelText('Night dispatcher: customers.read')).not.toBeChecked();
  });
});
