import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { JobDetail } from '@/lib/api/types';
import { NotesList } from './Notes';

const note = (id: string, created_at: string, visibility: 'internal' | 'customer') =>
  ({ id, body: `Note ${id}`, visibility, created_at, author: { id: 'u1', name: 'Ada' } }) as JobDetail['notes'][number];

describe('notes', () => {
  it('lists notes newest first, each with what the route puts beside it (its files)', () => {
    render(
      <NotesList
        notes={[note('n1', '2026-12-01T10:00:00Z', 'internal'), note('n2', '2026-12-02T10:00:00Z', 'customer')]}
        files={(id) => <span>files of {id}</span>}
      />,
    );
    const items = within(screen.getByRole('list', { name: 'Notes' })).getAllByRole('listitem');
    expect(items.map((item) => item.querySelector('.note-body')?.textContent)).toEqual(['Note n2', 'Note n1']);
    expect(items[0]).toHaveTextContent('files of n2');
    expect(items[0]).toHaveTextContent('Visible to customer');
    expect(items[1]).toHaveTextContent('files of n1');
    expect(items[1]).toHaveTextContent('Internal');
  });
});
