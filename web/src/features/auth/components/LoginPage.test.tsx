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
    expect(screen.getByLabelText(/Company/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('Enter your company’s short name')).toBeInTheDocument();
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
