import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { SharePage } from './SharePage';

const view = {
  title: 'Fix the gate motor', description: '', scheduled_at: null, completed_at: null,
  status: { name: 'Scheduled', color: '#2563eb', is_final: false }, worker_name: 'Bill Fixer',
  company: { name: 'Acme Plumbing', color: '#0f766e' }, expires_at: '2030-01-01T00:00:00Z',
  tasks: [], notes: [], custom_fields: [],
  location: { name: 'Building C', line1: '12 Quay Street', line2: null, city: 'Portsmouth', region: null, postal_code: '03801', country: null, latitude: null, longitude: null },
};

function serve(body: unknown) {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })));
}

afterEach(() => vi.unstubAllGlobals());

describe('SharePage', () => {
  it('says where the work is, with a maps link', async () => {
    serve(view);
    renderWithProviders(<SharePage token="t" />);
    const place = await screen.findByTestId('share-location');
    expect(within(place).getByText('Building C')).toBeInTheDocument();
    const map = within(place).getByRole('link', { name: /open Building C in maps/ });
    expect(map.getAttribute('href')).toContain(encodeURIComponent('12 Quay Street, Portsmouth, 03801'));
  });

  it('shows no place for a job without one', async () => {
    serve({ ...view, location: null });
    renderWithProviders(<SharePage token="t" />);
    expect(await screen.findByRole('heading', { name: 'Fix the gate motor' })).toBeInTheDocument();
    expect(screen.queryByTestId('share-location')).toBeNull();
  });
});
