import { act, cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { RequestFormPage } from './RequestFormPage';
import { RequestPage } from './RequestPage';
import { ReviewQueuePage } from './ReviewQueuePage';
import { ReviewPage } from './ReviewPage';

const ID = '11111111-1111-4111-8111-111111111111';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

const request = (state: string, extra: Record<string, unknown> = {}) => ({
  id: ID, customer_id: ID, service_location_id: null, title: 'Leaking tap', description: 'Drips', preferred_windows: 'mornings',
  urgency: 'urgent', state, rejected_reason: null, job_id: null, submitted_at: null, decided_at: null,
  created_at: '2030-01-01T09:00:00Z', updated_at: '2030-01-01T09:00:00Z', version: 1, ...extra,
});

const history = [
  { id: '1', at: '2030-01-01T10:00:00Z', field: 'title', old_value: 'Tap', new_value: 'Leaking tap', actor_name: 'Rita', actor_role: 'CUSTOMER', reason: 'more precise' },
  { id: '2', at: '2030-01-01T09:00:00Z', field: 'state', old_value: null, new_value: 'draft', actor_name: 'Rita', actor_role: 'CUSTOMER', reason: null },
];

/** Answers by method and path, in order for repeated calls. */
function server(routes: Record<string, unknown[]>) {
  const calls: { method: string; path: string; body: unknown; query?: string }[] = [];
  const fetchMock = vi.fn(async (input: Request) => {
    const path = new URL(input.url).pathname;
    const query = new URL(input.url).search;
    const key = `${input.method} ${path}`;
    const body = input.method === 'GET' ? undefined : await input.clone().json().catch(() => undefined);
    calls.push({ method: input.method, path, body, query });
    const answers = routes[key];
    if (!answers || answers.length === 0) return json(404, { title: 'Not Found', status: 404, detail: key });
    const next = answers.length > 1 ? answers.shift() : answers[0];
    return (next as Response).clone();
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

afterEach(() => {
  session.signOut();
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('RequestFormPage', () => {
  it('saves the draft once typing pauses, then submits it', async () => {
    const calls = server({
      'POST /api/v1/job-requests': [json(201, request('draft'))],
      [`PATCH /api/v1/job-requests/${ID}`]: [json(200, request('draft'))],
      [`POST /api/v1/job-requests/${ID}/submit`]: [json(200, request('submitted'))],
    });
    renderWithProviders(
      <Routes>
        <Route path="/portal/requests/new" element={<RequestFormPage />} />
        <Route path="/portal/requests/:requestId" element={<p>Request page</p>} />
      </Routes>,
      { route: '/portal/requests/new' },
    );
    await userEvent.type(screen.getByLabelText(/What needs doing/), 'Leaking tap');
    expect(await screen.findByText('Draft saved', {}, { timeout: 4000 })).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST')[0]?.body).toMatchObject({ title: 'Leaking tap', urgency: 'normal' });

    await userEvent.type(screen.getByLabelText(/When suits you/), 'mornings');
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    expect(await screen.findByText('Request page')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'PATCH' && (c.body as { preferred_windows: string }).preferred_windows === 'mornings')).toBe(true);
    expect(calls.at(-1)?.path).toBe(`/api/v1/job-requests/${ID}/submit`);
  });

  it('asks a customer with several places which one, and sends it', async () => {
    const jwt = `h.${btoa(JSON.stringify({ role: 'CUSTOMER' })).replace(/=+$/, '')}.s`;
    session.signIn(jwt, {
      id: 'u', name: 'Rita', email: 'r@x.test', role: 'CUSTOMER', role_id: 'role-customer', role_name: 'Customer', permissions: [], customer_id: ID,
      company: { id: 'c', name: 'Acme', slug: 'acme', color: '#000000' },
    });
    const place = (id: string, name: string) => ({ id, name });
    const calls = server({
      [`GET /api/v1/customers/${ID}/locations`]: [json(200, { items: [place('p1', 'Home'), place('p2', 'Shop')], next_cursor: null })],
      'POST /api/v1/job-requests': [json(201, request('draft'))],
      [`PATCH /api/v1/job-requests/${ID}`]: [json(200, request('draft'))],
      [`POST /api/v1/job-requests/${ID}/submit`]: [json(200, request('submitted'))],
    });
    renderWithProviders(<RequestFormPage />, { route: '/portal/requests/new' });
    await userEvent.type(screen.getByLabelText(/What needs doing/), 'Leaking tap');
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    expect(await screen.findByText('Choose the place the work is at')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText(/Where\?/), 'p2');
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    await vi.waitFor(() => expect(calls.at(-1)?.path).toBe(`/api/v1/job-requests/${ID}/submit`));
    expect(calls.some((c) => (c.body as { service_location_id?: string } | undefined)?.service_location_id === 'p2')).toBe(true);
  });

  it('asks for a title before submitting', async () => {
    const calls = server({});
    renderWithProviders(<RequestFormPage />, { route: '/portal/requests/new' });
    await userEvent.click(screen.getByRole('button', { name: 'Submit request' }));
    expect(await screen.findByText('Give the request a short title')).toBeInTheDocument();
    expect(calls).toHaveLength(0);
  });
});

describe('RequestPage', () => {
  it('shows the request and its history, newest first, with who and why', async () => {
    server({
      [`GET /api/v1/job-requests/${ID}`]: [json(200, request('submitted'))],
      [`GET /api/v1/job-requests/${ID}/history`]: [json(200, history)],
    });
    renderWithProviders(
      <Routes>
        <Route path="/portal/requests/:requestId" element={<RequestPage />} />
      </Routes>,
      { route: `/portal/requests/${ID}` },
    );
    expect(await screen.findByRole('heading', { name: 'Leaking tap' })).toBeInTheDocument();
    expect(screen.getByTestId('request-state')).toHaveTextContent('Submitted');
    const items = await screen.findAllByRole('listitem');
    expect(items[0]).toHaveTextContent('title changed from “Tap” to “Leaking tap”');
    expect(items[0]).toHaveTextContent('“more precise”');
    expect(screen.getByRole('button', { name: 'Withdraw' })).toBeInTheDocument();
  });
});

describe('ReviewPage', () => {
  it('approves a submitted request into a job, or declines it only with a reason', async () => {
    const calls = server({
      [`GET /api/v1/job-requests/${ID}`]: [json(200, request('submitted')), json(200, request('approved', { job_id: ID }))],
      [`GET /api/v1/job-requests/${ID}/history`]: [json(200, history)],
      [`POST /api/v1/job-requests/${ID}/approve`]: [json(200, request('approved', { job_id: ID }))],
    });
    renderWithProviders(
      <Routes>
        <Route path="/admin/requests/:requestId" element={<ReviewPage />} />
      </Routes>,
      { route: `/admin/requests/${ID}` },
    );
    expect(await screen.findByRole('button', { name: 'Decline' })).toBeDisabled();
    await userEvent.type(screen.getByLabelText(/Reason to decline/), 'No');
    expect(screen.getByRole('button', { name: 'Decline' })).toBeEnabled();
    await act(async () => {
      await userEvent.click(screen.getByRole('button', { name: 'Approve as a job' }));
    });
    expect(await screen.findByRole('link', { name: 'Open the job' })).toBeInTheDocument();
    expect(calls.some((c) => c.path.endsWith('/approve'))).toBe(true);
  });
});

describe('ReviewQueuePage', () => {
  it('filters the queue by how long requests have waited', async () => {
    const calls = server({ 'GET /api/v1/job-requests': [json(200, { items: [request('submitted')], next_cursor: null })] });
    renderWithProviders(<ReviewQueuePage />);
    expect(await screen.findByText('Leaking tap')).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Waiting'), '72');
    await vi.waitFor(() =>
      expect(calls.some((c) => c.path === '/api/v1/job-requests' && c.query?.includes('older_than_hours=72'))).toBe(true),
    );
  });

  it('filters by a customer, then by one of its places', async () => {
    const CUSTOMER = '22222222-2222-4222-8222-222222222222';
    const PLACE = '33333333-3333-4333-8333-333333333333';
    const calls = server({
      'GET /api/v1/job-requests': [json(200, { items: [request('submitted')], next_cursor: null })],
      'GET /api/v1/customers': [json(200, { items: [{ id: CUSTOMER, name: 'Elm Street Dental' }], next_cursor: null })],
      [`GET /api/v1/customers/${CUSTOMER}/locations`]: [json(200, { items: [{ id: PLACE, name: 'Building C' }], next_cursor: null })],
    });
    renderWithProviders(<ReviewQueuePage />);
    expect(await screen.findByText('Leaking tap')).toBeInTheDocument();
    expect(screen.queryByLabelText('Place')).toBeNull();
    await userEvent.selectOptions(await screen.findByLabelText('Customer'), await screen.findByRole('option', { name: 'Elm Street Dental' }));
    await vi.waitFor(() =>
      expect(calls.some((c) => c.path === '/api/v1/job-requests' && c.query?.includes(`customer_id=${CUSTOMER}`))).toBe(true),
    );
    await userEvent.selectOptions(screen.getByLabelText('Place'), await screen.findByRole('option', { name: 'Building C' }));
    await vi.waitFor(() =>
      expect(
        calls.some(
          (c) => c.path === '/api/v1/job-requests' && c.query?.includes(`customer_id=${CUSTOMER}`) && c.query.includes(`service_location_id=${PLACE}`),
        ),
      ).toBe(true),
    );
  });
});
