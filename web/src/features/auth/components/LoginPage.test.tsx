import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { LoginPage, safeNext } from './LoginPage';

afterEach(() => {
  cleanup(); // unmount before the session changes, so nothing updates outside act()
  vi.unstubAllGlobals();
  session.signOut();
});

describe('LoginPage', () => {
  it('labels every field and shows client-side errors beside them', async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<LoginPage />, { route: '/login' });
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    // The company is optional (a person of several chooses after).
    expect(screen.getByLabelText(/Company/)).not.toHaveAttribute('aria-invalid');
    expect(screen.getByText('Enter your email')).toBeInTheDocument();
    expect(screen.getByText('Enter your password')).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('a 401 gives one message that does not say which field was wrong', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'invalid credentials' }), { status: 401 })),
    );
    renderWithProviders(<LoginPage />, { route: '/login' });
    await userEvent.type(screen.getByLabelText(/Company/), 'acme');
    await userEvent.type(screen.getByLabelText(/Email/), 'nobody@acme.example');
    await userEvent.type(screen.getByLabelText(/Password/), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Company, email or password is incorrect.')).toBeInTheDocument();
    expect(screen.getByLabelText(/Email/)).not.toHaveAttribute('aria-invalid');
  });

  it('without a company, a person of several chooses one and signs in to it', async () => {
    const bodies: unknown[] = [];
    const jwt = `h.${btoa(JSON.stringify({ role: 'WORKER' })).replace(/=+$/, '')}.s`;
    const memberships = [
      { company_id: 'a', slug: 'acme', name: 'Acme Plumbing', color: '#0b5cad', role: 'ADMIN', current: false },
      { company_id: 'b', slug: 'bolt', name: 'Bolt Electric', color: '#b45309', role: 'WORKER', current: false },
    ];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        const body = (await request.json()) as { company?: string };
        bodies.push(body);
        if (!body.company) {
          return new Response(JSON.stringify({ type: 'urn:fieldops:problem:choose-company', title: 'Conflict', status: 409, detail: 'x', memberships }), {
            status: 409,
            headers: { 'content-type': 'application/problem+json' },
          });
        }
        const user = { id: 'u', name: 'Pat', email: 'pat@x.test', role: 'WORKER', customer_id: null, company: { id: 'b', name: 'Bolt Electric', slug: 'bolt', color: '#b45309' } };
        return new Response(JSON.stringify({ access_token: jwt, token_type: 'Bearer', expires_in: 900, user }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }),
    );
    renderWithProviders(<LoginPage />, { route: '/login' });
    await userEvent.type(screen.getByLabelText(/Email/), 'pat@x.test');
    await userEvent.type(screen.getByLabelText(/Password/), 'secret');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Choose a company' })).toHaveFocus();
    await userEvent.click(screen.getByRole('button', { name: 'Bolt Electric — Field worker' }));
    await vi.waitFor(() => expect(session.get().status).toBe('authenticated'));
    expect(bodies).toEqual([
      { email: 'pat@x.test', password: 'secret' },
      { email: 'pat@x.test', password: 'secret', company: 'bolt' },
    ]);
  });

  it('fills in the company and email of the link, and waits for the password', () => {
    renderWithProviders(<LoginPage />, { route: '/login?company=harbor-hvac&email=olga%40harbor.test' });
    expect(screen.getByLabelText(/Company/)).toHaveValue('harbor-hvac');
    expect(screen.getByLabelText(/Email/)).toHaveValue('olga@harbor.test');
    expect(screen.getByLabelText(/Password/)).toHaveFocus();
  });

  it('shows why a person was sent back here', () => {
    renderWithProviders(<LoginPage />, { route: '/login?expired=1' });
    expect(screen.getByText('Your session has ended. Please sign in again.')).toBeInTheDocument();
  });
});

describe('safeNext', () => {
  it('only returns within the role’s own surface', () => {
    expect(safeNext('/admin/customers', 'ADMIN')).toBe('/admin/customers');
    expect(safeNext('/admin/customers', 'WORKER')).toBe('/worker');
    expect(safeNext('//evil.example/admin', 'ADMIN')).toBe('/admin/jobs');
    expect(safeNext('https://evil.example', 'CUSTOMER')).toBe('/portal');
    expect(safeNext('/portalx', 'CUSTOMER')).toBe('/portal');
    expect(safeNext(null, 'WORKER')).toBe('/worker');
  });
});
