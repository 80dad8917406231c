import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResponseOf } from '@/lib/api/types';

export type SharedJob = ResponseOf<'/api/v1/share/{token}', 'get'>;

// GET /share/{token}: public, no session needed.
export const sharedJobQuery = (token: string) =>
  queryOptions({
    queryKey: ['share', token] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/share/{token}', { params: { path: { token } }, signal })),
    staleTime: 30_000,
  });
export const useSharedJob = (token: string) => useQuery(sharedJobQuery(token));
