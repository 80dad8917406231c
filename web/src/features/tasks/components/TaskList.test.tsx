import { QueryClient, useQuery } from '@tanstack/react-query';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Toaster } from '@/components/ui/Toast';
import { renderWithProviders } from '@/test/render';
import type { JobDetail } from '@/lib/api/types';
import { jobKeys } from '@/lib/api/keys';
import { TaskList } from './TaskList';

const job = {
  id: 'job-1',
  title: 'Fix drain',
  tasks: [
    { id: 't1', job_id: 'job-1', title: 'Clear the drain', position: 0, is_completed: false, completed_at: null, version: 1 },
    { id: 't2', job_id: 'job-1', title: 'Test the pump', position: 1, is_completed: true, completed_at: '2030-01-01T00:00:00Z', version: 1 },
  ],
  tasks_done: 1,
  tasks_total: 2,
} as unknown as JobDetail;

function setup(mode: 'admin' | 'worker' | 'readonly') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  client.setQueryData(jobKeys.detail(job.id), job);
  function Live() {
    const { data } = useQuery({ queryKey: jobKeys.detail(job.id), queryFn: () => job, staleTime: Infinity });
    return data ? <TaskList job={data} mode={mode} /> : null;
  }
  return { client, ...renderWithProviders(<><Live /><Toaster /></>, { client }) };
}

afterEach(() => vi.unstubAllGlobals());

describe('TaskList', () => {
  it('ticks at once and rolls back when the server refuses', async () => {
    let answer: (r: Response) => void = () => {};
    vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>((resolve) => (answer = resolve))));
    const { client } = setup('worker');
    const box = screen.getByRole('checkbox', { name: 'Clear the drain' });
    expect(box).not.toBeChecked();

    await userEvent.click(box);
    await waitFor(() => expect(box).toBeChecked());
    expect(client.getQueryData<JobDetail>(jobKeys.detail(job.id))?.tasks_done).toBe(2);

    answer(new Response(JSON.stringify({ title: 'Forbidden', status: 403, detail: 'not your job' }), { status: 403 }));
    await waitFor(() => expect(screen.getByRole('checkbox', { name: 'Clear the drain' })).not.toBeChecked());
    expect(await screen.findByText('Task not saved: not your job')).toBeInTheDocument();
  });

  it('workers get checkboxes only: no reorder, delete or add', () => {
    setup('worker');
    expect(screen.getAllByRole('checkbox')).toHaveLength(2);
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByRole('textbox')).toBeNull();
  });

  it('read-only mode has no controls at all', () => {
    setup('readonly');
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByText('Clear the drain')).toBeInTheDocument();
    expect(screen.getByText('(done)', { exact: false })).toBeInTheDocument();
  });

  it('admins can reorder, delete and add, with labelled controls', () => {
    setup('admin');
    expect(screen.getByRole('button', { name: 'Move “Clear the drain” up' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Move “Test the pump” down' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Delete task “Test the pump”' })).toBeEnabled();
    expect(screen.getByLabelText('New task')).toBeInTheDocument();
  });

  it('moves a task with one request for the whole order, and moves it back if refused', async () => {
    const requests: { method: string; url: string; body: unknown }[] = [];
    let answer: (r: Response) => void = () => {};
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request) => {
        requests.push({ method: input.method, url: input.url, body: await input.clone().json() });
        return new Promise<Response>((resolve) => (answer = resolve));
      }),
    );
    setup('admin');
    await userEvent.click(screen.getByRole('button', { name: 'Move “Test the pump” up' }));

    const order = () => screen.getAllByRole('checkbox').map((box) => box.closest('li')?.textContent?.includes('Test the pump'));
    await waitFor(() => expect(order()).toEqual([true, false]), { timeout: 1000 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('PUT');
    expect(new URL(requests[0]!.url).pathname).toBe('/api/v1/jobs/job-1/tasks/order');
    expect(requests[0]!.body).toEqual({ task_ids: ['t2', 't1'] });

    answer(new Response(JSON.stringify({ title: 'Unprocessable', status: 422, detail: 'the job changed' }), { status: 422 }));
    expect(await screen.findByText('Order not saved: the job changed')).toBeInTheDocument();
    await waitFor(() => expect(order()).toEqual([false, true]));
  });

  it('validates a new task before sending it', async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    setup('admin');
    await userEvent.click(screen.getByRole('button', { name: 'Add task' }));
    expect(await screen.findByText('Task is required')).toBeInTheDocument();
    expect(screen.getByLabelText('New task')).toHaveAttribute('aria-invalid', 'true');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
