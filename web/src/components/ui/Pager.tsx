import { useState } from 'react';
import { Button } from './Button';

/** Cursor pagination: remembers the cursors walked so "Previous" works. */
export function useCursorPager(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: string[] }>({ key: resetKey, stack: [] });
  const stack = state.key === resetKey ? state.stack : [];
  return {
    cursor: stack[stack.length - 1],
    page: stack.length + 1,
    next: (cursor: string) => setState({ key: resetKey, stack: [...stack, cursor] }),
    previous: () => setState({ key: resetKey, stack: stack.slice(0, -1) }),
  };
}

export function Pager({ page, nextCursor, onNext, onPrevious, busy }: { page: number; nextCursor?: string | null | undefined; onNext: (c: string) => void; onPrevious: () => void; busy?: boolean }) {
  if (page === 1 && !nextCursor) return null;
  return (
    <nav className="pager" aria-label="Pagination">
      <Button size="sm" onClick={onPrevious} disabled={page === 1 || busy}>
        Previous
      </Button>
      <span className="pager-page">Page {page}</span>
      <Button size="sm" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor || busy}>
        Next
      </Button>
    </nav>
  );
}
