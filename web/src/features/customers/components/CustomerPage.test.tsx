import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { CustomerPage, interleave } from './CustomerPage';
import { CustomerForm } from './CustomersPage';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });

const customer = {
  id: 'c1', account_number: 42, name: 'Harbor Apartments', email: null, phone: null, address: null,
  tags: ['vip'], do_not_service: true, notes: null, parent_customer_id: null,
  custom_fields: { contract: 'Gold' },
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
};
const location = {
  id: 'l1', customer_id: 'c1', name: 'Building C',
  address: { line1: '12 Quay Street', line2: null, city: 'Portsmouth', region: null, postal_code: '03801', country: null },
  latitude: null, longitude: null, access: { gate_code: '4321#', access_notes: 'Key at the front desk' },
  custom_fields: { floors: 4 },
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
};
const definition = (entity: string, key: string, label: string, field_type: string) => ({
  id: key, entity, key, label, field_type, options: [], is_required: false, visible_to_workers: false,
  visible_to_customers: false, position: 0, is_archived: false,
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
});
const definitions: Record<string, unknown[]> = {
  customer: [definition('customer', 'contract', 'Contract', 'text')],
  location: [definition('location', 'floors', 'Floors', 'number')],
};
const contact = {
  id: 'k1', customer_id: 'c1', name: 'Marguerite Velasquez', title: 'Property manager', is_primary: true,
  methods: [
    { id: 'm1', kind: 'mobile', value: '+1 (603) 555-7788', is_primary: true },
    { id: 'm2', kind: 'email', value: 'mv@harbor.example', is_primary: true },
  ],
  created_at: '2030-01-01T00:00:00Z', updated_at: '2030-01-01T00:00:00Z', version: 1,
};
const call = {
  id: 'e1', customer_id: 'c1', service_location_id: null, contact_id: null, job_id: null,
  occurred_at: '2030-02-01T10:00:00Z', channel: 'call', direction: 'inbound', summary: 'Reported a leak',
  author_id: 'u1', author_name: 'Ada Admin', created_at: '2030-02-01T10:00:00Z', updated_at: '2030-02-01T10:00:00Z', version: 1,
};
const jobs = [
  { id: 'j-old', title: 'Boiler service', status: 'Completed', created_at: '2030-01-15T00:00:00Z' },
  { id: 'j-new', title: 'Fix the leak', status: 'New', created_at: '2030-03-01T00:00:00Z' },
];

type Handler = (url: URL, request: Request) => Response | undefined;

/** A 409 `duplicate` naming Quay Holdings (#7), matched by one of its contacts or locations. */
const duplicateProblem = (kind: 'contact' | 'location', matched: string) => ({
  type: 'urn:fieldops:problem:duplicate', title: 'Conflict', status: 409, detail: 'likely duplicates exist',
  duplicates: [{ customer_id: 'c9', account_number: 7, customer_name: 'Quay Holdings', kind, record_id: kind === 'contact' ? 'k9' : 'l9', matched }],
});

function serve(extra: Handler = () => undefined) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request | string) => {
      const request = typeof input === 'string' ? new Request(new URL(input, 'http://localhost')) : input;
      const url = new URL(request.url, 'http://localhost');
      const text = request.method === 'GET' ? '' : await request.clone().text();
      requests.push({ method: request.method, path: url.pathname, body: text ? JSON.parse(text) : null });
      const answer = extra(url, request);
      if (answer) return answer;
      if (url.pathname.endsWith('/custom-fields')) return json(definitions[url.searchParams.get('entity') ?? ''] ?? []);
      if (url.pathname.endsWith('/customers/c1')) return json(customer);
      if (url.pathname.endsWith('/locations')) return json({ items: [location], next_cursor: null });
      if (url.pathname.endsWith('/contacts')) return json({ items: [contact], next_cursor: null });
      if (url.pathname.endsWith('/communications')) return json({ items: [call], next_cursor: null });
      return json({ status: 404, title: 'Not Found', detail: 'no such resource', type: 'urn:fieldops:problem:not-found' }, 404);
    }),
  );
  return requests;
}

afterEach(() => {
  vi.unstubAllGlobals();
  session.signOut();
});

/** Signs in as user `id` (the timeline offers edits of that user's own entries). */
function signInAs(id: string) {
  const jwt = `h.${btoa(JSON.stringify({ role: 'ADMIN' })).replace(/=+$/, '')}.s`;
  session.signIn(jwt, {
    id, name: 'Ada Admin', email: 'ada@x.test', role: 'ADMIN', customer_id: null,
    company: { id: 'co', name: 'Acme', slug: 'acme', color: '#000000' },
  } as never);
}

describe('CustomerPage', () => {
  it("renders the route's portal panel with the loaded customer", async () => {
    serve();
    renderWithProviders(
      <CustomerPage customerId="c1" jobs={jobs} portal={(c) => <p data-testid="portal-slot">{`${c.name} ${c.account_number}`}</p>} />,
    );
    expect(await screen.findByTestId('portal-slot')).toHaveTextContent('Harbor Apartments 42');
  });

  it('shows the header, locations with map links, contacts to call or mail, and the timeline', async () => {
    serve();
    renderWithProviders(<CustomerPage customerId="c1" jobs={jobs} />);

    expect(await screen.findByRole('heading', { name: 'Harbor Apartments' })).toBeInTheDocument();
    expect(screen.getByLabelText('Account number 42')).toHaveTextContent('#42');
    expect(screen.getByText('vip')).toBeInTheDocument();
    expect(screen.getByText('Do not service')).toBeInTheDocument();
    // Custom fields, labelled by the company's definitions.
    expect(await screen.findByText('Contract')).toBeInTheDocument();
    expect(screen.getByText('Gold')).toBeInTheDocument();

    const map = await screen.findByRole('link', { name: /open Building C in maps/ });
    expect(map.getAttribute('href')).toContain(encodeURIComponent('12 Quay Street, Portsmouth, 03801'));
    const place = screen.getByTestId('customer-location');
    expect(place).toHaveTextContent('Gate code: 4321#');
    expect(place).toHaveTextContent('Key at the front desk');
    expect(await within(place).findByText('Floors')).toBeInTheDocument();
    expect(within(place).getByText('4')).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: '+1 (603) 555-7788' })).toHaveAttribute('href', 'tel:+16035557788');
    expect(screen.getByRole('link', { name: 'mv@harbor.example' })).toHaveAttribute('href', 'mailto:mv@harbor.example');

    // Newest first: the new job, the call, the old job.
    const timeline = await screen.findByRole('list', { name: 'Communications and jobs' });
    const items = within(timeline).getAllByRole('listitem').map((li) => li.textContent ?? '');
    expect(items).toHaveLength(3);
    expect(items[0]).toContain('Fix the leak');
    expect(items[1]).toContain('Reported a leak');
    expect(items[1]).toContain('Ada Admin');
    expect(items[2]).toContain('Boiler service');
  });

  it('logs a call', async () => {
    const requests = serve();
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    const form = await screen.findByRole('form', { name: 'Log a communication' });
    await userEvent.selectOptions(within(form).getByLabelText('Direction'), 'outbound');
    await userEvent.type(within(form).getByLabelText(/Summary/), 'Called back about the leak');
    await userEvent.click(within(form).getByRole('button', { name: 'Log it' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST')).toBe(true));
    const post = requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/api/v1/customers/c1/communications');
    expect(post?.body).toEqual({ channel: 'call', direction: 'outbound', summary: 'Called back about the leak' });
  });

  it('a blank summary is refused before anything is sent', async () => {
    const requests = serve();
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    const form = await screen.findByRole('form', { name: 'Log a communication' });
    await userEvent.type(within(form).getByLabelText(/Summary/), '   ');
    await userEvent.click(within(form).getByRole('button', { name: 'Log it' }));
    expect(await within(form).findByText('Summary is required')).toBeInTheDocument();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('warns of a likely duplicate location, links the existing customer, and creates anyway on request', async () => {
    const duplicate = duplicateProblem('location', 'address');
    // The first POST answers 409 with a candidate, the second (allow_duplicate) 201.
    let posts = 0;
    const requests = serve((url, request) => {
      if (request.method !== 'POST' || !url.pathname.endsWith('/locations')) return undefined;
      posts += 1;
      return posts === 1 ? json(duplicate, 409) : json({ ...location, id: 'l2', name: 'Annex' }, 201);
    });
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Add location' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Annex');
    await userEvent.type(within(dialog).getByLabelText('Street'), '12 Quay St');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add location' }));

    const warning = await within(dialog).findByRole('alert');
    expect(within(warning).getByRole('link', { name: 'Quay Holdings (#7)' })).toHaveAttribute('href', '/admin/customers/c9');
    expect(warning).toHaveTextContent('same address as one of its locations');

    await userEvent.click(within(warning).getByRole('button', { name: 'Create anyway' }));
    await waitFor(() => expect(posts).toBe(2));
    const bodies = requests.filter((r) => r.method === 'POST').map((r) => (r.body as { allow_duplicate: boolean }).allow_duplicate);
    expect(bodies).toEqual([false, true]);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

describe('CustomerPage edits', () => {
  it("warns when an edit's new phone is another customer's, and saves anyway on request", async () => {
    const duplicate = duplicateProblem('contact', 'phone');
    // The first PATCH answers 409 with a candidate, the second (allow_duplicate) 200.
    let patches = 0;
    const requests = serve((_url, request) => {
      if (request.method !== 'PATCH') return undefined;
      patches += 1;
      return patches === 1 ? json(duplicate, 409) : json({ ...customer, phone: '603 555 0101', version: 2 });
    });
    const done = vi.fn();
    renderWithProviders(<CustomerForm customer={customer} onDone={done} />);
    await userEvent.type(await screen.findByLabelText(/Phone/), '603 555 0101');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    const warning = await screen.findByRole('alert');
    expect(within(warning).getByRole('link', { name: 'Quay Holdings (#7)' })).toHaveAttribute('href', '/admin/customers/c9');
    expect(warning).toHaveTextContent('same phone as one of its contacts');
    expect(done).not.toHaveBeenCalled();

    await userEvent.click(within(warning).getByRole('button', { name: 'Save anyway' }));
    await waitFor(() => expect(done).toHaveBeenCalledOnce());
    const bodies = requests.filter((r) => r.method === 'PATCH').map((r) => r.body as { allow_duplicate: boolean; phone: string });
    expect(bodies.map((b) => [b.phone, b.allow_duplicate])).toEqual([['603 555 0101', false], ['603 555 0101', true]]);
  });

  it('edits a contact: the mobile changes, the other methods are kept', async () => {
    const withFax = { ...contact, methods: [...contact.methods, { id: 'm3', kind: 'fax', value: '603 555 0000', is_primary: true }] };
    const requests = serve((url, request) => {
      if (request.method === 'PATCH') return json({ ...withFax, version: 2 });
      if (url.pathname.endsWith('/contacts')) return json({ items: [withFax], next_cursor: null });
      return undefined;
    });
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Marguerite Velasquez' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Marguerite Velasquez' });
    expect(within(dialog).getByLabelText('Email')).toHaveValue('mv@harbor.example');
    await userEvent.clear(within(dialog).getByLabelText('Mobile'));
    await userEvent.type(within(dialog).getByLabelText('Mobile'), '603 555 9999');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe('/api/v1/contacts/k1');
    expect(patch?.body).toEqual({
      name: 'Marguerite Velasquez',
      title: 'Property manager',
      methods: [
        { kind: 'mobile', value: '603 555 9999', is_primary: true },
        { kind: 'email', value: 'mv@harbor.example', is_primary: true },
        { kind: 'fax', value: '603 555 0000', is_primary: true },
      ],
      allow_duplicate: false,
    });
  });

  it('edits a location, keeping the address parts the form does not show', async () => {
    const requests = serve((_url, request) => (request.method === 'PATCH' ? json({ ...location, version: 2 }) : undefined));
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Building C' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Building C' });
    await userEvent.clear(within(dialog).getByLabelText('City'));
    await userEvent.type(within(dialog).getByLabelText('City'), 'Dover');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe('/api/v1/service-locations/l1');
    expect(patch?.body).toEqual({
      name: 'Building C',
      address: { ...location.address, city: 'Dover' },
      gate_code: '4321#',
      access_notes: 'Key at the front desk',
      custom_fields: { floors: 4 },
      allow_duplicate: false,
    });
  });

  it('edits the gate code and a custom field of a location, and clears its access notes', async () => {
    const requests = serve((_url, request) => (request.method === 'PATCH' ? json({ ...location, version: 2 }) : undefined));
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Building C' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Building C' });
    expect(await within(dialog).findByLabelText('Floors')).toHaveValue(4);
    await userEvent.clear(within(dialog).getByLabelText('Gate code'));
    await userEvent.type(within(dialog).getByLabelText('Gate code'), '9999');
    await userEvent.clear(within(dialog).getByLabelText('Access notes'));
    await userEvent.clear(within(dialog).getByLabelText('Floors'));
    await userEvent.type(within(dialog).getByLabelText('Floors'), '5');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    expect(requests.find((r) => r.method === 'PATCH')?.body).toMatchObject({
      gate_code: '9999',
      access_notes: null,
      custom_fields: { floors: 5 },
    });
  });

  it('an edit moving a location onto the address of another asks first, then saves anyway', async () => {
    const duplicate = duplicateProblem('location', 'address');
    let patches = 0;
    const requests = serve((_url, request) => {
      if (request.method !== 'PATCH') return undefined;
      patches += 1;
      return patches === 1 ? json(duplicate, 409) : json({ ...location, version: 2 });
    });
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit Building C' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Building C' });
    await userEvent.clear(within(dialog).getByLabelText('Street'));
    await userEvent.type(within(dialog).getByLabelText('Street'), '40 Market Square');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    const warning = await within(dialog).findByRole('alert');
    await userEvent.click(within(warning).getByRole('button', { name: 'Save anyway' }));
    await waitFor(() => expect(patches).toBe(2));
    const sent = requests.filter((r) => r.method === 'PATCH').map((r) => (r.body as { allow_duplicate: boolean }).allow_duplicate);
    expect(sent).toEqual([false, true]);
  });

  it('edits and deletes only the log entries of the person signed in', async () => {
    const other = { ...call, id: 'e2', summary: 'Someone else', author_id: 'u2', author_name: 'Bo' };
    const requests = serve((url, request) => {
      if (request.method === 'PATCH') return json({ ...call, summary: 'Reported a leak under the sink', version: 2 });
      if (request.method === 'DELETE') return new Response(null, { status: 204 });
      if (url.pathname.endsWith('/communications')) return json({ items: [call, other], next_cursor: null });
      return undefined;
    });
    signInAs('u1');
    renderWithProviders(<CustomerPage customerId="c1" jobs={[]} />);
    const timeline = await screen.findByRole('list', { name: 'Communications and jobs' });
    const [mine, theirs] = within(timeline).getAllByRole('listitem');
    expect(within(theirs!).queryByRole('button')).toBeNull();

    await userEvent.click(within(mine!).getByRole('button', { name: /^Edit the call entry/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit the entry' });
    await userEvent.type(within(dialog).getByLabelText(/Summary/), ' under the sink');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe('/api/v1/customers/c1/communications/e1');
    expect(patch?.body).toEqual({ channel: 'call', direction: 'inbound', summary: 'Reported a leak under the sink' });

    await userEvent.click(within(mine!).getByRole('button', { name: /^Delete the call entry/ }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete entry' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'DELETE')).toBe(true));
    expect(requests.find((r) => r.method === 'DELETE')?.path).toBe('/api/v1/customers/c1/communications/e1');
  });
});

describe('interleave', () => {
  it('orders communications and jobs newest first', () => {
    const entries = interleave([call as never], jobs);
    expect(entries.map((e) => (e.kind === 'job' ? e.job.id : e.entry.id))).toEqual(['j-new', 'e1', 'j-old']);
  });
});
