import { useInfiniteQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResponseOf } from '@/lib/api/types';
import { jobKeys } from '@/lib/api/keys';

export type TimelinePage = ResponseOf<'/api/v1/jobs/{id}/timeline', 'get'>;
export type TimelineEntry = TimelinePage['items'][number];

// GET /jobs/{id}/timeline (every role, for the jobs it sees): newest first.
export function useJobTimeline(jobId: string) {
  return useInfiniteQuery({
    queryKey: jobKeys.timeline(jobId),
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/v1/jobs/{id}/timeline', {
          params: { path: { id: jobId }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}
