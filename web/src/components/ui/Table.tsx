import type { ReactNode } from 'react';

interface TableProps {
  /** Names the table for screen readers (the caption is visually hidden). */
  caption: string;
  columns: string[];
  /** Adds a last column, unlabelled on screen, for each row's buttons. */
  actions?: boolean;
  /** Sets aria-busy while the rows refresh. */
  busy?: boolean;
  /** The rows. */
  children: ReactNode;
}

/** A list page's table; on a phone its rows become cards (each cell's data-label names it). */
export function Table({ caption, columns, actions, busy, children }: TableProps) {
  return (
    <div className="table-wrap" aria-busy={busy}>
      <table className="table table-cards">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
