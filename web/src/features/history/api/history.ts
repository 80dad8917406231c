import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResponseOf } from '@/lib/api/types';
import { jobKeys } from '@/lib/api/keys';

export type HistoryPage = Exclude<ResponseOf<'/api/v1/jobs/{id}/history', 'get'>, string>;
export type HistoryEntry = HistoryPage['items'][number];

// GET /jobs/{id}/history (admin): newest first, keyset-paginated.
export function useJobHistory(jobId: string) {
  return useInfiniteQuery({
    queryKey: jobKeys.history(jobId),
    // The JSON form of this endpoint (its CSV form is the download below).
    queryFn: async ({ pageParam, signal }) =>
      (await unwrap(
        api.GET('/api/v1/jobs/{id}/history', {
          params: { path: { id: jobId }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      )) as HistoryPage,
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

// GET /jobs/{id}/history?format=csv: fetched with the session, saved as a file.
export function useDownloadHistory(jobId: string) {
  return useMutation({
    mutationFn: async () => {
      const { data, response } = await api.GET('/api/v1/jobs/{id}/history', {
        params: { path: { id: jobId }, query: { format: 'csv' } },
        parseAs: 'blob',
      });
      if (!response.ok || !data) throw new Error(`download failed (${response.status})`);
      const url = URL.createObjectURL(data);
      const a = document.createElement('a');
      a.href = url;
      a.download = `job-${jobId}-history.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  });
}
