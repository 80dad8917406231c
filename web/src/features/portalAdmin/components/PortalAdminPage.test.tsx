import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { PortalAdminPage } from './PortalAdminPage';

const ID = '11111111-1111-4111-8111-111111111111';

const settings = { registration_mode: 'invitation', locked_fields: ['title'], job_status_mails: true, version: 0 };
const account = {
  id: ID, name: 'Rita Registrant', email: 'rita@home.test', phone: null, address: '12 Elm Street', state: 'pending',
  email_verified_at: '2030-01-01T09:00:00Z', customer_id: null, user_id: null, rejected_reason: null, decided_at: null,
  created_at: '2030-01-01T09:00:00Z', version: 1,
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('PortalAdminPage', () => {
  it('saves the settings as of the version read', async () => {
    const calls = stubServer({
      'GET /api/v1/portal-settings': () => json(200, settings),
      'PUT /api/v1/portal-settings': () => json(200, { ...settings, registration_mode: 'approval', version: 1 }),
      'GET /api/v1/portal-accounts': () => json(200, { items: [], next_cursor: null }),
      'GET /api/v1/portal-report': () => json(200, []),
    });
    renderWithProviders(<PortalAdminPage />);
    await userEvent.selectOptions(await screen.findByLabelText('Who may register'), 'approval');
    await userEvent.click(screen.getByLabelText('Urgency'));
    await userEvent.click(screen.getByLabelText(/changes status/));
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.ifMatch).toBe('"0"');
    expect(put?.body).toEqual({ registration_mode: 'approval', locked_fields: ['title', 'urgency'], job_status_mails: false });
    expect(await screen.findByText('Nobody is waiting')).toBeInTheDocument();
  });

  it('approves a registration, or declines it only with a reason', async () => {
    const calls = stubServer({
      'GET /api/v1/portal-settings': () => json(200, settings),
      'GET /api/v1/portal-accounts': () => json(200, { items: [account], next_cursor: null }),
      [`POST /api/v1/portal-accounts/${ID}/approve`]: () => json(200, { ...account, state: 'approved' }),
      [`POST /api/v1/portal-accounts/${ID}/reject`]: () => json(200, { ...account, state: 'rejected' }),
    });
    renderWithProviders(<PortalAdminPage />);
    expect(await screen.findByText('rita@home.test')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Decline' })).toBeDisabled();
    await userEvent.type(screen.getByLabelText(/Reason to decline Rita/), 'Not our area');
    await userEvent.click(screen.getByRole('button', { name: 'Decline' }));
    await vi.waitFor(() => expect(calls.find((c) => c.path.endsWith('/reject'))?.body).toEqual({ reason: 'Not our area' }));
    await userEvent.click(screen.getByRole('button', { name: 'Approve as a new customer' }));
    await vi.waitFor(() => expect(calls.find((c) => c.path.endsWith('/approve'))?.body).toEqual({}));
  });
});

describe('RequestsChart', () => {
  it('shows each week with its total and its states', async () => {
    stubServer({
      'GET /api/v1/portal-settings': () => json(200, settings),
      'GET /api/v1/portal-accounts': () => json(200, { items: [], next_cursor: null }),
      'GET /api/v1/portal-report': () =>
        json(200, [
          { week: '2030-01-07', state: 'approved', count: 3 },
          { week: '2030-01-07', state: 'submitted', count: 1 },
          { week: '2030-01-14', state: 'rejected', count: 2 },
        ]),
    });
    renderWithProviders(<PortalAdminPage />);
    expect(await screen.findByRole('rowheader', { name: '2030-01-07' })).toBeInTheDocument();
    expect(screen.getByText('(Waiting 1, Approved 3)')).toBeInTheDocument();
    expect(screen.getByText('(Declined 2)')).toBeInTheDocument();
  });
});
