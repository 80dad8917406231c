import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { BranchesPage } from './BranchesPage';

const json = (body: unknown, status = 200) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const north = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'North',
  address: '1 North Road',
  color: '#1d4ed8',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
};

/** The branches API as the page uses it; every write is recorded with its body. */
function fakeApi({ deleteStatus = 204 }: { deleteStatus?: number } = {}) {
  const branches = [north];
  const calls: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const body = request.method === 'GET' || request.method === 'DELETE' ? undefined : await request.json();
      calls.push({ method: request.method, path: url.pathname, body });
      if (request.method === 'GET' && url.pathname === '/api/v1/branches') return json(branches);
      if (request.method === 'POST' && url.pathname === '/api/v1/branches') {
        const created = { ...north, id: '22222222-2222-4222-8222-222222222222', ...(body as object) };
        branches.push(created);
        return json(created, 201);
      }
      if (request.method === 'DELETE') {
        return deleteStatus === 409
          ? json({ title: 'Conflict', status: 409, detail: 'jobs still name this branch' }, 409)
          : json(null, 204);
      }
      return json({ title: 'Not Found', status: 404 }, 404);
    }),
  );
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('BranchesPage', () => {
  it('lists the branches with their colour and address', async () => {
    fakeApi();
    renderWithProviders(<BranchesPage />);
    const row = await screen.findByTestId('branch-row');
    expect(within(row).getByText('North')).toBeInTheDocument();
    expect(within(row).getByText('1 North Road')).toBeInTheDocument();
  });

  it('creates a branch with the chosen swatch colour', async () => {
    const calls = fakeApi();
    renderWithProviders(<BranchesPage />);
    await screen.findByText('North');
    await userEvent.click(screen.getByRole('button', { name: 'New branch' }));
    await userEvent.type(screen.getByLabelText(/Name/), 'South');
    await userEvent.type(screen.getByLabelText(/Address/), '2 South Road');
    const swatch = screen.getByRole('button', { name: 'Color #dc2626' });
    await userEvent.click(swatch);
    expect(swatch).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(screen.getByRole('button', { name: 'Create branch' }));
    const post = await vi.waitFor(() => {
      const found = calls.find((c) => c.method === 'POST');
      if (!found) throw new Error('no POST yet');
      return found;
    });
    expect(post.body).toEqual({ name: 'South', address: '2 South Road', color: '#dc2626' });
  });

  it('refuses a blank name before asking the server', async () => {
    const calls = fakeApi();
    renderWithProviders(<BranchesPage />);
    await screen.findByText('North');
    await userEvent.click(screen.getByRole('button', { name: 'New branch' }));
    await userEvent.type(screen.getByLabelText(/Name/), '   ');
    await userEvent.click(screen.getByRole('button', { name: 'Create branch' }));
    expect(await screen.findByText('Name is required')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });
});
