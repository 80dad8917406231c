import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { ResponseOf } from '@/lib/api/types';

export type NotificationPreferences = ResponseOf<'/api/v1/me/notifications', 'get'>;

const preferencesKey = ['me', 'notifications'] as const;

// GET /me/notifications
export const preferencesQuery = () =>
  queryOptions({
    queryKey: preferencesKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/me/notifications', { signal })),
  });
export const usePreferences = () => useQuery(preferencesQuery());

// PUT /me/notifications
export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NotificationPreferences) => unwrap(api.PUT('/api/v1/me/notifications', { body })),
    onSuccess: (saved) => client.setQueryData(preferencesKey, saved),
  });
}

// PATCH /me/profile (customers)
export function useRename() {
  return useMutation({
    mutationFn: (name: string) => unwrap(api.PATCH('/api/v1/me/profile', { body: { name } })),
  });
}

// POST /me/email: a confirmation link goes to the new address.
export function useChangeEmail() {
  return useMutation({
    mutationFn: (email: string) => unwrap(api.POST('/api/v1/me/email', { body: { email } })),
  });
}
