import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import AdminLayout from './layouts/AdminLayout';
import { RequirePermission } from './guards';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.s`;

function signIn(roleName: string, permissions: string[]) {
  session.signIn(jwt({ role: 'ADMIN' }), {
    id: '44444444-4444-4444-8444-444444444444', name: 'Nia', email: 'nia@example.test', role: 'ADMIN', customer_id: null,
    role_id: '22222222-2222-4222-8222-222222222222', role_name: roleName, permissions,
    company: { id: '55555555-5555-4555-8555-555555555555', name: 'Acme Plumbing', slug: 'acme', color: '#0b5cad' },
  } as never);
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  session.signOut();
});

/** The users page's URL, behind its guard as the router puts it. */
function openUsersPage() {
  renderWithProviders(
    <Routes>
      <Route element={<RequirePermission permission="users.manage" />}>
        <Route path="/admin/users" element={<p>the users page</p>} />
      </Route>
    </Routes>,
    { route: '/admin/users' },
  );
}

const navLinks = () => screen.getAllByRole('link').filter((a) => a.closest('nav')).map((a) => a.textContent);

describe('navigation by permission', () => {
  it("shows a full admin every page, and the role's name in the header", async () => {
    stubServer({ 'GET /api/v1/auth/memberships': () => json(200, { memberships: [] }) });
    signIn('Admin', ['jobs.read', 'customers.read', 'statuses.manage', 'custom_fields.manage', 'imports.run', 'users.manage', 'roles.manage', 'portal.manage']);
    renderWithProviders(<AdminLayout />);
    expect(navLinks()).toEqual(['Jobs', 'Requests', 'Customers', 'Statuses', 'Custom fields', 'Import', 'Users', 'Roles', 'Portal', 'Invitations']);
    expect(screen.getByTestId('company-role')).toHaveTextContent('— Admin');
  });

  it('hides the pages a role lacks the permission for', async () => {
    stubServer({ 'GET /api/v1/auth/memberships': () => json(200, { memberships: [] }) });
    signIn('Night dispatcher', ['jobs.read', 'jobs.write', 'jobs.assign', 'customers.read']);
    renderWithProviders(<AdminLayout />);
    expect(navLinks()).toEqual(['Jobs', 'Requests', 'Customers']);
    expect(screen.getByTestId('company-role')).toHaveTextContent('— Night dispatcher');
  });

  it('answers a direct URL to a page the role may not use with "not allowed", not the page', async () => {
    signIn('Night dispatcher', ['jobs.read']);
    openUsersPage();
    expect(screen.getByRole('heading', { name: 'Your role does not allow this' })).toBeInTheDocument();
    expect(screen.getByText(/needs the permission/)).toHaveTextContent('users.manage, which your role (Night dispatcher) does not hold');
    expect(screen.queryByText('the users page')).toBeNull();
  });

  it('lets a role holding the permission through', async () => {
    signIn('Admin', ['users.manage']);
    openUsersPage();
    expect(screen.getByText('the users page')).toBeInTheDocument();
  });
});
