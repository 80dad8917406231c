import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Filters, SearchFilter, SelectFilter } from './Filters';
import { Options } from './Options';

describe('filters', () => {
  it('a named search landmark with a labelled search box and selects', async () => {
    const onSearch = vi.fn();
    const onStatus = vi.fn();
    render(
      <Filters label="Filter jobs">
        <SearchFilter id="q" placeholder="Title" value="" onChange={onSearch} />
        <SelectFilter id="s" label="Status" all="All statuses" value="" onChange={onStatus}>
          <Options items={[{ id: 's1', name: 'New' }]} />
        </SelectFilter>
      </Filters>,
    );
    expect(screen.getByRole('search', { name: 'Filter jobs' })).toBeInTheDocument();
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search' }), 'x');
    expect(onSearch).toHaveBeenCalledWith('x');
    const select = screen.getByRole('combobox', { name: 'Status' });
    expect([...select.querySelectorAll('option')].map((o) => [o.value, o.textContent])).toEqual([
      ['', 'All statuses'],
      ['s1', 'New'],
    ]);
    await userEvent.selectOptions(select, 's1');
    expect(onStatus).toHaveBeenCalledWith('s1');
  });
});
