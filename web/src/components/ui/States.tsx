import type { ReactNode } from 'react';
import { errorMessage, isApiError } from '@/lib/api/errors';
import { Button } from './Button';
import { Spinner } from './Spinner';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <Spinner size={28} />
      <span>{label}</span>
    </div>
  );
}

export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty">
      <svg aria-hidden="true" width="40" height="40" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5">
        <rect x="3" y="4" width="18" height="16" rx="2" />
        <path d="M3 9h18M8 14h8" />
      </svg>
      <p className="state-title">{title}</p>
      {children ? <p className="state-text">{children}</p> : null}
      {action}
    </div>
  );
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const notFound = isApiError(error, 404);
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title ?? (notFound ? 'Not found' : 'Could not load this page')}</p>
      <p className="state-text">
        {notFound ? 'It does not exist, or you do not have access to it.' : errorMessage(error)}
      </p>
      {onRetry && !notFound ? (
        <Button onClick={onRetry} variant="secondary">
          Try again
        </Button>
      ) : null}
    </div>
  );
}

/** What QueryState needs of a TanStack Query result (a plain or an infinite query). */
interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/** A query's loading and error (with "Try again") states; `children` with the data once it is there. */
export function QueryState<T>({ query, loading, children }: { query: QueryLike<T>; loading: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading label={loading} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return children(query.data as T);
}
