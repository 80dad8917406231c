import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import PortalRoute from './PortalRoute';

const CUSTOMER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const ACCOUNT = '33333333-3333-4333-8333-333333333333';

const settings = { registration_mode: 'approval', locked_fields: [], job_status_mails: true, version: 0 };
const account = {
  id: ACCOUNT, name: 'Rita Registrant', email: 'rita@home.test', phone: null, address: null, state: 'pending',
  email_verified_at: '2030-01-01T09:00:00Z', customer_id: null, user_id: null, rejected_reason: null, decided_at: null,
  created_at: '2030-01-01T09:00:00Z', version: 1,
};
const customer = (id: string, name: string) => ({
  id, account_number: 7, name, email: null, phone: null, address: null, tags: [], do_not_service: false, notes: null,
  parent_customer_id: null, custom_fields: {}, created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('PortalRoute: approving into an existing customer', () => {
  function serve(approve: () => Response) {
    return stubServer({
      'GET /api/v1/portal-settings': () => json(200, settings),
      'GET /api/v1/portal-accounts': () => json(200, { items: [account], next_cursor: null }),
      'GET /api/v1/customers': () => json(200, { items: [customer(OTHER, 'Acme Offices')], next_cursor: null }),
      'GET /api/v1/customers/search': () =>
        json(200, { items: [{ customer: customer(CUSTOMER, 'Harbor Apartments'), matched: 'name', rank: 1 }], next_cursor: null }),
      [`POST /api/v1/portal-accounts/${ACCOUNT}/approve`]: approve,
    });
  }

  it('searches a customer and sends its id; a new customer stays the default', async () => {
    const calls = serve(() => json(200, { ...account, state: 'approved', customer_id: CUSTOMER }));
    renderWithProviders(<PortalRoute />);
    const item = within(await screen.findByRole('list', { name: 'Pending registrations' }));
    expect(item.getByLabelText(/A new customer/)).toBeChecked();
    await userEvent.click(item.getByLabelText('An existing customer'));
    // Without a choice: said beside the picker, nothing sent.
    await userEvent.click(item.getByRole('button', { name: 'Approve into this customer' }));
    expect(await item.findByText('Choose the customer to approve them into')).toBeInTheDocument();
    expect(calls.some((c) => c.path.endsWith('/approve'))).toBe(false);
    await userEvent.type(item.getByLabelText('Find a customer for Rita Registrant'), 'harbor');
    const select = item.getByLabelText(/^Customer for Rita Registrant/);
    await vi.waitFor(() => expect(within(select).getByRole('option', { name: 'Harbor Apartments' })).toBeInTheDocument());
    await userEvent.selectOptions(select, CUSTOMER);
    await userEvent.click(item.getByRole('button', { name: 'Approve into this customer' }));
    await vi.waitFor(() => expect(calls.find((c) => c.path.endsWith('/approve'))?.body).toEqual({ customer_id: CUSTOMER }));
  });

  it("shows the API's 422 on customer_id beside the picker", async () => {
    serve(() =>
      json(422, { title: 'Unprocessable Entity', status: 422, detail: 'invalid input', errors: { customer_id: ['does not name a customer of this company'] } }),
    );
    renderWithProviders(<PortalRoute />);
    const item = within(await screen.findByRole('list', { name: 'Pending registrations' }));
    await userEvent.click(item.getByLabelText('An existing customer'));
    const select = item.getByLabelText(/^Customer for Rita Registrant/);
    await vi.waitFor(() => expect(within(select).getByRole('option', { name: 'Acme Offices' })).toBeInTheDocument());
    await userEvent.selectOptions(select, OTHER);
    await userEvent.click(item.getByRole('button', { name: 'Approve into this customer' }));
    expect(await item.findByText('does not name a customer of this company')).toBeInTheDocument();
    expect(item.getByText('Please choose another customer.')).toBeInTheDocument();
    expect(select).toHaveAttribute('aria-invalid', 'true');
  });
});
