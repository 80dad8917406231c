import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { ProfilePage } from './ProfilePage';

afterEach(() => {
  session.signOut();
  cleanup();
  vi.unstubAllGlobals();
});

function signIn() {
  const jwt = `h.${btoa(JSON.stringify({ role: 'CUSTOMER' })).replace(/=+$/, '')}.s`;
  session.signIn(jwt, {
    id: 'u', name: 'Rita', email: 'rita@home.test', role: 'CUSTOMER', role_id: 'role-customer', role_name: 'Customer', permissions: [], customer_id: 'c1',
    company: { id: 'c', name: 'Acme', slug: 'acme', color: '#000000' },
  });
}

describe('ProfilePage', () => {
  it('renames, asks for a new email and turns notification mails off', async () => {
    signIn();
    const calls = stubServer({
      'GET /api/v1/me/notifications': () => json(200, { mail_notifications: true }),
      'PUT /api/v1/me/notifications': () => json(200, { mail_notifications: false }),
      'PATCH /api/v1/me/profile': () => json(200, { name: 'Rita R.' }),
      'POST /api/v1/me/email': () => new Response(null, { status: 202 }),
    });
    renderWithProviders(<ProfilePage />);
    const name = screen.getByLabelText('Your name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Rita R.');
    await userEvent.click(screen.getByRole('button', { name: 'Save name' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'Rita R.' }));

    await userEvent.click(screen.getByRole('button', { name: 'Change email' }));
    expect(await screen.findByText('Enter your new email')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('New email'), 'rita@new.test');
    await userEvent.click(screen.getByRole('button', { name: 'Change email' }));
    expect(await screen.findByText(/Check the new address/)).toBeInTheDocument();
    expect(calls.find((c) => c.path === '/api/v1/me/email')?.body).toEqual({ email: 'rita@new.test' });

    await userEvent.click(await screen.findByLabelText(/Mail me about new messages/));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ mail_notifications: false }));
  });
});
