import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { InvitationsList } from './InvitationsList';
import { InviteToPortal } from './InviteToPortal';

const CUSTOMER = '11111111-1111-4111-8111-111111111111';
const INVITATION = '44444444-4444-4444-8444-444444444444';

const invitation = { id: INVITATION, customer_id: CUSTOMER, customer_name: 'Harbor Apartments', email: 'mv@harbor.test', expires_at: '2030-01-08T09:00:00Z', created_at: '2030-01-01T09:00:00Z' };

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('InviteToPortal', () => {
  it('prefills the email, checks it, invites, and the open list shows the invitation', async () => {
    let invited = false;
    const calls = stubServer({
      [`POST /api/v1/customers/${CUSTOMER}/portal-invitations`]: () => {
        invited = true;
        return json(201, { id: INVITATION, customer_id: CUSTOMER, email: 'mv@harbor.test', expires_at: invitation.expires_at });
      },
      'GET /api/v1/portal-invitations': () => json(200, { items: invited ? [invitation] : [], next_cursor: null }),
    });
    renderWithProviders(
      <>
        <InviteToPortal customerId={CUSTOMER} customerName="Harbor Apartments" email="office@harbor.test" />
        <InvitationsList />
      </>,
    );
    expect(await screen.findByText('No open invitations')).toBeInTheDocument();
    const email = screen.getByLabelText(/Email to invite/);
    expect(email).toHaveValue('office@harbor.test');
    await userEvent.clear(email);
    await userEvent.click(screen.getByRole('button', { name: 'Invite to the portal' }));
    expect(await screen.findByText('Email is required')).toBeInTheDocument();
    await userEvent.type(email, 'not-an-email');
    await userEvent.click(screen.getByRole('button', { name: 'Invite to the portal' }));
    expect(await screen.findByText('Enter a valid email address')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await userEvent.clear(email);
    await userEvent.type(email, ' mv@harbor.test ');
    await userEvent.click(screen.getByRole('button', { name: 'Invite to the portal' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'mv@harbor.test' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Invitation sent to mv@harbor.test');
    const open = await screen.findByRole('list', { name: 'Open invitations' });
    expect(within(open).getByText('mv@harbor.test')).toBeInTheDocument();
  });

  it("shows the API's 422 beside the email", async () => {
    stubServer({
      [`POST /api/v1/customers/${CUSTOMER}/portal-invitations`]: () =>
        json(422, { title: 'Unprocessable Entity', status: 422, detail: 'invalid input', errors: { email: ['is not a valid email address'] } }),
    });
    renderWithProviders(<InviteToPortal customerId={CUSTOMER} customerName="Harbor Apartments" />);
    expect(screen.getByLabelText(/Email to invite/)).toHaveValue('');
    await userEvent.type(screen.getByLabelText(/Email to invite/), 'a@b.c');
    await userEvent.click(screen.getByRole('button', { name: 'Invite to the portal' }));
    expect(await screen.findByText('is not a valid email address')).toBeInTheDocument();
    expect(screen.getByText('Please correct the highlighted fields.')).toBeInTheDocument();
    expect(screen.getByLabelText(/Email to invite/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('status')).toBeNull();
  });
});
