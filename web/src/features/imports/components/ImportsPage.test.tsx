import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { session } from '@/lib/auth/session';
import { renderWithProviders } from '@/test/render';
import { ImportsPage } from './ImportsPage';

const ID = '11111111-1111-4111-8111-111111111111';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

const record = (state: string, extra: Record<string, unknown> = {}) => ({
  id: ID, kind: 'customers', file_name: 'sf.csv', source: 'servicefusion', mapping: { name: 'Customer Name' },
  headers: ['Customer ID', 'Customer Name', 'Email'], created_by: ID, created_at: '2030-01-01T09:00:00Z',
  created_count: 2, updated_count: 1, skipped_count: 0, refused_count: 1, state,
  undo_deadline: state === 'applied' ? '2999-01-01T00:00:00Z' : null, undone_at: null, ...extra,
});

const report = (state: string) => ({
  import: record(state),
  encoding: 'utf-8',
  matches: [{ row: 4, outcome: 'updated', record_id: ID, matched_by: 'external_id', label: 'Ann Bakery' }],
  errors: [{ row: 3, column: 'Email', message: 'is not a valid email address', values: ['SF-2', 'Bob', 'nope'] }],
});

function server(routes: Record<string, unknown[]>) {
  const calls: { method: string; path: string; query: string }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request) => {
      const url = new URL(input.url);
      const key = `${input.method} ${url.pathname}`;
      calls.push({ method: input.method, path: url.pathname, query: url.search });
      const answers = routes[key];
      if (!answers || answers.length === 0) return json(404, { title: 'Not Found', status: 404, detail: key });
      const next = answers.length > 1 ? answers.shift() : answers[0];
      return (next as Response).clone();
    }),
  );
  return calls;
}

afterEach(() => {
  session.signOut();
  cleanup();
  vi.unstubAllGlobals();
});

describe('ImportsPage', () => {
  it('uploads, proposes a mapping, dry runs with row errors, applies and undoes', async () => {
    const calls = server({
      'GET /api/v1/imports': [json(200, { items: [], next_cursor: null }), json(200, { items: [record('applied')], next_cursor: null })],
      'POST /api/v1/imports/preview': [
        json(200, {
          headers: ['Customer ID', 'Customer Name', 'Email'], encoding: 'utf-8',
          mapping: { external_id: 'Customer ID', name: 'Customer Name', email: 'Email' },
          fields: ['external_id', 'name', 'email', 'phone'], presets: ['servicefusion'], sample: [],
        }),
      ],
      'POST /api/v1/imports': [json(201, report('dry_run')), json(201, report('applied'))],
      [`POST /api/v1/imports/${ID}/undo`]: [json(200, record('undone'))],
    });
    const user = userEvent.setup();
    renderWithProviders(<ImportsPage />);
    await user.selectOptions(screen.getByLabelText('Exported from'), 'servicefusion');
    const file = new File(['Customer ID,Customer Name,Email\nSF-1,Ann,ann@x.test\n'], 'sf.csv', { type: 'text/csv' });
    await user.upload(screen.getByLabelText('File (CSV or Excel .xlsx)'), file);

    // The proposed mapping, editable.
    const nameColumn = await screen.findByLabelText('Column for name');
    expect(nameColumn).toHaveValue('Customer Name');
    expect(screen.getByLabelText('Column for phone')).toHaveValue('');
    expect(screen.getByRole('button', { name: 'Apply' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Dry run' }));
    const shown = await screen.findByTestId('import-report');
    expect(shown).toHaveTextContent('Would create 2, would update 1, unchanged 0, refused 1.');
    expect(screen.getByRole('table', { name: 'Refused rows' })).toHaveTextContent('is not a valid email address');
    expect(screen.getByRole('table', { name: 'Rows matching existing records' })).toHaveTextContent('Ann Bakery');
    const dryRun = calls.find((c) => c.path === '/api/v1/imports' && c.method === 'POST');
    expect(dryRun?.query).toContain('dry_run=true');
    expect(decodeURIComponent(dryRun?.query ?? '')).toContain('"name":"Customer Name"');

    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(screen.getByTestId('import-report')).toHaveTextContent('Created 2, updated 1'));
    const applied = calls.filter((c) => c.path === '/api/v1/imports' && c.method === 'POST')[1];
    expect(applied?.query).toContain('dry_run=false');

    await user.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(calls.some((c) => c.path === `/api/v1/imports/${ID}/undo`)).toBe(true));
  });

  it('follows a large file imported in the background with a progress bar, then shows its report', async () => {
    const running = { ...report('running'), matches: [], errors: [] };
    running.import = record('running', { rows_total: 20000, rows_done: 0, created_count: 0, refused_count: 0 });
    server({
      'GET /api/v1/imports': [json(200, { items: [], next_cursor: null })],
      'POST /api/v1/imports/preview': [
        json(200, {
          headers: ['Customer ID', 'Customer Name'], encoding: 'utf-8', mapping: { name: 'Customer Name' },
          fields: ['name'], presets: ['servicefusion'], sample: [],
        }),
      ],
      'POST /api/v1/imports': [json(202, running)],
      [`GET /api/v1/imports/${ID}`]: [
        json(200, { import: record('running', { rows_total: 20000, rows_done: 5000 }), errors: [] }),
        json(200, { import: record('dry_run', { rows_total: 20000, rows_done: 20000 }), errors: report('dry_run').errors }),
      ],
    });
    const user = userEvent.setup();
    renderWithProviders(<ImportsPage />);
    const file = new File(['Customer ID,Customer Name\nSF-1,Ann\n'], 'big.csv', { type: 'text/csv' });
    await user.upload(screen.getByLabelText('File (CSV or Excel .xlsx)'), file);
    await user.click(await screen.findByRole('button', { name: 'Dry run' }));

    const bar = await screen.findByRole('progressbar', { name: 'Import of sf.csv' });
    expect(bar).toHaveAttribute('value', '5000');
    expect(bar).toHaveAttribute('max', '20000');
    await waitFor(() => expect(screen.getByTestId('import-report')).toHaveTextContent('Would create 2, would update 1'), {
      timeout: 5000,
    });
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('table', { name: 'Refused rows' })).toHaveTextContent('is not a valid email address');
  });

  it('shows a large import being undone in the background until it is undone', async () => {
    const big = { created_count: 5000 };
    const calls = server({
      'GET /api/v1/imports': [
        json(200, { items: [record('applied', big)], next_cursor: null }),
        json(200, { items: [record('undoing', big)], next_cursor: null }),
        json(200, { items: [record('undone', big)], next_cursor: null }),
      ],
      [`POST /api/v1/imports/${ID}/undo`]: [json(202, record('undoing', big))],
    });
    const user = userEvent.setup();
    renderWithProviders(<ImportsPage />);
    await user.click(await screen.findByRole('button', { name: 'Undo' }));
    const history = screen.getByRole('table', { name: 'Past imports' });
    await waitFor(() => expect(history).toHaveTextContent('undoing…'));
    expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull();
    await waitFor(() => expect(history).toHaveTextContent('undone'), { timeout: 5000 });
    expect(calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/imports').length).toBeGreaterThanOrEqual(3);
  });
});
