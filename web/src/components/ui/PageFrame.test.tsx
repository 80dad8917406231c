import type { UseQueryResult } from '@tanstack/react-query';
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '@/lib/api/errors';
import { renderWithProviders } from '@/test/render';
import { BackLink, PageFrame } from './PageFrame';
import { Panel } from './Panel';

const query = (state: Partial<UseQueryResult<{ title: string }>>) => ({ refetch: () => {}, ...state }) as UseQueryResult<{ title: string }>;
const frame = (q: UseQueryResult<{ title: string }>) => (
  <PageFrame query={q} title={q.data?.title ?? 'Job'} back={<BackLink to="/jobs">All jobs</BackLink>} className="page" loadingLabel="Loading job…">
    {(job) => <h1>{job.title}</h1>}
  </PageFrame>
);

describe('PageFrame', () => {
  it('loading, then the page with its title', () => {
    const { rerender } = renderWithProviders(frame(query({ isPending: true })));
    expect(screen.getByRole('status')).toHaveTextContent('Loading job…');
    expect(document.title).toBe('Job · FieldOps');
    rerender(frame(query({ isPending: false, isError: false, data: { title: 'Fix drain' } })));
    expect(screen.getByRole('heading', { name: 'Fix drain' })).toBeInTheDocument();
    expect(document.title).toBe('Fix drain · FieldOps');
  });

  it('an error keeps the way back', () => {
    renderWithProviders(frame(query({ isPending: false, isError: true, error: new ApiError(404, 'Not found', 'gone') })));
    expect(screen.getByRole('alert')).toHaveTextContent('Not found');
    expect(screen.getByRole('link', { name: '← All jobs' })).toHaveAttribute('href', '/jobs');
  });
});

describe('Panel', () => {
  it('is a region named by its heading, visible or not', () => {
    renderWithProviders(
      <>
        <Panel id="p1" title="Tasks" aside={<span>1/2</span>}>
          <p>body</p>
        </Panel>
        <Panel id="p2" title="Status" hideTitle>
          <p>buttons</p>
        </Panel>
      </>,
    );
    expect(screen.getByRole('region', { name: 'Tasks' })).toHaveTextContent('1/2');
    expect(screen.getByRole('heading', { name: 'Status' })).toHaveClass('visually-hidden');
    expect(screen.getByRole('region', { name: 'Status' })).toHaveTextContent('buttons');
  });
});
