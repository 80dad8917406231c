import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { WorkerJobsPage } from './WorkerJobsPage';

const open = { id: 's-open', name: 'New', color: '#2563eb', is_final: false };

function job(n: number) {
  return {
    id: `job-${n}`,
    title: `Queue job ${n}`,
    description: '',
    status: open,
    customer: { id: 'c1', name: 'Harbor Hotel' },
    assigned_worker: { id: 'w1', name: 'Wendy Worker' },
    scheduled_at: null,
    completed_at: null,
    is_archived: false,
    tasks_total: 0,
    tasks_done: 0,
    created_at: '2030-01-01T00:00:00Z',
    updated_at: '2030-01-01T00:00:00Z',
    version: 1,
  };
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('WorkerJobsPage', () => {
  it('shows the first page of the queue and loads the next one on request', async () => {
    const queueRequests: URL[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((input: Request | string) => {
        const url = new URL(typeof input === 'string' ? input : input.url, 'http://localhost');
        if (url.pathname.endsWith('/job-statuses')) return Promise.resolve(json([{ ...open, order_index: 0 }]));
        queueRequests.push(url);
        return Promise.resolve(
          url.searchParams.get('cursor') === 'page-2'
            ? json({ items: [job(3)], next_cursor: null })
            : json({ items: [job(1), job(2)], next_cursor: 'page-2' }),
        );
      }),
    );
    renderWithProviders(<WorkerJobsPage />);

    expect(await screen.findByText('Queue job 2')).toBeInTheDocument();
    expect(screen.queryByText('Queue job 3')).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Show more jobs' }));
    expect(await screen.findByText('Queue job 3')).toBeInTheDocument();
    expect(screen.getByText('Queue job 1')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Show more jobs' })).toBeNull());
    expect(queueRequests.map((u) => u.searchParams.get('cursor'))).toEqual([null, 'page-2']);
  });
});
