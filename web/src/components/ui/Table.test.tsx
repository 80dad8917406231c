import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { DeleteButton, EditButton, MoveButtons } from './RowButtons';
import { Table } from './Table';

describe('Table', () => {
  it('is named by its caption, with column headers and an unlabelled actions column', () => {
    render(
      <Table caption="Customers" columns={['Name', 'Email']} actions>
        <tr>
          <td>Harbor Bistro</td>
          <td>—</td>
          <td>
            <EditButton name="Harbor Bistro" onClick={() => {}} />
            <DeleteButton name="Harbor Bistro" onClick={() => {}} />
          </td>
        </tr>
      </Table>,
    );
    const table = screen.getByRole('table', { name: 'Customers' });
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Name', 'Email', 'Actions']);
    expect(screen.getByRole('button', { name: 'Edit Harbor Bistro' })).toHaveTextContent('Edit');
    expect(screen.getByRole('button', { name: 'Delete Harbor Bistro' })).toHaveTextContent('Delete');
    expect(table.parentElement).not.toHaveAttribute('aria-busy');
  });
});

describe('MoveButtons', () => {
  it('moves up and down; the first cannot go up, the last not down', async () => {
    const onMove = vi.fn();
    render(
      <>
        <MoveButtons index={0} count={2} label="“A”" busy={false} onMove={onMove} />
        <MoveButtons index={1} count={2} label="“B”" busy={false} onMove={onMove} />
      </>,
    );
    expect(screen.getByRole('button', { name: 'Move “A” up' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Move “B” down' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Move “B” up' }));
    expect(onMove).toHaveBeenCalledWith(1, -1);
    await userEvent.click(screen.getByRole('button', { name: 'Move “A” down' }));
    expect(onMove).toHaveBeenCalledWith(0, 1);
  });
});
