import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { DigestCard } from './DigestSettingsForm';
import { InvitationsList } from './InvitationsList';
import { PortalReport } from './PortalReport';

const ADA = '11111111-1111-4111-8111-111111111111';
const BEN = '22222222-2222-4222-8222-222222222222';
const INVITATION = '33333333-3333-4333-8333-333333333333';

const admin = (id: string, name: string, is_active = true) => ({
  id, name, email: `${name.toLowerCase()}@acme.test`, role: 'ADMIN', customer_id: null, contact_id: null, is_active,
  created_at: '2030-01-01T09:00:00Z', updated_at: '2030-01-01T09:00:00Z', version: 1,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('DigestCard', () => {
  it('chooses active admins and the hour, and shows the last run', async () => {
    const calls = stubServer({
      'GET /api/v1/portal-digest': () =>
        json(200, { hour: 7, recipient_ids: [ADA], last_run: { digest_date: '2030-01-02', requests: 3, mails: 1, created_at: '2030-01-02T07:01:00Z' } }),
      'GET /api/v1/users': () =>
        json(200, { items: [admin(ADA, 'Ada'), admin(BEN, 'Ben'), admin('44444444-4444-4444-8444-444444444444', 'Gone', false)], next_cursor: null }),
      'PUT /api/v1/portal-digest': () => json(200, { hour: 9, recipient_ids: [ADA, BEN], last_run: null }),
    });
    renderWithProviders(<DigestCard />);
    expect(await screen.findByLabelText('Ada (ada@acme.test)')).toBeChecked();
    expect(screen.getByLabelText('Ben (ben@acme.test)')).not.toBeChecked();
    expect(screen.queryByLabelText(/Gone/)).toBeNull();
    expect(screen.getByTestId('digest-last-run')).toHaveTextContent('2030-01-02, 3 waiting, 1 sent');
    await userEvent.click(screen.getByLabelText('Ben (ben@acme.test)'));
    await userEvent.selectOptions(screen.getByLabelText('Send it from'), '9');
    await userEvent.click(screen.getByRole('button', { name: 'Save digest' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ hour: 9, recipient_ids: [ADA, BEN] }));
  });

  it('shows the server refusal', async () => {
    stubServer({
      'GET /api/v1/portal-digest': () => json(200, { hour: 7, recipient_ids: [], last_run: null }),
      'GET /api/v1/users': () => json(200, { items: [admin(ADA, 'Ada')], next_cursor: null }),
      'PUT /api/v1/portal-digest': () =>
        json(422, { title: 'Unprocessable', status: 422, detail: 'names someone who is not an active admin of your company', errors: { recipient_ids: ['names someone who is not an active admin of your company'] } }),
    });
    renderWithProviders(<DigestCard />);
    await userEvent.click(await screen.findByLabelText('Ada (ada@acme.test)'));
    await userEvent.click(screen.getByRole('button', { name: 'Save digest' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/not an active admin/);
  });
});

describe('InvitationsList', () => {
  it('lists open invitations and revokes one after asking', async () => {
    let revoked = false;
    const calls = stubServer({
      'GET /api/v1/portal-invitations': () =>
        json(200, {
          items: revoked
            ? []
            : [{ id: INVITATION, customer_id: ADA, customer_name: 'Elm Street Dental', email: 'dan@home.test', expires_at: '2030-01-08T09:00:00Z', used_at: null, created_at: '2030-01-01T09:00:00Z' }],
          next_cursor: null,
        }),
      [`DELETE /api/v1/portal-invitations/${INVITATION}`]: () => {
        revoked = true;
        return json(204, null);
      },
    });
    renderWithProviders(<InvitationsList />);
    const list = await screen.findByRole('list', { name: 'Open invitations' });
    expect(within(list).getByText('for Elm Street Dental')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Revoke the invitation of dan@home.test' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Revoke the invitation of dan@home.test?');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await vi.waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true));
    expect(await screen.findByText('No open invitations')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'GET')?.path).toBe('/api/v1/portal-invitations');
  });
});

describe('PortalReport', () => {
  const week = (w: string, over: Partial<Record<string, unknown>> = {}) => ({
    week: w, registrations: 0, submitted: 0, approved: 0, rejected: 0, approval_hours_median: null, approval_hours_p90: null, ...over,
  });

  it('shows each week with its counts, approval times and the reasons', async () => {
    stubServer({
      'GET /api/v1/portal-report/weekly': () =>
        json(200, {
          weeks: [
            week('2030-01-07'),
            week('2030-01-14', { registrations: 2, submitted: 4, approved: 2, rejected: 1, approval_hours_median: 15, approval_hours_p90: 19 }),
          ],
          rejection_reasons: [{ reason: 'Too far away', count: 1 }],
        }),
    });
    renderWithProviders(<PortalReport />);
    const row = (await screen.findByRole('rowheader', { name: '2030-01-14' })).closest('tr') as HTMLElement;
    expect(row).toHaveTextContent('Registrations 2, Submitted 4, Approved 2, Declined 1');
    expect(row).toHaveTextContent('median 15 h, 90% within 19 h');
    const empty = screen.getByRole('rowheader', { name: '2030-01-07' }).closest('tr') as HTMLElement;
    expect(empty).toHaveTextContent('Nothing');
    expect(empty).toHaveTextContent('—');
    expect(within(screen.getByRole('region', { name: 'Why requests were declined' })).getByText('Too far away')).toBeInTheDocument();
  });

  it('says so when the portal has had nothing yet', async () => {
    stubServer({ 'GET /api/v1/portal-report/weekly': () => json(200, { weeks: [week('2030-01-07')], rejection_reasons: [] }) });
    renderWithProviders(<PortalReport />);
    expect(await screen.findByText('Nothing on the portal yet')).toBeInTheDocument();
  });
});
