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

export type SharedPhoto = ResponseOf<'/api/v1/share/{token}/photos', 'get'>[number];

// GET /share/{token}/photos: the job's customer-visible photos, public like the page.
export const useSharedPhotos = (token: string) =>
  useQuery({
    queryKey: ['share', token, 'photos'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/share/{token}/photos', { params: { path: { token } }, signal })),
    staleTime: 30_000,
  });

/** Where a shared photo is served: the token in the path is its only key. */
export function sharedPhotoUrl(token: string, photo: SharedPhoto, variant: 'small' | 'medium' | 'original') {
  const query = variant !== 'original' && photo.has_thumbnails ? `?variant=${variant}` : '';
  return `/api/v1/share/${encodeURIComponent(token)}/photos/${photo.id}${query}`;
}
