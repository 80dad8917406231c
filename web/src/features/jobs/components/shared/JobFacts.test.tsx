import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobDetail } from '@/lib/api/types';
import { renderWithProviders } from '@/test/render';
import { CustomerContact, CustomerCustomFields, JobPlace } from './JobFacts';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const definition = (entity: string, key: string, label: string) => ({
  id: key, entity, key, label, field_type: 'text', options: [], is_required: false, visible_to_workers: true,
  visible_to_customers: false, position: 0, is_archived: false,
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
});

function serveDefinitions() {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request) => {
      const entity = new URL(input.url).searchParams.get('entity');
      return json(entity === 'location' ? [definition('location', 'parking', 'Parking')] : [definition('customer', 'dog', 'Dog on site')]);
    }),
  );
}

const location = {
  id: 'l1', customer_id: 'c1', name: 'Building C',
  address: { line1: '12 Quay Street', line2: null, city: 'Portsmouth', region: null, postal_code: '03801', country: null },
  latitude: 43.0718, longitude: -70.7626, custom_fields: { parking: 'Behind the gym' },
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
};
const siteContact = {
  id: 'k1', customer_id: 'c1', name: 'Marguerite Velasquez', title: 'Site manager', is_primary: false,
  methods: [{ id: 'm1', kind: 'mobile', value: '+1 (603) 555-7788', is_primary: true }],
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
};

afterEach(() => vi.unstubAllGlobals());

describe('JobPlace', () => {
  it('shows the assigned worker where to go: map by coordinates, gate code, access notes, fields, site contact to call', async () => {
    serveDefinitions();
    const job = { service_location: { ...location, access: { gate_code: '4321#', access_notes: 'Ring twice' } }, site_contact: siteContact } as unknown as JobDetail;
    renderWithProviders(<JobPlace job={job} />);
    const place = screen.getByTestId('job-place');
    expect(within(place).getByText('Building C')).toBeInTheDocument();
    const map = within(place).getByRole('link', { name: /open Building C in maps/ });
    expect(map.getAttribute('href')).toContain(encodeURIComponent('43.0718,-70.7626'));
    const access = within(place).getByLabelText('Access');
    expect(access).toHaveTextContent('4321#');
    expect(access).toHaveTextContent('Ring twice');
    expect(await within(place).findByText('Parking')).toBeInTheDocument();
    expect(within(place).getByText('Behind the gym')).toBeInTheDocument();
    expect(within(place).getByRole('link', { name: '+1 (603) 555-7788' })).toHaveAttribute('href', 'tel:+16035557788');
    expect(place).toHaveTextContent('Site manager');
  });

  it('shows no access block when the API sent none (a customer, a closed job)', () => {
    serveDefinitions();
    renderWithProviders(<JobPlace job={{ service_location: location, site_contact: null } as unknown as JobDetail} />);
    expect(screen.getByTestId('job-place')).toHaveTextContent('12 Quay Street, Portsmouth, 03801');
    expect(screen.queryByLabelText('Access')).toBeNull();
  });

  it('renders nothing for a job without a place', () => {
    const { container } = renderWithProviders(<JobPlace job={{ service_location: null, site_contact: null } as unknown as JobDetail} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('CustomerCustomFields', () => {
  it('labels the customer fields the caller may read', async () => {
    serveDefinitions();
    renderWithProviders(<CustomerCustomFields customer={{ custom_fields: { dog: 'Yes, friendly' } }} />);
    expect(await screen.findByText('Dog on site')).toBeInTheDocument();
    expect(screen.getByText('Yes, friendly')).toBeInTheDocument();
  });
});

describe('CustomerContact', () => {
  const customer = { id: 'c1', name: 'Harbor Apartments', phone: null, address: '12 Quay Street', custom_fields: {} } as unknown as JobDetail['customer'];

  it('links the customer address when the job names no location', () => {
    renderWithProviders(<CustomerContact customer={customer} />);
    expect(screen.getByRole('link', { name: /12 Quay Street/ })).toBeInTheDocument();
  });

  it('leaves it out when the job has a location (that is where to go)', () => {
    renderWithProviders(<CustomerContact customer={customer} showAddress={false} />);
    expect(screen.queryByRole('link')).toBeNull();
  });
});
