import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useTitle } from './Page';
import { ErrorState, Loading } from './States';

/** "← All jobs": the way back from a detail page. */
export function BackLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Link to={to} className="back-link">
      ← {children}
    </Link>
  );
}

interface PageFrameProps<T> {
  query: UseQueryResult<T>;
  /** The document title (while loading too). */
  title: string;
  /** The back link, kept on the error page so there is a way out. */
  back: ReactNode;
  /** The page's class, for the error page. */
  className: string;
  loadingLabel: string;
  /** The page, once the data is there. */
  children: (data: T) => ReactNode;
}

/** The frame of a page about one loaded thing: title, loading, error with a way back. */
export function PageFrame<T>({ query, title, back, className, loadingLabel, children }: PageFrameProps<T>) {
  useTitle(title);
  if (query.isPending) return <Loading label={loadingLabel} />;
  if (query.isError) {
    return (
      <div className={className}>
        {back}
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      </div>
    );
  }
  return children(query.data);
}
