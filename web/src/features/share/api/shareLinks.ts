import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResponseOf } from '@/lib/api/types';
import { jobKeys } from '@/lib/api/keys';

export type ShareLink = ResponseOf<'/api/v1/jobs/{id}/share-links', 'get'>[number];
export type NewShareLink = ResponseOf<'/api/v1/jobs/{id}/share-links', 'post'>;

// GET /jobs/{id}/share-links
export const shareLinksQuery = (jobId: string) =>
  queryOptions({
    queryKey: jobKeys.shareLinks(jobId),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/jobs/{id}/share-links', { params: { path: { id: jobId } }, signal })),
  });
export const useShareLinks = (jobId: string) => useQuery(shareLinksQuery(jobId));

// POST /jobs/{id}/share-links
export function useCreateShareLink(jobId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (expiresInDays: number) =>
      unwrap(
        api.POST('/api/v1/jobs/{id}/share-links', {
          params: { path: { id: jobId } },
          body: { expires_in_days: expiresInDays },
        }),
      ),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: jobKeys.shareLinks(jobId) }),
        queryClient.invalidateQueries({ queryKey: jobKeys.history(jobId) }),
      ]),
  });
}

// DELETE /share-links/{id}
export function useRevokeShareLink(jobId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/share-links/{id}', { params: { path: { id } } })),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: jobKeys.shareLinks(jobId) }),
        queryClient.invalidateQueries({ queryKey: jobKeys.history(jobId) }),
      ]),
  });
}
