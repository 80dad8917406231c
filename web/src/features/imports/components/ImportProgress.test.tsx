import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { ImportProgress } from './ImportProgress';

const ID = '22222222-2222-4222-8222-222222222222';

const detail = (state: string, done: number) => ({
  import: {
    id: ID, kind: 'customers', file_name: 'big.csv', source: 'servicefusion', mapping: {}, headers: [], created_by: ID,
    created_at: '2030-01-01T09:00:00Z', created_count: state === 'running' ? 0 : 2999, updated_count: 0, skipped_count: 0,
    refused_count: state === 'running' ? 0 : 1, state, undo_deadline: null, undone_at: null, rows_total: 3000,
    rows_done: done, failure: null,
  },
  errors: state === 'running' ? [] : [{ row: 9, column: 'Email', message: 'is not a valid email address', values: [] }],
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ImportProgress', () => {
  it('draws the rows done of the file as the record tells, until the import is done', async () => {
    const answers = [detail('running', 0), detail('running', 1500), detail('applied', 3000)];
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: Request) => {
        asked.push(new URL(input.url).pathname);
        const body = answers.length > 1 ? answers.shift() : answers[0];
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      }),
    );
    const onDone = vi.fn();
    renderWithProviders(<ImportProgress id={ID} fileName="big.csv" onDone={onDone} intervalMs={30} />);

    const bar = await screen.findByRole('progressbar', { name: 'Import of big.csv' });
    await waitFor(() => expect(bar).toHaveAttribute('value', '1500'));
    expect(bar).toHaveAttribute('max', '3000');
    expect(screen.getByRole('status')).toHaveTextContent(/1,?500 of 3,?000 rows \(50%\)/);

    await waitFor(() => expect(onDone).toHaveBeenCalledTimes(1));
    expect(onDone.mock.calls[0]?.[0].import.state).toBe('applied');
    expect(onDone.mock.calls[0]?.[0].errors[0].row).toBe(9);
    expect(asked.every((p) => p === `/api/v1/imports/${ID}`)).toBe(true);
    // Done: it stops asking.
    const calls = asked.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(asked.length).toBe(calls);
  });
});
