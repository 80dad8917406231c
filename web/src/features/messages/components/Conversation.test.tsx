import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { Conversation, UnreadBadge } from './Conversation';

const ID = '11111111-1111-4111-8111-111111111111';

const message = (body: string, extra: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(), request_id: ID, job_id: null, author_id: ID, author_name: 'Rita', author_role: 'CUSTOMER',
  body, internal: false, created_at: '2030-01-01T09:00:00Z', ...extra,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Conversation', () => {
  it('shows the thread, marks it read and sends a message', async () => {
    const calls = stubServer({
      [`GET /api/v1/job-requests/${ID}/messages`]: () => json(200, { items: [message('Is Tuesday fine?')], next_cursor: null }),
      [`POST /api/v1/job-requests/${ID}/messages/read`]: () => json(204, null),
      [`POST /api/v1/job-requests/${ID}/messages`]: () => json(201, message('Yes')),
    });
    renderWithProviders(<Conversation thread={{ kind: 'request', id: ID }} staff={false} />);
    expect(await screen.findByText('Is Tuesday fine?')).toBeInTheDocument();
    await vi.waitFor(() => expect(calls.some((c) => c.path.endsWith('/messages/read'))).toBe(true));
    expect(screen.queryByLabelText(/Internal note/)).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Write a message'), 'Yes');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    await vi.waitFor(() =>
      expect(calls.find((c) => c.method === 'POST' && c.path.endsWith('/messages'))?.body).toEqual({ body: 'Yes', internal: false }),
    );
  });

  it('lets staff write an internal note, marked as such', async () => {
    const calls = stubServer({
      [`GET /api/v1/jobs/${ID}/messages`]: () =>
        json(200, { items: [message('Check the valve', { internal: true, author_role: 'WORKER' })], next_cursor: null }),
      [`POST /api/v1/jobs/${ID}/messages/read`]: () => json(204, null),
      [`POST /api/v1/jobs/${ID}/messages`]: () => json(201, message('x')),
    });
    renderWithProviders(<Conversation thread={{ kind: 'job', id: ID }} staff />);
    expect(await screen.findByText('Internal note')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText(/Internal note: the customer never sees it/));
    await userEvent.type(screen.getByLabelText(/Internal note \(staff only\)/), 'Bring a ladder');
    await userEvent.click(screen.getByRole('button', { name: 'Add note' }));
    await vi.waitFor(() =>
      expect(calls.find((c) => c.method === 'POST' && c.path.endsWith('/messages'))?.body).toEqual({
        body: 'Bring a ladder',
        internal: true,
      }),
    );
  });

  it('refuses an empty message before sending it', async () => {
    const calls = stubServer({
      [`GET /api/v1/jobs/${ID}/messages`]: () => json(200, { items: [], next_cursor: null }),
      [`POST /api/v1/jobs/${ID}/messages/read`]: () => json(204, null),
    });
    renderWithProviders(<Conversation thread={{ kind: 'job', id: ID }} staff={false} />);
    expect(await screen.findByText('No messages yet.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Write a message'), '   ');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('Message is required')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/messages'))).toBe(false);
  });
});

describe('UnreadBadge', () => {
  it('shows the total of unread messages', async () => {
    stubServer({ 'GET /api/v1/messages/unread': () => json(200, { total: 3, threads: [] }) });
    renderWithProviders(<UnreadBadge />);
    expect(await screen.findByTestId('unread-badge')).toHaveTextContent('3');
  });
});
