import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { Timeline } from './Timeline';

const base = { by: 'WORKER', status: null, rescheduled: false, scheduled_at: null, task: null };
const inProgress = { id: 's2', name: 'In progress', color: '#d97706', is_final: false };

const firstPage = {
  items: [
    { ...base, id: 'e9', at: '2030-01-03T10:00:00Z', kind: 'task_removed', by: 'ADMIN', task: { id: 't2', title: 'Replace impeller' } },
    { ...base, id: 'e8', at: '2030-01-02T10:00:00Z', kind: 'task_completed', task: { id: 't1', title: 'Inspect pump' } },
    { ...base, id: 'e7', at: '2030-01-01T12:00:00Z', kind: 'job_updated', status: inProgress, rescheduled: true, scheduled_at: '2030-01-04T09:00:00Z' },
    { ...base, id: 'e6', at: '2030-01-01T11:00:00Z', kind: 'job_updated', by: 'ADMIN', rescheduled: true },
  ],
  next_cursor: 'older',
};
const secondPage = {
  items: [{ ...base, id: 'e1', at: '2030-01-01T10:00:00Z', kind: 'job_created', by: null, status: { id: 's1', name: null, color: null, is_final: null } }],
  next_cursor: null,
};

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

afterEach(() => vi.unstubAllGlobals());

describe('Timeline', () => {
  it('tells what happened, newest first, and loads earlier activity on request', async () => {
    const cursors: (string | null)[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((input: Request | string) => {
        const url = new URL(typeof input === 'string' ? input : input.url, 'http://localhost');
        expect(url.pathname).toBe('/api/v1/jobs/job-1/timeline');
        cursors.push(url.searchParams.get('cursor'));
        return Promise.resolve(json(url.searchParams.get('cursor') === 'older' ? secondPage : firstPage));
      }),
    );
    renderWithProviders(<Timeline jobId="job-1" />);

    const list = await screen.findByRole('list', { name: 'Activity' });
    const lines = within(list).getAllByRole('listitem').map((li) => li.textContent ?? '');
    expect(lines[0]).toContain('Task removed: “Replace impeller”');
    expect(lines[0]).toContain('Office');
    expect(lines[1]).toContain('Task done: “Inspect pump”');
    expect(lines[1]).toContain('Technician');
    expect(lines[2]).toMatch(/Status changed to\s*In progress; Visit moved to/);
    expect(lines[3]).toContain('Visit unscheduled');
    expect(screen.queryByText(/Job opened/)).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Show earlier activity' }));
    expect(await screen.findByText(/Job opened as/)).toHaveTextContent('a status no longer in use');
    expect(screen.getByText('System')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Show earlier activity' })).toBeNull());
    expect(cursors).toEqual([null, 'older']);
  });

  it('says so when nothing has happened yet', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(json({ items: [], next_cursor: null }))));
    renderWithProviders(<Timeline jobId="job-1" />);
    expect(await screen.findByText('Nothing has happened yet.')).toBeInTheDocument();
  });
});
