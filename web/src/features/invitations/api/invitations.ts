// Invitations of people to join the company as staff (docs/organizations.md):
// the admins' list, invite and revoke; the mailed link's preview and accept.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf } from '@/lib/api/types';

export type NewInvitation = BodyOf<'/api/v1/invitations', 'post'>;
export type AcceptInput = BodyOf<'/api/v1/invitations/accept', 'post'>;

const keys = { all: ['invitations'] as const };

export const useInvitations = () =>
  useQuery({
    queryKey: keys.all,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/invitations', { params: { query: { limit: 100 } }, signal })),
  });

export function useInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewInvitation) => unwrap(api.POST('/api/v1/invitations', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

export function useRevokeInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/invitations/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

export const useInvitationPreview = (token: string) =>
  useQuery({
    queryKey: [...keys.all, 'preview', token],
    queryFn: () => unwrap(api.POST('/api/v1/invitations/preview', { body: { token } })),
    enabled: token !== '',
    retry: false,
  });

export const useAcceptInvitation = () =>
  useMutation({ mutationFn: (body: AcceptInput) => unwrap(api.POST('/api/v1/invitations/accept', { body })) });
